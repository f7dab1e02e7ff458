#include "cli/app.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <vector>

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

// Levenshtein distance, for "did you mean".
std::size_t Distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Walks the words of the command line down the subcommand tree; at the first word that
// should name a subcommand but names none, returns "unknown command 'X'" with the closest
// one as a suggestion. Options (and the value after an option that takes one) are skipped.
std::optional<std::string> UnknownCommand(CLI::App& app, const std::vector<std::string>& args) {
  CLI::App* at = &app;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") return std::nullopt;
    if (!word.empty() && word[0] == '-') {
      if (word.find('=') != std::string::npos) continue;
      // An option of this command or a parent that takes a value swallows the next word.
      for (CLI::App* a = at; a != nullptr; a = a->get_parent()) {
        const CLI::Option* opt = nullptr;
        try {
          opt = a->get_option_no_throw(word);
        } catch (...) {
          opt = nullptr;
        }
        if (opt != nullptr) {
          if (opt->get_items_expected_min() > 0) ++i;
          break;
        }
      }
      continue;
    }
    const auto subcommands = at->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty()) return std::nullopt;  // a positional argument of a leaf command
    CLI::App* next = nullptr;
    for (CLI::App* sub : subcommands) {
      if (sub->check_name(word)) next = sub;
    }
    if (next == nullptr) {
      std::string best;
      std::size_t best_distance = 3;  // suggest only close names
      for (CLI::App* sub : subcommands) {
        const std::size_t d = Distance(word, sub->get_name());
        if (d < best_distance || (sub->get_name().rfind(word, 0) == 0 && best.empty())) {
          best_distance = std::min(d, best_distance);
          best = sub->get_name();
        }
      }
      std::string path;
      for (CLI::App* a = at; a != nullptr && a != &app; a = a->get_parent()) {
        path = " " + a->get_name() + path;
      }
      path = "signet" + path;
      std::string message = "unknown command '" + word + "'";
      if (at != &app) message = "unknown command '" + word + "' for '" + path + "'";
      if (!best.empty()) message += "; did you mean '" + best + "'?";
      return message + " (see '" + path + " --help')";
    }
    at = next;
  }
  return std::nullopt;
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
  app.add_flag("--ids", ctx.flags.ids, "Show ids instead of names (signers, requesters, grantees)");
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

  if (auto unknown = UnknownCommand(app, args)) {
    err << "signet: " << *unknown << '\n';
    return kExitUsage;
  }

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
