#include "cli/app.h"

#include <fstream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace signet::cli {
namespace {

constexpr char kDescription[] =
    "signet: sign files with keys kept on a Signet server.\n"
    "Start with `signet login --server URL --email E --password-stdin`, then\n"
    "`signet signers list` and `signet sign --signer NAME --algorithm ALG --in FILE`.\n"
    "Every command takes --json for machine-readable output.";

constexpr char kFooter[] =
    "Global options (before or after the command): --server, --token, --ca-cert, --project,\n"
    "--json, --timeout; see `signet --help`.\n"
    "Environment: SIGNET_SERVER_URL, SIGNET_TOKEN, SIGNET_CA_CERT override the config file\n"
    "($XDG_CONFIG_HOME/signet/config.json or ~/.config/signet/config.json).\n"
    "Exit codes: 0 ok, 1 usage or invalid input, 2 authentication, 3 permission denied or\n"
    "approval required, 4 not found, 5 server or network failure.";

// The subcommand path of a parse error, for "see 'signet signers create --help'".
std::string CommandPath(const CLI::App& app) {
  std::string path = "signet";
  const CLI::App* cur = &app;
  while (true) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) break;
    cur = subs.front();
    path += " " + cur->get_name();
  }
  return path;
}

}  // namespace

long PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

int Main(int argc, const char* const* argv, EnvLookup env, std::ostream& out, std::ostream& err,
         std::istream& in, Terminal terminal) {
  std::vector<std::string> args(argv, argv + argc);
  Context ctx(std::move(env), out, err, in, args, terminal);

  CLI::App app(kDescription, "signet");
  app.footer(kFooter);
  app.fallthrough();  // global options may follow the subcommand
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("signet ") + SIGNET_VERSION);
  app.add_option("--server", ctx.flags.server, "Server URL (else SIGNET_SERVER_URL, else config)");
  app.add_option("--token", ctx.flags.token,
                 "Bearer token (else SIGNET_TOKEN, else config); prefer the environment");
  app.add_option("--ca-cert", ctx.flags.ca_cert,
                 "CA certificates (PEM) to trust for https (else SIGNET_CA_CERT, else config)");
  app.add_option("--project", ctx.flags.project, "Project id (default: the default project)");
  app.add_flag("--json", ctx.flags.json, "Print the API's JSON instead of tables");
  app.add_option("--timeout", ctx.flags.timeout_seconds, "Network timeout in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  // Hidden: prints the process's peak resident set size at exit (streaming tests and bench).
  app.add_flag("--print-peak-rss", ctx.flags.print_peak_rss, "")->group("");

  AddAuthCommands(app, ctx);
  AddSignerCommands(app, ctx);
  AddPkiCommands(app, ctx);
  AddPolicyCommands(app, ctx);
  AddSignCommands(app, ctx);
  AddAdminCommands(app, ctx);
  AddTimestampCommands(app, ctx);

  int code = kExitOk;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (message.empty()) message = "invalid command line";
    err << "signet: " << message << " (see '" << CommandPath(app) << " --help')\n";
    return kExitUsage;
  }

  if (ctx.action) {
    Status status = ctx.action();
    if (!status) {
      err << "signet: " << status.error().message << '\n';
      code = ctx.failure_exit_code.value_or(ExitCodeFor(status.error().code));
    }
  }
  out.flush();
  if (ctx.flags.print_peak_rss) err << "signet: peak RSS " << PeakRssKib() << " KiB\n";
  return code;
}

}  // namespace signet::cli
