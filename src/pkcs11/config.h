#pragma once
// Configuration of the PKCS#11 module (SPEC §8, §10): one JSON file, in Signet's format or in
// Infisical's (an Infisical set-up works as it is), overridden field by field by the
// environment.
//
// The file: the first of SIGNET_PKCS11_CONFIG, INFISICAL_PKCS11_CONFIG, INFISICAL_CONFIG that
// is set (the file must exist), else /etc/signet/pkcs11.json, else /etc/infisical/pkcs11.conf
// (neither existing is not an error: the environment may say everything).
//
//   setting           environment (first set wins)                  Signet key        Infisical key
//   server URL        SIGNET_SERVER_URL, INFISICAL_PKCS11_SERVER_URL, serverUrl         server_url
//                     INFISICAL_SERVER_URL
//   client id         SIGNET_CLIENT_ID, INFISICAL_UNIVERSAL_AUTH_     clientId auth.client_id
//                     CLIENT_ID
//   client secret     SIGNET_CLIENT_SECRET, INFISICAL_UNIVERSAL_AUTH_ clientSecret
//   auth.client_secret
//                     CLIENT_SECRET
//   bearer token      SIGNET_TOKEN, INFISICAL_TOKEN                   token             auth.token
//   auth method       (INFISICAL_TOKEN selects "token")               -                 auth.method
//   CA file           SIGNET_CA_CERT                                  caCertPath tls.ca_cert_path
//   TLS verification  -                                               - tls.skip_verify (false
//   only) project           SIGNET_PROJECT_ID                               projectId project_id
//   signer list cache SIGNET_PKCS11_CACHE_TTL (seconds, both caches)  cacheTtlSeconds
//   cache.signer_ttl_seconds certificate cache cache.cert_ttl_seconds token reuse       - -
//   cache.token_ttl_seconds request timeout   SIGNET_PKCS11_TIMEOUT (seconds) timeoutSeconds    -
//   log file          SIGNET_PKCS11_LOG                               logFile           log_file
//   log level         -                                               -                 log_level
//   access requests   -                                               - approval.{signing_duration,
//                                                                                        signing_count,
//                                                                                        exclude_scope_fields,
//                                                                                        ip_address}
//
// Every key is checked: an unknown one (or a misspelling) is an error naming it, so is a
// setting given in both spellings with different values. Pure: the environment and the file
// system are injected, so tests need neither.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::pkcs11 {

inline constexpr std::string_view kDefaultConfigPath = "/etc/signet/pkcs11.json";
inline constexpr std::string_view kInfisicalConfigPath = "/etc/infisical/pkcs11.conf";

// Automatic access requests (Infisical's `approval` block): when a sign call is refused with
// ApprovalRequired, the module opens a request for this many signings and/or this window,
// scoped to the call minus the excluded fields.
struct ApprovalConfig {
  std::optional<Millis> signing_duration;     // 1m–30d
  std::optional<std::int64_t> signing_count;  // >= 1
  // Scope fields left out, by their API names: command, signingApplication,
  // signingApplicationHash, hostname, osUsername, ipAddress, dataHash.
  std::set<std::string> exclude_scope_fields;
  std::optional<std::string> ip_address;  // pin the requests to this address
  bool enabled() const { return signing_duration.has_value() || signing_count.has_value(); }
};

struct Config {
  std::string server_url;
  std::string client_id;
  SecretBytes client_secret;
  SecretBytes token;
  std::string ca_cert_path;
  std::string project_id;               // empty: the default project
  std::chrono::seconds signer_ttl{30};  // how long the signer list is reused
  std::chrono::seconds cert_ttl{30};    // how long a signer's certificate and chain are reused
  std::optional<std::chrono::seconds> token_ttl;  // re-login after this, at the latest
  std::chrono::seconds timeout{30};
  std::string log_file;            // empty: stderr only
  std::string log_level = "info";  // trace, debug, info, warn, error
  ApprovalConfig approval;
  std::string source;  // the file read, or "environment"

  bool has_client_credentials() const { return !client_id.empty() && !client_secret.empty(); }
};

// Returns the value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// Returns a file's contents; NotFound when the file does not exist.
using FileReader = std::function<Result<std::string>(const std::string& path)>;

// InvalidArgument naming the file and the key for malformed JSON, an unknown key, a wrong
// type, a value out of range, two spellings that disagree, a missing server URL, a client id
// without a secret (or the reverse), token auth without a token, or a bad number.
[[nodiscard]] Result<Config> LoadConfig(const EnvLookup& env, const FileReader& read_file);

// The process environment and file system.
std::optional<std::string> GetEnv(std::string_view name);
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace signet::pkcs11
