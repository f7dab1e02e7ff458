#pragma once
// signetd's configuration: flags (SPEC §7) and environment, validated into a Config.

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "auth/authenticator.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "http/server.h"
#include "keystore/root_key.h"
#include "store/store.h"

namespace signet::app {

struct Flags {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "/var/lib/signet";
  std::string database;  // default sqlite://<data-dir>/signet.db
  std::string node_id;   // default: the host name
  std::string root_key_file;
  bool dev = false;
  std::string tls_cert, tls_key;
  bool insecure_http = false;
  std::string port_file;
  int io_threads = 0;       // 0: one per core
  int worker_threads = 0;   // 0: 16 per core, at most 32
  int sign_threads = 0;     // 0: one per core (SQLite), four per core (PostgreSQL)
  std::string log_level = "info";
  std::string sqlite_sync = "full";
  int db_pool = 0;  // PostgreSQL connections; 0: one per worker and sign thread plus two
  double rate_limit = 1000;       // requests per second per caller; 0: off
  double rate_limit_burst = 0;    // 0: twice the rate
  int login_free_failures = 5;
  int login_lockout_failures = 10;
  std::string login_lockout = "15m";
  int login_ip_failures = 50;
  int max_connections = 0;        // 0: from the open-file limit
  int max_batch_items = 1000;     // items one POST …/sign-batch may carry
};

struct Config {
  http::ServerOptions server;
  auth::AuthOptions auth;
  std::string data_dir;
  std::string database_url;
  std::string database_display;  // without credentials
  std::string node_id;
  std::string root_key_file;
  bool dev = false;
  std::string port_file;
  std::string sqlite_sync;
  int db_pool = 0;            // PostgreSQL pool size (resolved, > 0)
  int max_batch_items = 1000;
  bool claim_node_id = true;  // PostgreSQL: hold node_id while running (false for audit verify)
};

void AddFlags(CLI::App& app, Flags& flags);
[[nodiscard]] Result<Config> BuildConfig(const Flags& flags);

// SIGNET_ROOT_KEY, else --root-key-file, else <data-dir>/root.key (created 0600 with --dev).
[[nodiscard]] Result<keystore::RootKey> LoadRootKey(const Config& config);
[[nodiscard]] Result<std::unique_ptr<store::Store>> OpenStore(const Config& config);

}  // namespace signet::app
