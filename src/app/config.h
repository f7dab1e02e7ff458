#pragma once
// signetd's configuration: flags (SPEC §7) and environment, validated into a Config.

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "auth/authenticator.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "http/server.h"
#include "keystore/pkcs11_key_source.h"
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
  // A hardware security module (docs/hsm.md).
  std::string hsm_module;
  std::string hsm_token_label;
  long hsm_slot = -1;             // -1: not given
  std::string hsm_pin_file;       // else SIGNET_HSM_PIN, else no PIN (protected auth path)
  int hsm_max_sessions = 8;
  std::string default_key_source;  // "software" | "hsm"; default: hsm when an HSM is configured
  bool hsm_root_key = false;       // the root key sealed by an AES key in the token
  std::string hsm_root_key_label = "signet-root-key";
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
  bool claim_node_id = true;  // PostgreSQL: hold node_id while running (false for audit verify)
  std::optional<keystore::HsmConfig> hsm;  // --hsm-module given
  domain::KeySourceType default_key_source = domain::KeySourceType::kSoftware;
  std::optional<std::string> hsm_root_key_label;  // --hsm-root-key
};

void AddFlags(CLI::App& app, Flags& flags);
[[nodiscard]] Result<Config> BuildConfig(const Flags& flags);

// SIGNET_ROOT_KEY, else --root-key-file, else <data-dir>/root.key (created 0600 with --dev).
[[nodiscard]] Result<keystore::RootKey> LoadRootKey(const Config& config);
[[nodiscard]] Result<std::unique_ptr<store::Store>> OpenStore(const Config& config);
// The HSM PIN: SIGNET_HSM_PIN, else the --hsm-pin-file (mode 0600 or stricter, one line), else
// none. Exposed for tests.
[[nodiscard]] Result<std::optional<SecretBytes>> LoadHsmPin(const std::string& pin_file);

}  // namespace signet::app
