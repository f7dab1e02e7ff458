#include "app/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <toml++/toml.h>

#include "common/duration.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace signet::app {
namespace {

Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidArgument("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port_text = listen.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) {
    return InvalidArgument("--listen port '" + port_text + "' is not a number");
  }
  const int port = std::stoi(port_text);
  if (port > 65535) return InvalidArgument("--listen port " + port_text + " is above 65535");
  if (host == "localhost") host = "127.0.0.1";
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "node-1";
  return buf;
}

}  // namespace

void AddFlags(CLI::App& app, Flags& f) {
  app.add_option("--config", f.config_file,
                 "TOML file of settings: each key is a long flag name without --, e.g. "
                 "listen = \"0.0.0.0:8443\"; flags given on the command line win");
  app.add_option("--listen", f.listen, "ADDRESS:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--data-dir", f.data_dir,
                 "Directory for the SQLite database and, with --dev, root.key")
      ->capture_default_str();
  app.add_option("--database", f.database,
                 "sqlite:///path/signet.db (default <data-dir>/signet.db) or "
                 "postgresql://user:password@host:5432/db?sslmode=verify-full");
  app.add_option("--node-id", f.node_id, "This node's id in the audit log (default: host name)");
  app.add_option("--root-key-file", f.root_key_file,
                 "File with the 32-byte root key (raw or base64), mode 0600");
  app.add_option("--hsm-module", f.hsm_module,
                 "PKCS#11 library of a hardware security module (docs/hsm.md)");
  app.add_option("--hsm-token-label", f.hsm_token_label, "The HSM token, by label");
  app.add_option("--hsm-slot", f.hsm_slot,
                 "The HSM token, by slot id (instead of --hsm-token-label)");
  app.add_option("--hsm-pin-file", f.hsm_pin_file,
                 "File with the HSM user PIN, mode 0600 (else SIGNET_HSM_PIN; neither: protected "
                 "authentication path)");
  app.add_option("--hsm-max-sessions", f.hsm_max_sessions, "At most this many HSM sessions at once")
      ->check(CLI::Range(1, 1024));
  app.add_flag(
      "--hsm-root-key", f.hsm_root_key,
      "Keep the root key sealed by an AES key in the HSM (no SIGNET_ROOT_KEY, no key file)");
  app.add_option("--hsm-root-key-label", f.hsm_root_key_label,
                 "Label of that AES key in the token");
  app.add_option("--default-key-source", f.default_key_source,
                 "Where new keys go when a request names no keySource: software | hsm (default: "
                 "hsm when --hsm-module is given)");
  app.add_flag("--dev", f.dev, "Development mode: create <data-dir>/root.key when missing");
  app.add_option("--tls-cert", f.tls_cert, "PEM certificate chain for HTTPS");
  app.add_option("--tls-key", f.tls_key, "PEM private key for HTTPS");
  app.add_flag("--insecure-http", f.insecure_http,
               "Allow plain HTTP on a non-loopback address (behind a TLS proxy)");
  app.add_option("--port-file", f.port_file, "Write the bound port to this file once listening");
  app.add_option("--io-threads", f.io_threads, "I/O threads (0: one per core)");
  app.add_option("--workers", f.worker_threads,
                 "Worker threads for requests other than sign calls (0: 16 per core, at most 32)")
      ->check(CLI::Range(0, 1024));
  app.add_option(
         "--sign-threads", f.sign_threads,
         "Threads for sign calls (0: one per core with SQLite, four per core with PostgreSQL)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--log-level", f.log_level,
                 "debug, info, warn or error (info logs one line per request)")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log-format", f.log_format, "text or json (one JSON object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--sqlite-sync", f.sqlite_sync, "SQLite durability: full (default) or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--db-pool", f.db_pool,
                 "PostgreSQL connections per node (0: one per worker and sign thread plus two)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--rate-limit", f.rate_limit,
                 "Requests per second each user or machine identity may make (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--rate-limit-burst", f.rate_limit_burst,
                 "Requests a caller may make at once (0: twice --rate-limit)")
      ->check(CLI::Range(0.0, 1e9));
  app.add_flag("--tsa-require-synced-clock", f.tsa_require_synced_clock,
               "Time-stamp authorities refuse (timeNotAvailable) and /readyz fails while the "
               "kernel reports the clock unsynchronised");
  app.add_option("--clock-sync-file", f.clock_sync_file,
                 "Read the clock's sync state from this file instead of the kernel: "
                 "'synchronized', or anything else (the reason) for not; for tests and drills");
  app.add_option(
         "--login-free-failures", f.login_free_failures,
         "Failed logins of one account before each further attempt is delayed (doubling from 1 s)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--login-lockout-failures", f.login_lockout_failures,
                 "Failed logins of one account that lock it for --login-lockout (0: no lockout)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--login-lockout", f.login_lockout,
                 "How long a locked account or source IP stays locked")
      ->capture_default_str();
  app.add_option("--login-ip-failures", f.login_ip_failures,
                 "Failed logins from one source IP (any account) that lock it out (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option(
         "--max-connections", f.max_connections,
         "Connections served at once; more wait in the listen queue (0: from the open-file limit)")
      ->check(CLI::Range(0, 1000000));
  app.add_option(
      "--metrics-token-file", f.metrics_token_file,
      "File holding a bearer token that GET /metrics then requires (not readable by others)");
  app.add_option("--oidc-leeway", f.oidc_leeway,
                 "Clock skew allowed on the exp, nbf and iat of OIDC tokens (at most 5m)")
      ->capture_default_str();
  app.add_option("--oidc-jwks-refresh", f.oidc_jwks_refresh,
                 "Fetch an OIDC issuer's keys again (after an unknown kid) at most this often")
      ->capture_default_str();
  app.add_option("--max-batch-items", f.max_batch_items,
                 "Items one sign-batch request may carry (each signed and recorded)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--public-url", f.public_url,
                 "The console's address in notification links, e.g. https://signet.example.com "
                 "(default: the listening address)");
  app.add_flag("--notify-allow-http", f.notify_allow_http,
               "Allow webhooks over plain http to hosts other than loopback");
  app.add_option("--notify-retry", f.notify_retry,
                 "First retry of a failed notification after this; doubles each time")
      ->capture_default_str();
  app.add_option("--notify-retry-max", f.notify_retry_max, "Longest wait between retries")
      ->capture_default_str();
  app.add_option("--notify-attempts", f.notify_attempts,
                 "Attempts per notification before it is marked failed")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--notify-timeout", f.notify_timeout, "Time limit of one delivery attempt")
      ->capture_default_str();
  app.add_option(
         "--notify-scan", f.notify_scan,
         "How often expired requests, ending grants and expiring certificates are looked for")
      ->capture_default_str();
  app.add_option("--grant-expiry-notice", f.grant_expiry_notice,
                 "Announce a grant's end this long before it (grant.expiring)")
      ->capture_default_str();
  app.add_option(
         "--certificate-expiry-notice-days", f.certificate_expiry_notice_days,
         "Announce a certificate's expiry this many days before it (comma-separated; empty: never)")
      ->capture_default_str();
}

