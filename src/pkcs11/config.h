#pragma once
// Configuration of the PKCS#11 module (SPEC §8): a JSON file named by SIGNET_PKCS11_CONFIG
// (default /etc/signet/pkcs11.json; a missing default file is not an error), overridden field
// by field by the environment:
//
//   field            environment (first set wins)                              file key
//   server URL       SIGNET_SERVER_URL, INFISICAL_SERVER_URL                   serverUrl
//   client id        SIGNET_CLIENT_ID, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID      clientId
//   client secret    SIGNET_CLIENT_SECRET, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET clientSecret
//   bearer token     SIGNET_TOKEN, INFISICAL_TOKEN                             token
//   CA file          SIGNET_CA_CERT                                            caCertPath
//   project          SIGNET_PROJECT_ID                                         projectId
//   cache lifetime   SIGNET_PKCS11_CACHE_TTL (seconds)                         cacheTtlSeconds
//   request timeout  SIGNET_PKCS11_TIMEOUT (seconds)                           timeoutSeconds
//   log file         SIGNET_PKCS11_LOG                                         logFile
//
// Pure: the environment and the file system are injected, so tests need neither.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::pkcs11 {

inline constexpr std::string_view kDefaultConfigPath = "/etc/signet/pkcs11.json";

struct Config {
  std::string server_url;
  std::string client_id;
  SecretBytes client_secret;
  SecretBytes token;
  std::string ca_cert_path;
  std::string project_id;  // empty: the default project
  std::chrono::seconds cache_ttl{30};
  std::chrono::seconds timeout{30};
  std::string log_file;  // empty: stderr only
  std::string source;    // the file read, or "environment"

  bool has_client_credentials() const { return !client_id.empty() && !client_secret.empty(); }
};

// Returns the value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// Returns a file's contents; NotFound when the file does not exist.
using FileReader = std::function<Result<std::string>(const std::string& path)>;

// InvalidArgument naming the file and the field for malformed JSON, a wrong type, a missing
// server URL, a client id without a secret (or the reverse), or a bad number.
[[nodiscard]] Result<Config> LoadConfig(const EnvLookup& env, const FileReader& read_file);

// The process environment and file system.
std::optional<std::string> GetEnv(std::string_view name);
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace signet::pkcs11
