#include "pkcs11/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "api/json.h"
#include "common/duration.h"

namespace signet::pkcs11 {
namespace {

using api::Fields;

std::optional<std::string> FirstEnv(const EnvLookup& env,
                                    std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto v = env(name);
    if (v && !v->empty()) return v;
  }
  return std::nullopt;
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

// Infisical's names of the scope fields (and the API's own) -> the API's.
std::optional<std::string> ScopeFieldName(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"command", "command"},
      {"signing_application", "signingApplication"},
      {"signing_application_hash", "signingApplicationHash"},
      {"hostname", "hostname"},
      {"os_username", "osUsername"},
      {"ip_address", "ipAddress"},
      {"data_hash", "dataHash"}};
  for (const auto& [infisical, api_name] : kNames) {
    if (name == infisical || name == api_name) return std::string(api_name);
  }
  return std::nullopt;
}

bool IsIpAddress(const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// The file's settings, read strictly; each field the file may hold in either format.
struct FileSettings {
  std::optional<std::string> server_url, client_id, client_secret, token, method, ca_cert_path,
      project_id, log_file, log_level;
  std::optional<std::int64_t> cache_ttl, signer_ttl, cert_ttl, token_ttl, timeout;
  ApprovalConfig approval;

  ~FileSettings() {
    for (auto* s : {&client_secret, &token}) {
      if (*s) Wipe(**s);
    }
  }
};

// A setting with a Signet key and an Infisical key: either may be given, not both differently.
Result<std::optional<std::string>> EitherString(const Fields& signet, std::string_view signet_key,
                                                const Fields* infisical,
                                                std::string_view infisical_key,
                                                std::size_t max_len) {
  SIGNET_ASSIGN_OR_RETURN(auto a, signet.OptString(signet_key, max_len));
  std::optional<std::string> b;
  if (infisical != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(b, infisical->OptString(infisical_key, max_len));
  }
  if (a && b && *a != *b) {
    return InvalidArgument(signet.Name(signet_key) + " and " + infisical->Name(infisical_key) +
                           " are the same setting with different values; keep one");
  }
  return a ? a : b;
}

Result<FileSettings> ReadFile(const api::JsonObject& file) {
  FileSettings s;
  Fields f(file);
  SIGNET_ASSIGN_OR_RETURN(auto auth, f.OptNested("auth"));
  SIGNET_ASSIGN_OR_RETURN(auto tls, f.OptNested("tls"));
  SIGNET_ASSIGN_OR_RETURN(auto cache, f.OptNested("cache"));
  SIGNET_ASSIGN_OR_RETURN(auto approval, f.OptNested("approval"));
  const Fields* a = auth ? &*auth : nullptr;
  const Fields* t = tls ? &*tls : nullptr;

  SIGNET_ASSIGN_OR_RETURN(s.server_url, EitherString(f, "serverUrl", &f, "server_url", 2048));
  SIGNET_ASSIGN_OR_RETURN(s.project_id, EitherString(f, "projectId", &f, "project_id", 64));
  SIGNET_ASSIGN_OR_RETURN(s.client_id, EitherString(f, "clientId", a, "client_id", 256));
  SIGNET_ASSIGN_OR_RETURN(s.client_secret,
                          EitherString(f, "clientSecret", a, "client_secret", 1024));
  SIGNET_ASSIGN_OR_RETURN(s.token, EitherString(f, "token", a, "token", 4096));
  SIGNET_ASSIGN_OR_RETURN(s.ca_cert_path, EitherString(f, "caCertPath", t, "ca_cert_path", 4096));
  SIGNET_ASSIGN_OR_RETURN(s.log_file, EitherString(f, "logFile", &f, "log_file", 4096));
  SIGNET_ASSIGN_OR_RETURN(s.log_level, f.OptString("log_level", 16));
  SIGNET_ASSIGN_OR_RETURN(s.cache_ttl, f.OptInt("cacheTtlSeconds", 0, 86400));
  SIGNET_ASSIGN_OR_RETURN(s.timeout, f.OptInt("timeoutSeconds", 0, 86400));
  if (a != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(s.method, a->OptString("method", 32));
    SIGNET_TRY(a->Finish());
  }
  if (t != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(bool skip, t->Bool("skip_verify", false));
    if (skip) {
      return InvalidArgument(
          "tls.skip_verify is not supported: the module always verifies the "
          "server's certificate; name the CA that issued it in tls.ca_cert_path");
    }
    SIGNET_TRY(t->Finish());
  }
  if (cache) {
    SIGNET_ASSIGN_OR_RETURN(s.signer_ttl, cache->OptInt("signer_ttl_seconds", 0, 86400));
    SIGNET_ASSIGN_OR_RETURN(s.cert_ttl, cache->OptInt("cert_ttl_seconds", 0, 86400));
    SIGNET_ASSIGN_OR_RETURN(s.token_ttl, cache->OptInt("token_ttl_seconds", 0, 86400));
    SIGNET_TRY(cache->Finish());
  }
  if (approval) {
    const Fields& p = *approval;
    SIGNET_ASSIGN_OR_RETURN(auto duration, p.OptString("signing_duration", 16));
    if (duration && !duration->empty()) {
      SIGNET_ASSIGN_OR_RETURN(s.approval.signing_duration,
                              ParseDuration(*duration, p.Name("signing_duration"), Millis(60'000),
                                            Millis(30LL * 24 * 3600 * 1000)));
    }
    SIGNET_ASSIGN_OR_RETURN(auto count, p.OptInt("signing_count", 0, 1'000'000'000));
    if (count && *count > 0) s.approval.signing_count = count;
    SIGNET_ASSIGN_OR_RETURN(auto exclude, p.OptStringArray("exclude_scope_fields", 16, 64));
    for (const auto& name : exclude.value_or(std::vector<std::string>{})) {
      auto api_name = ScopeFieldName(name);
      if (!api_name) {
        return InvalidArgument(p.Name("exclude_scope_fields") + ": '" + name +
                               "' is not one of command, signing_application, "
                               "signing_application_hash, hostname, os_username, ip_address, "
                               "data_hash");
      }
      s.approval.exclude_scope_fields.insert(*api_name);
    }
    SIGNET_ASSIGN_OR_RETURN(s.approval.ip_address, p.OptString("ip_address", 45));
    if (s.approval.ip_address && !IsIpAddress(*s.approval.ip_address)) {
      return InvalidArgument(p.Name("ip_address") + " '" + *s.approval.ip_address +
                             "' is not an IP address");
    }
    SIGNET_TRY(p.Finish());
  }
  SIGNET_TRY(f.Finish());
  return s;
}

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
  // The file: named by the environment (then it must exist), else the first default present.
  const char* named_by = nullptr;
  std::string path;
  for (const char* name : {"SIGNET_PKCS11_CONFIG", "INFISICAL_PKCS11_CONFIG", "INFISICAL_CONFIG"}) {
    if (auto v = env(name); v && !v->empty()) {
      named_by = name;
      path = *v;
      break;
    }
  }
  std::optional<std::string> text;
  if (named_by != nullptr) {
    auto read = read_file(path);
    if (!read) return tl::unexpected(read.error().Wrap(named_by));
    text = std::move(*read);
  } else {
    for (std::string_view candidate : {kDefaultConfigPath, kInfisicalConfigPath}) {
      auto read = read_file(std::string(candidate));
      if (read) {
        path = candidate;
        text = std::move(*read);
        break;
      }
      if (read.error().code != ErrorCode::kNotFound) return tl::unexpected(read.error());
    }
  }
  FileSettings file;
  if (text) {
    auto parsed = api::ParseJson(*text);
    Wipe(*text);
    if (!parsed) return InvalidArgument(path + ": " + parsed.error().message);
    if (!parsed->is_object()) return InvalidArgument(path + ": must hold one JSON object");
    auto settings = ReadFile(parsed->as_object());
    if (!settings) return InvalidArgument(path + ": " + settings.error().message);
    file = *settings;  // a copy: FileSettings has no move (its destructor wipes the secrets)
    c.source = path;
  } else {
    c.source = "environment";
    path = "the configuration file";
  }

  // Each setting: environment first, then the file.
  auto pick = [&](std::initializer_list<const char*> names, const std::optional<std::string>& v) {
    if (auto e = FirstEnv(env, names)) return *e;
    return v.value_or("");
  };
  c.server_url = pick({"SIGNET_SERVER_URL", "INFISICAL_PKCS11_SERVER_URL", "INFISICAL_SERVER_URL"},
                      file.server_url);
  c.client_id = pick({"SIGNET_CLIENT_ID", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"}, file.client_id);
  {
    std::string secret = pick({"SIGNET_CLIENT_SECRET", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"},
                              file.client_secret);
    c.client_secret = SecretBytes::FromString(secret);
    Wipe(secret);
    std::string token = pick({"SIGNET_TOKEN", "INFISICAL_TOKEN"}, file.token);
    c.token = SecretBytes::FromString(token);
    Wipe(token);
  }
  c.ca_cert_path = pick({"SIGNET_CA_CERT"}, file.ca_cert_path);
  c.project_id = pick({"SIGNET_PROJECT_ID"}, file.project_id);
  c.log_file = pick({"SIGNET_PKCS11_LOG"}, file.log_file);
  c.approval = file.approval;

  if (file.log_level) {
    const std::string& level = *file.log_level;
    if (level != "trace" && level != "debug" && level != "info" && level != "warn" &&
        level != "error") {
      return InvalidArgument(path + ": log_level '" + level +
                             "' is not one of trace, debug, info, warn, error");
    }
    c.log_level = level;
  }

  // Caches: cacheTtlSeconds sets both; Infisical's keys set one each.
  if (file.cache_ttl) c.signer_ttl = c.cert_ttl = std::chrono::seconds(*file.cache_ttl);
  if (file.signer_ttl) c.signer_ttl = std::chrono::seconds(*file.signer_ttl);
  if (file.cert_ttl) c.cert_ttl = std::chrono::seconds(*file.cert_ttl);
  if (file.token_ttl && *file.token_ttl > 0) c.token_ttl = std::chrono::seconds(*file.token_ttl);
  if (auto v = FirstEnv(env, {"SIGNET_PKCS11_CACHE_TTL"})) {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t n, EnvSeconds(*v, "SIGNET_PKCS11_CACHE_TTL"));
    c.signer_ttl = c.cert_ttl = std::chrono::seconds(n);
  }
  if (auto v = FirstEnv(env, {"SIGNET_PKCS11_TIMEOUT"})) {
    SIGNET_ASSIGN_OR_RETURN(std::int64_t n, EnvSeconds(*v, "SIGNET_PKCS11_TIMEOUT"));
    c.timeout = std::chrono::seconds(n);
  } else if (file.timeout) {
    c.timeout = std::chrono::seconds(*file.timeout);
  }
  if (c.timeout.count() == 0) c.timeout = std::chrono::seconds(30);

  // Infisical's variable names the site; its API lives under /api, which our paths include.
  while (!c.server_url.empty() && c.server_url.back() == '/') c.server_url.pop_back();
  if (c.server_url.ends_with("/api")) c.server_url.resize(c.server_url.size() - 4);

  if (c.server_url.empty()) {
    return InvalidArgument(
        "no server URL: set serverUrl (or server_url) in " + path +
        " or the environment variable SIGNET_SERVER_URL (or INFISICAL_SERVER_URL)");
  }
  // Infisical's auth.method: INFISICAL_TOKEN (or any token) selects token auth.
  if (file.method) {
    const std::string& m = *file.method;
    if (m != "universal-auth" && m != "token") {
      return InvalidArgument(path + ": auth.method '" + m +
                             "' is not one of universal-auth, token");
    }
    if (m == "token" && c.token.empty()) {
      return InvalidArgument(path +
                             ": auth.method is 'token' but no token is configured: set "
                             "auth.token or INFISICAL_TOKEN");
    }
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