namespace {

std::string Where(const std::string& path, const toml::source_region& source) {
  return path + ":" + std::to_string(source.begin.line);
}

// A TOML scalar as the command line would spell it.
Result<std::string> ScalarText(const std::string& where, const std::string& key,
                               const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* d = node.as_floating_point()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d->get());
    return std::string(buf);
  }
  if (const auto* b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
  return InvalidArgument(where + ": " + key + " must be a string, a number or true/false, not a " +
                         (node.is_table()   ? "table"
                          : node.is_array() ? "list"
                                            : "date or time"));
}

}  // namespace

Result<ConfigValues> ReadConfigFile(const std::string& path, const CLI::App& app) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source();
    if (where.begin.line == 0) {
      // Not a syntax error: the file could not be opened or read.
      return InvalidArgument("cannot read config file " + path + ": " +
                             std::string(e.description()));
    }
    return InvalidArgument("config file " + path + ":" + std::to_string(where.begin.line) + ":" +
                           std::to_string(where.begin.column) + ": " +
                           std::string(e.description()));
  }
  ConfigValues values;
  for (const auto& [key_node, node] : table) {
    const std::string key(key_node.str());
    const std::string where = Where(path, node.source());
    const bool reserved = key == "config" || key == "help" || key == "version";
    const CLI::Option* opt = reserved ? nullptr : app.get_option_no_throw("--" + key);
    if (opt == nullptr) {
      return InvalidArgument(where + ": unknown key '" + key +
                             "'; the keys are signetd's long flag names "
                             "without -- (see signetd --help)");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string text, ScalarText(where, key, node));
    if (opt->get_expected_max() == 0 && !node.is_boolean()) {
      return InvalidArgument(where + ": " + key + " must be true or false");
    }
    values.emplace_back(key, std::move(text));
  }
  return values;
}

