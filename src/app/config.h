#pragma once
// signetd's configuration: flags (SPEC §7) and environment, validated into a Config.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "auth/authenticator.h"
#include "auth/oidc.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "http/server.h"
#include "keystore/pkcs11_key_source.h"
#include "keystore/root_key.h"
#include "store/store.h"

namespace signet::app {

struct Flags {
  std::string config_file;  // --config: a TOML file whose keys are the long flag names
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "/var/lib/signet";
  std::string database;  // default sqlite://<data-dir>/signet.db
  std::string node_id;   // default: the host name
  std::string root_key_file;
  bool dev = false;
  std::string tls_cert, tls_key;
  bool insecure_http = false;
  std::string port_file;
  int io_threads = 0;      // 0: one per core
  int worker_threads = 0;  // 0: 16 per core, at most 32
  int sign_threads = 0;    // 0: one per core (SQLite), four per core (PostgreSQL)
  std::string log_level = "info";
  std::string log_format = "text";  // text | json
  std::string sqlite_sync = "full";
  int db_pool = 0;           // PostgreSQL connections; 0: one per worker and sign thread plus two
  double rate_limit = 1000;  // requests per second per caller; 0: off
  double rate_limit_burst = 0;  // 0: twice the rate
  int login_free_failures = 5;
  int login_lockout_failures = 10;
  std::string login_lockout = "15m";
  int login_ip_failures = 50;
  int max_connections = 0;         // 0: from the open-file limit
  std::string metrics_token_file;  // GET /metrics wants this bearer token when set
  bool tsa_require_synced_clock = false;
  std::string clock_sync_file;            // simulate the kernel's sync state (tests, drills)
  std::string oidc_leeway = "60s";        // clock skew allowed on exp/nbf/iat of OIDC tokens
  std::string oidc_jwks_refresh = "30s";  // at most one key fetch per issuer this often
  int max_batch_items = 1000;             // items one POST …/sign-batch may carry
  // A hardware security module (docs/hsm.md).
  std::string hsm_module;
  std::string hsm_token_label;
  long hsm_slot = -1;        // -1: not given
  std::string hsm_pin_file;  // else SIGNET_HSM_PIN, else no PIN (protected auth path)
  int hsm_max_sessions = 8;
  std::string default_key_source;  // "software" | "hsm"; default: hsm when an HSM is configured
  bool hsm_root_key = false;       // the root key sealed by an AES key in the token
  std::string hsm_root_key_label = "signet-root-key";
  // Notifications (docs/notifications.md).
  std::string public_url;            // the console's URL in links; default from --listen
  bool notify_allow_http = false;    // plain-http webhooks to non-loopback hosts
  std::string notify_retry = "30s";  // first retry after this, doubling
  std::string notify_retry_max = "1h";
  int notify_attempts = 10;
  std::string notify_scan = "1m";      // how often expiries are looked for
  std::string notify_timeout = "10s";  // one delivery attempt
  std::string grant_expiry_notice = "1h";
  std::string certificate_expiry_notice_days = "30,7,1";
};

struct Config {
  http::ServerOptions server;
  auth::AuthOptions auth;
  auth::OidcOptions oidc;
  std::string data_dir;
  std::string database_url;
  std::string database_display;  // without credentials
  std::string node_id;
  std::string root_key_file;
  bool dev = false;
  std::string port_file;
  std::string sqlite_sync;
  std::string metrics_token_file;
  int db_pool = 0;  // PostgreSQL pool size (resolved, > 0)
  int max_batch_items = 1000;
  bool claim_node_id = true;  // PostgreSQL: hold node_id while running (false for audit verify)
  // Time-stamp authorities refuse (timeNotAvailable) and /readyz fails while the clock is not
  // synchronised; the state comes from adjtimex, or from `clock_sync_file` when set.
  bool tsa_require_synced_clock = false;
  std::string clock_sync_file;
  double anonymous_timestamp_rate = 1000;  // per source IP; 0: off
  std::optional<keystore::HsmConfig> hsm;  // --hsm-module given
  domain::KeySourceType default_key_source = domain::KeySourceType::kSoftware;
  std::optional<std::string> hsm_root_key_label;  // --hsm-root-key
  // Notifications.
  std::string public_url;  // empty: http(s)://<listen address>:<bound port>
  bool notify_allow_http = false;
  Millis notify_retry{30'000};
  Millis notify_retry_max{3'600'000};
  int notify_attempts = 10;
  Millis notify_scan{60'000};
  Millis notify_timeout{10'000};
  Millis grant_expiry_notice{3'600'000};
  std::vector<std::int64_t> certificate_expiry_notice_days = {30, 7, 1};
};

void AddFlags(CLI::App& app, Flags& flags);

// The settings of a configuration file: key (a long flag name without "--") -> value as a
// command-line argument would give it ("true"/"false" for switches). Keys are checked
// against `app`'s options: an unknown key, a key given twice, a table or array where a
// value belongs, or a switch that is not true/false is an InvalidArgument naming the file,
// line and key. "config" itself is not a key.
using ConfigValues = std::vector<std::pair<std::string, std::string>>;
[[nodiscard]] Result<ConfigValues> ReadConfigFile(const std::string& path, const CLI::App& app);
// Sets each option of `app` that the command line did not set from `values` (flags win over
// the file), running the option's own conversion and checks.
[[nodiscard]] Status ApplyConfigValues(CLI::App& app, const std::string& path,
                                       const ConfigValues& values);
[[nodiscard]] Result<Config> BuildConfig(const Flags& flags);

// SIGNET_ROOT_KEY, else --root-key-file, else <data-dir>/root.key (created 0600 with --dev).
[[nodiscard]] Result<keystore::RootKey> LoadRootKey(const Config& config);
[[nodiscard]] Result<std::unique_ptr<store::Store>> OpenStore(const Config& config);
// The bearer token GET /metrics asks for: the first line of --metrics-token-file, which must
// not be readable by others; empty when no file is set.
[[nodiscard]] Result<SecretBytes> LoadMetricsToken(const Config& config);
// The HSM PIN: SIGNET_HSM_PIN, else the --hsm-pin-file (mode 0600 or stricter, one line), else
// none. Exposed for tests.
[[nodiscard]] Result<std::optional<SecretBytes>> LoadHsmPin(const std::string& pin_file);

}  // namespace signet::app
