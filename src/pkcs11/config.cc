#include "pkcs11/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "api/json.h"

namespace signet::pkcs11 {
namespace {

std::optional<std::string> FirstEnv(const EnvLookup& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto v = env(name);
    if (v && !v->empty()) return v;
  }
  return std::nullopt;
}

Result<std::optional<std::string>> FileString(const api::JsonObject& o, std::string_view key,
                                              const std::string& path) {
  const api::JsonValue* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return InvalidArgument(path + ": " + std::string(key) + " must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<std::int64_t>> FileSeconds(const api::JsonObject& o, std::string_view key,
                                                const std::string& path) {
  const api::JsonValue* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::int64_t>();
  if (!v->is_int64() && !v->is_uint64()) {
    return InvalidArgument(path + ": " + std::string(key) + " must be a whole number of seconds");
  }
  const std::int64_t n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
  if (n < 0 || n > 86400) {
    return InvalidArgument(path + ": " + std::string(key) + " is " + std::to_string(n) +
                           "; it must be 0-86400");
  }
  return std::optional<std::int64_t>(n);
}

Result<std::int64_t> EnvSeconds(const std::string& text, std::string_view name) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || n < 0 || n > 86400) {
    return InvalidArgument(std::string(name) + " is '" + text + "'; it must be 0-86400 seconds");
  }
  return n;
}

void Wipe(std::string& s) { SecureWipe(s.data(), s.size()); }

}  // namespace

std::optional<std::string> GetEnv(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return NotFound(path + ": no such file");
    return InvalidArgument(path + ": cannot be read: " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<Config> LoadConfig(const EnvLookup& env, const FileReader& read_file) {
  Config c;
  const auto named = env("SIGNET_PKCS11_CONFIG");
  const std::string path = named && !named->empty() ? *named : std::string(kDefaultConfigPath);
  api::JsonObject file;
  auto text = read_file(path);
  if (text) {
    auto parsed = api::ParseJson(*text);
    Wipe(*text);
    if (!parsed) return InvalidArgument(path + ": " + parsed.error().message);
    if (!parsed->is_object()) return InvalidArgument(path + ": must hold one JSON object");
    file = std::move(parsed->as_object());
    c.source = path;
  } else if (text.error().code != ErrorCode::kNotFound || (named && !named->empty())) {
    return tl::unexpected(text.error().Wrap("SIGNET_PKCS11_CONFIG"));
  } else {
    c.source = "environment";
  }

  // Each field: environment first, then the file.
  auto pick = [&](std::initializer_list<const char*> names,
                  std::string_view key) -> Result<std::string> {
    if (auto v = FirstEnv(env, names)) return *v;
    SIGNET_ASSIGN_OR_RETURN(auto v, FileString(file, key, path));
    return v.value_or("");
  };
  SIGNET_ASSIGN_OR_RETURN(c.server_url, pick({"SIGNET_SERVER_URL", "INFISICAL_SERVER_URL"},
                                             "serverUrl"));
  SIGNET_ASSIGN_OR_RETURN(
      c.client_id, pick({"SIGNET_CLIENT_ID", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"}, "clientId"));
  {
    SIGNET_ASSIGN_OR_RETURN(
        std::string secret,
        pick({"SIGNET_CLIENT_SECRET", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"}, "clientSecret"));
    c.client_secret = SecretBytes::FromString(secret);
    Wipe(secret);
    SIGNET_ASSIGN_OR_RETURN(std::string token, pick({"SIGNET_TOKEN", "INFISICAL_TOKEN"}, "token"));
    c.token = SecretBytes::FromString(token);
    Wipe(token);
  }
  SIGNET_ASSIGN_OR_RETURN(c.ca_cert_path, pick({"SIGNET_CA_CERT"}, "caCertPath"));
  SIGNET_ASSIGN_OR_RETURN(c.project_id, pick({"SIGNET_PROJECT_ID"}, "projectId"));
  SIGNET_ASSIGN_OR_RETURN(c.log_file, pick({"SIGNET_PKCS11_LOG"}, "logFile"));

  struct SecondsField {
    const char* env_name;
    const char* key;
    std::chrono::seconds* out;
  };
  for (const SecondsField& f : {SecondsField{"SIGNET_PKCS11_CACHE_TTL", "cacheTtlSeconds",
                                             &c.cache_ttl},
                                SecondsField{"SIGNET_PKCS11_TIMEOUT", "timeoutSeconds",
                                             &c.timeout}}) {
    if (auto v = FirstEnv(env, {f.env_name})) {
      SIGNET_ASSIGN_OR_RETURN(std::int64_t n, EnvSeconds(*v, f.env_name));
      *f.out = std::chrono::seconds(n);
    } else {
      SIGNET_ASSIGN_OR_RETURN(auto n, FileSeconds(file, f.key, path));
      if (n) *f.out = std::chrono::seconds(*n);
    }
  }
  if (c.timeout.count() == 0) c.timeout = std::chrono::seconds(30);

  // Infisical's variable names the site; its API lives under /api, which our paths include.
  while (!c.server_url.empty() && c.server_url.back() == '/') c.server_url.pop_back();
  if (c.server_url.ends_with("/api")) c.server_url.resize(c.server_url.size() - 4);

  if (c.server_url.empty()) {
    return InvalidArgument("no server URL: set serverUrl in " + path +
                           " or the environment variable SIGNET_SERVER_URL");
  }
  if (c.client_id.empty() != c.client_secret.empty()) {
    return InvalidArgument(c.client_id.empty()
                               ? "a client secret is configured without a client id (clientId)"
                               : "client id " + c.client_id +
                                     " is configured without a client secret (clientSecret)");
  }
  return c;
}

}  // namespace signet::pkcs11