Status ApplyConfigValues(CLI::App& app, const std::string& path, const ConfigValues& values) {
  for (const auto& [key, value] : values) {
    CLI::Option* opt = app.get_option_no_throw("--" + key);
    if (opt == nullptr) return InvalidArgument(path + ": unknown key '" + key + "'");
    if (opt->count() > 0) continue;  // given on the command line: the flag wins
    try {
      opt->add_result(value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return InvalidArgument("config file " + path + ": " + key + " = " + value + ": " + e.what());
    }
  }
  return Ok();
}

Result<Config> BuildConfig(const Flags& f) {
  Config c;
  SIGNET_ASSIGN_OR_RETURN(auto listen, ParseListen(f.listen));
  c.server.address = listen.first;
  c.server.port = listen.second;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  c.server.io_threads = f.io_threads > 0 ? f.io_threads : cores;
  // Workers run every request but sign calls, and writes wait for their commit (an fsync),
  // so there are many more of them than cores.
  c.server.worker_threads = f.worker_threads > 0 ? f.worker_threads : std::min(32, 16 * cores);
  c.server.allow_insecure_http = f.insecure_http;
  c.server.max_connections = f.max_connections;
  c.max_batch_items = f.max_batch_items;
  c.auth.request_rate = f.rate_limit;
  c.tsa_require_synced_clock = f.tsa_require_synced_clock;
  c.clock_sync_file = f.clock_sync_file;
  c.anonymous_timestamp_rate = f.rate_limit;
  c.auth.request_burst = f.rate_limit_burst > 0 ? f.rate_limit_burst : 2 * f.rate_limit;
  c.auth.throttle.free_failures = f.login_free_failures;
  c.auth.throttle.lockout_failures = f.login_lockout_failures;
  c.auth.throttle.ip_failures = f.login_ip_failures;
  {
    auto lockout = ParseDuration(f.login_lockout, "--login-lockout", std::chrono::seconds(1),
                                 std::chrono::hours(24 * 30));
    if (!lockout) return tl::unexpected(lockout.error());
    c.auth.throttle.lockout = *lockout;
  }
  {
    auto leeway = ParseDuration(f.oidc_leeway, "--oidc-leeway", std::chrono::seconds(0),
                                std::chrono::minutes(5));
    if (!leeway) return tl::unexpected(leeway.error());
    c.oidc.times.leeway = *leeway;
    auto refresh = ParseDuration(f.oidc_jwks_refresh, "--oidc-jwks-refresh",
                                 std::chrono::seconds(1), std::chrono::hours(24));
    if (!refresh) return tl::unexpected(refresh.error());
    c.oidc.min_refresh_interval = *refresh;
  }
  if (f.tls_cert.empty() != f.tls_key.empty()) {
    return InvalidArgument("give both --tls-cert and --tls-key, or neither");
  }
  if (!f.tls_cert.empty()) c.server.tls = http::TlsFiles{f.tls_cert, f.tls_key};
  c.data_dir = f.data_dir;
  c.dev = f.dev;
  c.root_key_file = f.root_key_file;
  c.port_file = f.port_file;
  c.sqlite_sync = f.sqlite_sync;
  c.metrics_token_file = f.metrics_token_file;
  c.database_url =
      f.database.empty()
          ? "sqlite://" + (std::filesystem::absolute(c.data_dir) / "signet.db").string()
          : f.database;
  // Sign calls never wait for their commit (they are answered from the group committer), so
  // with SQLite one thread per core keeps the cores busy without switching between many
  // threads. With PostgreSQL a cache miss or a policy check waits for the network: more.
  const bool postgres = c.database_url.rfind("postgres", 0) == 0;
  c.server.compute_threads = f.sign_threads > 0 ? f.sign_threads : (postgres ? 4 : 1) * cores;
  // One connection per thread that runs requests, plus two: even if every thread held one
  // and waited for a second, two of them would get it and finish.
  c.db_pool = f.db_pool > 0 ? f.db_pool
                            : std::min(40 + c.server.compute_threads,
                                       c.server.worker_threads + c.server.compute_threads + 2);
  if (!f.hsm_module.empty()) {
    keystore::HsmConfig hsm;
    hsm.module_path = f.hsm_module;
    if (f.hsm_token_label.empty() == (f.hsm_slot < 0)) {
      return InvalidArgument("--hsm-module needs exactly one of --hsm-token-label and --hsm-slot");
    }
    if (!f.hsm_token_label.empty()) hsm.token_label = f.hsm_token_label;
    if (f.hsm_slot >= 0) hsm.slot_id = static_cast<unsigned long>(f.hsm_slot);
    SIGNET_ASSIGN_OR_RETURN(hsm.pin, LoadHsmPin(f.hsm_pin_file));
    hsm.max_sessions = static_cast<std::size_t>(f.hsm_max_sessions);
    c.hsm = std::move(hsm);
  } else if (!f.hsm_token_label.empty() || f.hsm_slot >= 0 || !f.hsm_pin_file.empty()) {
    return InvalidArgument("--hsm-token-label, --hsm-slot and --hsm-pin-file need --hsm-module");
  }
  if (f.default_key_source.empty()) {
    c.default_key_source = c.hsm ? domain::KeySourceType::kHsm : domain::KeySourceType::kSoftware;
  } else {
    auto source = domain::ParseKeySourceType(f.default_key_source);
    if (!source)
      return InvalidArgument("--default-key-source '" + f.default_key_source +
                             "' is not one of software, hsm");
    if (*source == domain::KeySourceType::kHsm && !c.hsm) {
      return InvalidArgument("--default-key-source hsm needs --hsm-module");
    }
    c.default_key_source = *source;
  }
  if (f.hsm_root_key) {
    if (!c.hsm) return InvalidArgument("--hsm-root-key needs --hsm-module");
    if (!f.root_key_file.empty())
      return InvalidArgument("give --hsm-root-key or --root-key-file, not both");
    if (const char* env = std::getenv("SIGNET_ROOT_KEY"); env != nullptr && *env != '\0') {
      return InvalidArgument("--hsm-root-key keeps the root key in the HSM; unset SIGNET_ROOT_KEY");
    }
    if (f.hsm_root_key_label.empty() || f.hsm_root_key_label.size() > 64) {
      return InvalidArgument("--hsm-root-key-label must be 1–64 characters");
    }
    c.hsm_root_key_label = f.hsm_root_key_label;
  }
  c.public_url = f.public_url;
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  if (!c.public_url.empty() && c.public_url.rfind("https://", 0) != 0 &&
      c.public_url.rfind("http://", 0) != 0) {
    return InvalidArgument("--public-url must start with https:// or http://");
  }
  c.notify_allow_http = f.notify_allow_http;
  c.notify_attempts = f.notify_attempts;
  {
    struct DurationFlag {
      const std::string& text;
      const char* name;
      Millis min, max;
      Millis* out;
    };
    const DurationFlag durations[] = {
        {f.notify_retry, "--notify-retry", std::chrono::seconds(1), std::chrono::hours(24),
         &c.notify_retry},
        {f.notify_retry_max, "--notify-retry-max", std::chrono::seconds(1),
         std::chrono::hours(24 * 7), &c.notify_retry_max},
        {f.notify_scan, "--notify-scan", std::chrono::seconds(1), std::chrono::hours(24),
         &c.notify_scan},
        {f.notify_timeout, "--notify-timeout", std::chrono::seconds(1), std::chrono::minutes(5),
         &c.notify_timeout},
        {f.grant_expiry_notice, "--grant-expiry-notice", std::chrono::minutes(1),
         std::chrono::hours(24 * 30), &c.grant_expiry_notice},
    };
    for (const auto& d : durations) {
      auto parsed = ParseDuration(d.text, d.name, d.min, d.max);
      if (!parsed) return tl::unexpected(parsed.error());
      *d.out = *parsed;
    }
    c.certificate_expiry_notice_days.clear();
    std::string days = f.certificate_expiry_notice_days;
    std::size_t start = 0;
    while (start < days.size()) {
      const std::size_t comma = std::min(days.find(',', start), days.size());
      const std::string item = days.substr(start, comma - start);
      if (item.empty() || item.size() > 3 ||
          item.find_first_not_of("0123456789") != std::string::npos || std::stoi(item) < 1) {
        return InvalidArgument("--certificate-expiry-notice-days: '" + item +
                               "' is not a number of days (1-999); e.g. 30,7,1");
      }
      c.certificate_expiry_notice_days.push_back(std::stoi(item));
      start = comma + 1;
    }
  }
  c.node_id = f.node_id.empty() ? HostName() : f.node_id;
  if (c.node_id.size() > 64) return InvalidArgument("--node-id is longer than 64 characters");
  c.database_display = c.database_url.substr(0, c.database_url.find('@') == std::string::npos
                                                    ? std::string::npos
                                                    : c.database_url.find("://") + 3) +
                       (c.database_url.find('@') == std::string::npos
                            ? ""
                            : "…" + c.database_url.substr(c.database_url.find('@')));
  return c;
}

Result<keystore::RootKey> LoadRootKey(const Config& config) {
  if (const char* env = std::getenv("SIGNET_ROOT_KEY"); env != nullptr && *env != '\0') {
    return keystore::RootKey::FromEnvironment();
  }
  if (!config.root_key_file.empty()) return keystore::RootKey::FromFile(config.root_key_file);
  // A key file left in the data directory by an earlier --dev start.
  const std::string dev_key = (std::filesystem::path(config.data_dir) / "root.key").string();
  if (std::filesystem::exists(dev_key)) return keystore::RootKey::FromFile(dev_key);
  if (config.dev) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec)
      return InvalidArgument("cannot create data directory " + config.data_dir + ": " +
                             ec.message());
    ::chmod(config.data_dir.c_str(), 0700);
    return keystore::RootKey::CreateIfMissing(dev_key);
  }
  return InvalidArgument(
      "no root key: set SIGNET_ROOT_KEY (base64 of 32 bytes), give --root-key-file, or run with "
      "--dev");
}

