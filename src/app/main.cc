// signetd: the composition root. Reads flags and environment, opens the store and key store,
// wires the service and HTTP server, and runs until SIGTERM/SIGINT.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/config.h"
#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "common/log.h"
#include "common/metrics.h"
#include "http/api_routes.h"
#include "http/console.h"
#include "http/server.h"
#include "keystore/keystore.h"
#include "keystore/store_key_blob_repository.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace signet::app {
namespace {

void InstallLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("signetd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  log::SetSink([logger](log::Level l, std::string_view request_id, std::string_view message) {
    const auto lvl = l == log::Level::kDebug  ? spdlog::level::debug
                     : l == log::Level::kInfo ? spdlog::level::info
                     : l == log::Level::kWarn ? spdlog::level::warn
                                              : spdlog::level::err;
    if (request_id.empty()) {
      logger->log(lvl, "{}", message);
    } else {
      logger->log(lvl, "req={} {}", request_id, message);
    }
  });
  logger->set_level(spdlog::level::debug);
  log::SetMinLevel(level == "debug" ? log::Level::kDebug
                   : level == "warn" ? log::Level::kWarn
                   : level == "error" ? log::Level::kError
                                      : log::Level::kInfo);
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
  const long long files = rl.rlim_cur == RLIM_INFINITY ? 1'000'000 : static_cast<long long>(rl.rlim_cur);
  const long long reserve = 64 + config.db_pool;
  return static_cast<int>(std::clamp<long long>(files - reserve, 16, 100'000));
}

struct Runtime {
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<keystore::StoreKeyBlobRepository> key_blobs;
  std::unique_ptr<keystore::KeyStore> keys;
  std::unique_ptr<keystore::Pkcs11KeySource> hsm;  // --hsm-module
  std::unique_ptr<audit::AuditLog> audit;
};

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config) {
  auto rt = std::make_unique<Runtime>();
  std::optional<keystore::RootKey> root_from_file;
  if (!config.hsm_root_key_label) {
    SIGNET_ASSIGN_OR_RETURN(root_from_file, LoadRootKey(config));
  }
  SIGNET_ASSIGN_OR_RETURN(rt->store, OpenStore(config));
  if (config.hsm) {
    SIGNET_ASSIGN_OR_RETURN(rt->hsm, keystore::Pkcs11KeySource::Create(*config.hsm, *rt->store, rt->clock));
    log::Info("keys in " + rt->hsm->Describe());
  }
  std::optional<keystore::RootKey> root_from_hsm;
  if (config.hsm_root_key_label) {
    SIGNET_ASSIGN_OR_RETURN(root_from_hsm, keystore::HsmRootKey(*rt->hsm, *rt->store, *config.hsm_root_key_label));
    log::Info("the root key is sealed by the HSM key '" + *config.hsm_root_key_label + "'");
  }
  keystore::RootKey root_key = root_from_hsm ? std::move(*root_from_hsm) : std::move(*root_from_file);
  SIGNET_TRY(keystore::CheckRootKey(root_key, *rt->store));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes audit_key, root_key.DeriveKey("signet audit v1", 32));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes checkpoint_seed, root_key.DeriveKey("signet audit checkpoint v1", 32));
  SIGNET_ASSIGN_OR_RETURN(rt->audit, audit::AuditLog::Create(config.node_id, std::move(audit_key),
                                                             std::move(checkpoint_seed)));
  rt->key_blobs = std::make_unique<keystore::StoreKeyBlobRepository>(*rt->store);
  rt->keys = std::make_unique<keystore::KeyStore>(std::move(root_key), *rt->key_blobs, rt->clock);
  return rt;
}

int Serve(const Config& config) {
  auto rt = OpenRuntime(config);
  if (!rt) {
    std::fprintf(stderr, "signetd: %s\n", rt.error().message.c_str());
    return 1;
  }
  Runtime& r = **rt;
  Metrics metrics;
  auth::Authenticator authenticator(*r.store, r.clock, config.auth);
  service::Deps deps{*r.store, *r.keys, *r.audit, authenticator, r.clock, &metrics};
  deps.hsm = r.hsm.get();
  deps.default_key_source = config.default_key_source;
  service::Service svc(deps);
  if (auto s = svc.EnsureDefaultProject(); !s) {
    std::fprintf(stderr, "signetd: cannot create the default project: %s\n", s.error().message.c_str());
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

  auto router = std::make_shared<http::Router>();
  http::RegisterApiRoutes(*router, svc, metrics,
                          http::RouteOptions{config.node_id, config.server.tls.has_value()});
  http::RegisterConsoleRoutes(*router);
  options.on_complete = [&metrics](const http::Request& req, const std::string& pattern,
                                   const http::Response& resp, std::chrono::steady_clock::duration took) {
    metrics.http_requests.Inc({std::string(HttpMethodLabel(req.method)), pattern.empty() ? "unmatched" : pattern, std::to_string(resp.status)});
    const log::Level level = resp.status >= 500 ? log::Level::kWarn : log::Level::kDebug;
    if (!log::Enabled(level)) return;  // most requests at the default level: build no line
    const double ms = std::chrono::duration<double, std::milli>(took).count();
    log::Write(level, req.request_id,
               req.method.substr(0, 16) + " " + (pattern.empty() ? std::string("-") : pattern) + " " +
                   std::to_string(resp.status) + " " + std::to_string(ms) + "ms from " + req.remote_ip);
  };
  auto server = http::Server::Create(options, router);
  if (!server) {
    std::fprintf(stderr, "signetd: %s\n", server.error().message.c_str());
    return 1;
  }
  const std::string scheme = options.tls ? "https" : "http";
  log::Info("signetd " SIGNET_VERSION " node " + config.node_id + " listening on " + scheme + "://" +
            options.address + ":" + std::to_string((*server)->port()) + " (database " +
            config.database_display + ", at most " + std::to_string(options.max_connections) + " connections)");
  if (!config.port_file.empty()) {
    const std::string tmp = config.port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::filesystem::rename(tmp, config.port_file);
  }
  (*server)->RunUntilSignalled();
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
  std::printf("audit log INVALID: first bad event is seq %lld of node %s: %s (%lld events checked)\n",
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
  auto* verify_cmd = audit_cmd->add_subcommand("verify", "Walk every node's audit chain and report the first broken link");
  audit_cmd->require_subcommand(1);
  audit_cmd->fallthrough();  // the server flags (--data-dir, --database, ...) also apply here
  verify_cmd->fallthrough();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  auto config = BuildConfig(flags);
  if (!config) {
    std::fprintf(stderr, "signetd: %s\n", config.error().message.c_str());
    return 1;
  }
  InstallLogging(flags.log_level);
  if (verify_cmd->parsed()) {
    config->claim_node_id = false;  // verifying reads every chain and appends to none
    return AuditVerify(*config);
  }
  return Serve(*config);
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
