// signetd: the composition root. Reads flags and environment, opens the store and key store,
// wires the service and HTTP server, and runs until SIGTERM/SIGINT.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <CLI/CLI.hpp>

#include "app/config.h"
#include "app/maintenance.h"
#include "app/runtime.h"
#include "app/watchdog.h"
#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "common/clock_sync.h"
#include "common/log.h"
#include "common/metrics.h"
#include "http/access_log.h"
#include "http/api_routes.h"
#include "http/console.h"
#include "http/oidc_http.h"
#include "http/server.h"
#include "keystore/keystore.h"
#include "keystore/store_key_blob_repository.h"
#include "notify/notifications.h"
#include "notify/transport.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace signet::app {
namespace {

// Every line goes through the log facade to stderr (journald under systemd), in the text or
// JSON format of common/log.h; spdlog only serializes the writes.
void InstallLogging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stderr_logger_mt("signetd");
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  const bool json = format == "json";
  log::SetSink([logger, json](log::Level l, std::string_view request_id, std::string_view message,
                              std::span<const log::Field> fields) {
    const auto now = std::chrono::system_clock::now();
    logger->info("{}", json ? log::FormatJson(now, l, request_id, message, fields)
                            : log::FormatText(now, l, request_id, message, fields));
  });
  log::Level min = log::Level::kInfo;
  log::ParseLevel(level, min);
  log::SetMinLevel(min);
}