Result<SecretBytes> LoadMetricsToken(const Config& config) {
  if (config.metrics_token_file.empty()) return SecretBytes();
  const std::string& path = config.metrics_token_file;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return InvalidArgument("cannot read --metrics-token-file " + path + ": " +
                           std::strerror(errno));
  }
  if ((st.st_mode & 0007) != 0) {
    return InvalidArgument("--metrics-token-file " + path +
                           " is readable by others; chmod o-rwx it");
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  if (!in && !in.eof()) return InvalidArgument("cannot read --metrics-token-file " + path);
  if (line.size() < 16) {
    return InvalidArgument("--metrics-token-file " + path +
                           " must hold a token of at least 16 characters");
  }
  SecretBytes token = SecretBytes::FromString(line);
  std::fill(line.begin(), line.end(), '\0');
  return token;
}

Result<std::optional<SecretBytes>> LoadHsmPin(const std::string& pin_file) {
  if (const char* env = std::getenv("SIGNET_HSM_PIN"); env != nullptr && *env != '\0') {
    return std::optional<SecretBytes>(SecretBytes::FromString(env));
  }
  if (pin_file.empty()) return std::optional<SecretBytes>();
  struct stat st {};
  if (::stat(pin_file.c_str(), &st) != 0) {
    return InvalidArgument("HSM PIN file " + pin_file + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode))
    return InvalidArgument("HSM PIN file " + pin_file + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return PermissionDenied("HSM PIN file " + pin_file + " has mode " + mode +
                            "; it must not be readable by group or others (chmod 600)");
  }
  std::ifstream in(pin_file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  SecretBytes pin = SecretBytes::FromString(text);
  std::fill(text.begin(), text.end(), '\0');
  if (pin.empty()) return InvalidArgument("HSM PIN file " + pin_file + " is empty");
  return std::optional<SecretBytes>(std::move(pin));
}

namespace {

// Owner-only access to what holds password and token hashes, wrapped keys and the audit log,
// whatever the umask was and whatever an earlier version left: the directory 0700, the files
// 0600. Only paths this process owns are changed (a shared directory such as /tmp is not).
Status RestrictToOwner(const std::filesystem::path& path, mode_t mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Ok();  // not there (yet)
  if (st.st_uid != ::geteuid() || S_ISLNK(st.st_mode)) return Ok();
  if ((st.st_mode & 07777) == mode) return Ok();
  if (::chmod(path.c_str(), mode) != 0) {
    return InvalidArgument("cannot restrict " + path.string() +
                           " to its owner: " + std::strerror(errno));
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<store::Store>> OpenStore(const Config& config) {
  const std::string& url = config.database_url;
  if (url.rfind("sqlite://", 0) == 0) {
    const std::string path = url.substr(std::string("sqlite://").size());
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) {
      std::filesystem::create_directories(dir, ec);
      if (ec) return InvalidArgument("cannot create " + dir.string() + ": " + ec.message());
      if (dir == std::filesystem::path(config.data_dir)) SIGNET_TRY(RestrictToOwner(dir, 0700));
    }
    store::SqliteOptions options;
    options.synchronous =
        config.sqlite_sync == "full" ? store::SqliteSync::kFull : store::SqliteSync::kNormal;
    SIGNET_ASSIGN_OR_RETURN(auto store, store::OpenSqlite(path, options));
    for (const char* suffix : {"", "-wal", "-shm"}) {
      SIGNET_TRY(RestrictToOwner(path + suffix, 0600));
    }
    return store;
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    store::PostgresOptions options;
    options.pool_size = config.db_pool > 0 ? config.db_pool : 8;
    if (config.claim_node_id) options.node_id = config.node_id;
    auto opened = store::OpenPostgres(url, options);
    if (!opened) return tl::unexpected(opened.error().Wrap("database " + config.database_display));
    return opened;
  }
  return InvalidArgument("--database must start with sqlite:// or postgresql://");
}

}  // namespace signet::app