// The connection cap: --max-connections, else what the open-file limit allows once raised to
// its hard maximum, less room for the database, log and key files.
int ConnectionCap(const Config& config) {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (config.server.max_connections > 0) return config.server.max_connections;
  const long long files =
      rl.rlim_cur == RLIM_INFINITY ? 1'000'000 : static_cast<long long>(rl.rlim_cur);
  const long long reserve = 64 + config.db_pool;
  return static_cast<int>(std::clamp<long long>(files - reserve, 16, 100'000));
}

// Once a second: a clock step of 1 s or more becomes a clock.step audit event, and a change
// of the synchronisation state is logged (the TSA and /readyz read the state themselves).
class ClockWatch {
 public:
  ClockWatch(service::Service& svc, const Clock& clock, const ClockSyncSource& source)
      : svc_(svc), clock_(clock), source_(source), thread_([this] { Loop(); }) {}
  ~ClockWatch() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    ClockStepDetector steps(Millis(1000));
    std::optional<bool> synchronized;
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      if (auto step = steps.Observe(clock_.Now(), std::chrono::steady_clock::now())) {
        log::Write(log::Level::kWarn, "",
                   "the clock stepped by " + std::to_string(step->count()) + " ms");
        if (auto recorded = svc_.RecordClockStep(*step); !recorded) {
          log::Write(log::Level::kError, "",
                     "recording a clock step failed: " + recorded.error().message);
        }
      }
      const ClockSyncReading reading = source_.Read();
      if (!synchronized || *synchronized != reading.synchronized) {
        log::Write(reading.synchronized ? log::Level::kInfo : log::Level::kWarn, "",
                   "clock (" + source_.Describe() + "): " +
                       (reading.synchronized ? std::string("synchronised")
                                             : "not synchronised: " + reading.reason));
        synchronized = reading.synchronized;
      }
      lock.lock();
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  }

  service::Service& svc_;
  const Clock& clock_;
  const ClockSyncSource& source_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

// What SIGHUP reloads comes from: the config file (its log-level) and the TLS files of `config`.
struct ReloadSource {
  const CLI::App* cli = nullptr;  // the flags, which validate the file's keys
  std::string config_file;        // empty: no config file, the log level stays
  bool log_level_flag = false;    // --log-level on the command line wins over the file
};

// SIGHUP (systemctl reload): the log level from the config file, then the TLS certificate
// and key. What fails is logged and keeps its previous value; the rest still applies.
void Reload(const ReloadSource& source, const Config& config, http::Server& server) {
  sd_notify(0, "RELOADING=1");
  log::Info("SIGHUP received; reloading the log level and the TLS certificate");
  if (source.config_file.empty()) {
    log::Info("reload: no config file (--config); the log level stays " +
              std::string(log::LevelName(log::MinLevel())));
  } else if (source.log_level_flag) {
    log::Info("reload: --log-level was given on the command line; the log level stays " +
              std::string(log::LevelName(log::MinLevel())));
  } else if (auto values = ReadConfigFile(source.config_file, *source.cli); !values) {
    log::Error("reload: " + values.error().message + "; the log level stays " +
               std::string(log::LevelName(log::MinLevel())));
  } else {
    std::string name = "info";  // the default when the file has no log-level
    for (const auto& [key, value] : *values) {
      if (key == "log-level") name = value;
    }
    log::Level level = log::Level::kInfo;
    if (!log::ParseLevel(name, level)) {
      log::Error("reload: config file " + source.config_file + ": log-level '" + name +
                 "' is not one of debug, info, warn, error; the log level stays " +
                 std::string(log::LevelName(log::MinLevel())));
    } else if (level != log::MinLevel()) {
      // Said before the change, so that it shows whichever way the level moves.
      log::Write(std::max(level, log::MinLevel()), "",
                 "reload: log level " + std::string(log::LevelName(log::MinLevel())) + " -> " +
                     std::string(log::LevelName(level)));
      log::SetMinLevel(level);
    }
  }
  if (config.server.tls) {
    if (auto reloaded = server.ReloadTls(); !reloaded) {
      log::Error("reload: " + reloaded.error().message +
                 "; new connections keep the previous certificate");
    } else {
      log::Info("reload: TLS certificate " + config.server.tls->certificate_chain_path +
                " and key loaded; new connections use them");
    }
  }
  sd_notify(0, "READY=1");
}

int Serve(const Config& config, const ReloadSource& reload_source) {
  auto rt = OpenRuntime(config);
  if (!rt) {
    std::fprintf(stderr, "signetd: %s\n", rt.error().message.c_str());
    return 1;
  }
  Runtime& r = **rt;
  if (auto held = HoldDatabase(config); !held) {
    std::fprintf(stderr, "signetd: %s\n", held.error().message.c_str());
    return 1;
  }
  Metrics metrics;
  auth::Authenticator authenticator(*r.store, r.clock, config.auth);
  std::unique_ptr<ClockSyncSource> clock_sync;
  if (config.clock_sync_file.empty()) {
    clock_sync = std::make_unique<KernelClockSync>();
  } else {
    clock_sync = std::make_unique<FileClockSync>(config.clock_sync_file);
  }
  http::JsonJoseDecoder jose_decoder;
  http::BeastOidcFetcher oidc_fetcher;
  auth::OidcVerifier oidc(oidc_fetcher, jose_decoder, r.clock, config.oidc);
  notify::NotificationOptions notify_options;
  notify_options.max_attempts = config.notify_attempts;
  notify_options.retry_base = config.notify_retry;
  notify_options.retry_max = config.notify_retry_max;
  notify_options.lease = std::max<Millis>(notify_options.lease, 4 * config.notify_timeout);
  notify_options.allow_http_webhooks = config.notify_allow_http;
  notify::Notifications notifications(*r.store, r.clock, std::move(r.notify_key),
                                      notify::MakeCurlTransport(config.notify_timeout),
                                      notify_options);
  service::Deps deps{*r.store, *r.keys, *r.audit, authenticator, r.clock, &metrics};
  deps.oidc = &oidc;
  deps.clock_state = [source = clock_sync.get()] {
    const ClockSyncReading reading = source->Read();
    return service::ClockState{reading.synchronized, reading.reason};
  };
  deps.tsa_require_synchronized_clock = config.tsa_require_synced_clock;
  deps.anonymous_timestamp_rate = config.anonymous_timestamp_rate;
  deps.max_batch_items = static_cast<std::size_t>(config.max_batch_items);
  deps.hsm = r.hsm.get();
  deps.default_key_source = config.default_key_source;
  deps.notifier = &notifications;
  deps.expiry_notices.grant_before = config.grant_expiry_notice;
  deps.expiry_notices.certificate_days = config.certificate_expiry_notice_days;
  service::Service svc(deps);
  if (auto s = svc.EnsureDefaultProject(); !s) {
    std::fprintf(stderr, "signetd: cannot create the default project: %s\n",
                 s.error().message.c_str());
    return 1;
  }
  const char* boot_email = std::getenv("SIGNET_BOOTSTRAP_ADMIN_EMAIL");
  const char* boot_password = std::getenv("SIGNET_BOOTSTRAP_ADMIN_PASSWORD");
  if (boot_email != nullptr && boot_password != nullptr && *boot_email != '\0') {
    auto created = svc.BootstrapIfEmpty(boot_email, SecretBytes::FromString(boot_password));
    if (!created) {
      std::fprintf(stderr, "signetd: bootstrap admin: %s\n", created.error().message.c_str());
      return 1;
    }
    if (*created) log::Info(std::string("created the first org admin ") + boot_email);
  }

  http::ServerOptions options = config.server;
  options.max_connections = ConnectionCap(config);

  auto metrics_token = LoadMetricsToken(config);
  if (!metrics_token) {
    std::fprintf(stderr, "signetd: %s\n", metrics_token.error().message.c_str());
    return 1;
  }
  http::RouteOptions route_options;
  route_options.node_id = config.node_id;
  route_options.tls = config.server.tls.has_value();
  route_options.metrics_token = std::make_shared<const SecretBytes>(std::move(*metrics_token));
  auto router = std::make_shared<http::Router>();
  http::RegisterApiRoutes(*router, svc, metrics, route_options);
  http::RegisterConsoleRoutes(*router);
  options.on_complete = [&metrics](const http::Request& req, const std::string& pattern,
                                   const http::Response& resp,
                                   std::chrono::steady_clock::duration took) {
    std::vector<std::string> labels{std::string(HttpMethodLabel(req.method)),
                                    pattern.empty() ? "unmatched" : pattern,
                                    std::to_string(resp.status)};
    metrics.http_latency.Observe(labels, std::chrono::duration<double>(took).count());
    metrics.http_requests.Inc(labels);
    http::WriteAccessLog(req, pattern, resp, took);
  };
  auto server = http::Server::Create(options, router);
  if (!server) {
    std::fprintf(stderr, "signetd: %s\n", server.error().message.c_str());
    return 1;
  }
  const std::string scheme = options.tls ? "https" : "http";
  log::Info("signetd " SIGNET_VERSION " node " + config.node_id + " listening on " + scheme +
            "://" + options.address + ":" + std::to_string((*server)->port()) + " (database " +
            config.database_display + ", at most " + std::to_string(options.max_connections) +
            " connections)");
  // Said once the server listens (a start that fails says only why).
  if (auto users = [&]() -> Result<std::int64_t> {
        SIGNET_ASSIGN_OR_RETURN(auto tx, r.store->BeginRead());
        return tx->CountUsers();
      }();
      users && *users == 0) {
    log::Info(
        "no user exists yet: create the first org admin with POST /api/v1/admin/bootstrap "
        "{\"email\":…,\"password\":…}, or restart with SIGNET_BOOTSTRAP_ADMIN_EMAIL and "
        "SIGNET_BOOTSTRAP_ADMIN_PASSWORD set (docs/operations.md, \"First administrator\")");
  }
  ClockWatch watch(svc, r.clock, *clock_sync);
  // WatchdogSec= in the unit: pinged while the server loop and its pools answer.
  std::optional<Watchdog> watchdog;
  if (const auto interval = WatchdogInterval()) {
    http::Server* s = server->get();
    watchdog.emplace(
        *interval, [s](std::chrono::milliseconds timeout) { return s->Alive(timeout); },
        [] { sd_notify(0, "WATCHDOG=1"); });
    log::Info("systemd watchdog: pinging every " + std::to_string(interval->count()) + " ms");
  }
  std::string public_url = config.public_url;
  if (public_url.empty()) {
    const bool v6 = options.address.find(':') != std::string::npos;
    public_url = scheme + "://" + (v6 ? "[" + options.address + "]" : options.address) + ":" +
                 std::to_string((*server)->port());
  }
  notifications.SetPublicUrl(public_url);
  // Delivery and the periodic scan (expired requests, ending grants and certificates) run on
  // the notifier's thread, never on a request's.
  notifications.Start([&svc] { svc.ScanForNotifications(); }, config.notify_scan);
  http::Server::SignalHooks hooks;
  // Readiness (port file, READY=1) is announced once the signal handling is in place, so that
  // a SIGTERM right after READY=1 stops signetd gracefully (STOPPING=1) instead of killing it.
  hooks.ready = [&] {
    if (!config.port_file.empty()) {
      const std::string tmp = config.port_file + ".tmp";
      std::ofstream(tmp) << (*server)->port() << "\n";
      std::filesystem::rename(tmp, config.port_file);
    }
    // Under systemd (Type=notify, NOTIFY_SOCKET set) the unit is started once signetd
    // listens; elsewhere sd_notify does nothing.
    const std::string status = "STATUS=listening on " + scheme + "://" + options.address + ":" +
                               std::to_string((*server)->port());
    sd_notify(0, ("READY=1\n" + status).c_str());
  };
  hooks.reload = [&] { Reload(reload_source, config, **server); };
  (*server)->RunUntilSignalled(std::move(hooks));
  if (watchdog) watchdog->Stop();
  watch.Stop();
  sd_notify(0, "STOPPING=1");
  notifications.Stop();
  log::Info("signetd stopped");
  return 0;
}

int AuditVerify(const Config& config) {
  auto rt = OpenRuntime(config);
  if (!rt) {
    std::fprintf(stderr, "signetd: %s\n", rt.error().message.c_str());
    return 1;
  }
  auto report = (*rt)->audit->Verify(*(*rt)->store);
  if (!report) {
    std::fprintf(stderr, "signetd: audit verify: %s\n", report.error().message.c_str());
    return 1;
  }
  if (report->valid) {
    std::printf("audit log valid: %lld events checked\n", static_cast<long long>(report->checked));
    return 0;
  }
  std::printf(
      "audit log INVALID: first bad event is seq %lld of node %s: %s (%lld events checked)\n",
      static_cast<long long>(report->first_bad->seq), report->first_bad->node_id.c_str(),
      report->first_bad->reason.c_str(), static_cast<long long>(report->checked));
  return 2;
}

int Main(int argc, char** argv) {
  // argon2id hashes passwords in a 19 MiB block. With glibc's dynamic mmap threshold, a freed
  // block that size raises the threshold, the next ones come from the heap and stay resident;
  // a fixed threshold keeps every block of 1 MiB or more mmapped and returned when freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // Everything signetd creates (the database and its WAL, the dev root key, the port file)
  // is its own alone, whatever umask it was started with.
  ::umask(0077);
  CLI::App cli{"signetd — the Signet remote code-signing server"};
  cli.set_version_flag("--version", "signetd " SIGNET_VERSION);
  Flags flags;
  AddFlags(cli, flags);
  auto* audit_cmd = cli.add_subcommand("audit", "Audit log tools");
  auto* verify_cmd = audit_cmd->add_subcommand(
      "verify", "Walk every node's audit chain and report the first broken link");
  audit_cmd->require_subcommand(1);
  audit_cmd->fallthrough();  // the server flags (--data-dir, --database, ...) also apply here
  verify_cmd->fallthrough();
  std::string backup_to;
  auto* backup_cmd = cli.add_subcommand("backup",
                                        "Write a consistent copy of the SQLite database to a new "
                                        "file while signetd runs (no root key needed)");
  backup_cmd->add_option("--to", backup_to, "The backup file to create (it must not exist)")
      ->required();
  backup_cmd->fallthrough();
  std::string restore_from;
  auto* restore_cmd = cli.add_subcommand("restore",
                                         "Put a backup in place of the SQLite database (signetd "
                                         "stopped), then verify it with the root key");
  restore_cmd->add_option("--from", restore_from, "The backup file")->required();
  restore_cmd->fallthrough();
  auto* admin_cmd = cli.add_subcommand("admin", "Local administration (needs the root key)");
  admin_cmd->require_subcommand(1);
  admin_cmd->fallthrough();
  std::string reset_email;
  bool reset_password_stdin = false;
  auto* reset_cmd = admin_cmd->add_subcommand(
      "reset-password",
      "Set a new password for a user (printed once, or read from stdin) and revoke their tokens");
  reset_cmd->add_option("email", reset_email, "The user's email")->required();
  reset_cmd->add_flag("--password-stdin", reset_password_stdin,
                      "Read the new password from stdin (one line)");
  reset_cmd->fallthrough();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  ReloadSource reload_source{&cli, flags.config_file, cli.get_option("--log-level")->count() > 0};
  if (!flags.config_file.empty()) {
    auto values = ReadConfigFile(flags.config_file, cli);
    if (values) {
      if (auto applied = ApplyConfigValues(cli, flags.config_file, *values); !applied) {
        values = tl::unexpected(applied.error());
      }
    }
    if (!values) {
      std::fprintf(stderr, "signetd: %s\n", values.error().message.c_str());
      return 1;
    }
  }
  auto config = BuildConfig(flags);
  if (!config) {
    std::fprintf(stderr, "signetd: %s\n", config.error().message.c_str());
    return 1;
  }
  InstallLogging(flags.log_level, flags.log_format);
  if (verify_cmd->parsed()) {
    config->claim_node_id = false;  // verifying reads every chain and appends to none
    return AuditVerify(*config);
  }
  if (backup_cmd->parsed()) return Backup(*config, backup_to);
  if (restore_cmd->parsed()) return Restore(*config, restore_from);
  if (reset_cmd->parsed()) return ResetPassword(*config, reset_email, reset_password_stdin);
  return Serve(*config, reload_source);
}

}  // namespace
}  // namespace signet::app

int main(int argc, char** argv) {
  try {
    return signet::app::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "signetd: fatal: %s\n", e.what());
    return 1;
  }
}
