#include "cli/context.h"

namespace signet::cli {
namespace {

// "http://h:1/" and "http://h:1" name the same server.
std::string Normalize(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Context::Context(EnvLookup env, std::ostream& out, std::ostream& err, std::istream& in,
                 std::vector<std::string> argv, Terminal terminal)
    : env_(std::move(env)),
      out_(out),
      err_(err),
      in_(in),
      argv_(std::move(argv)),
      terminal_(terminal) {}

Result<std::string> Context::ConfigFile() { return ConfigPath(env_); }

Result<Config> Context::LoadedConfig() {
  if (!config_) {
    SIGNET_ASSIGN_OR_RETURN(std::string path, ConfigFile());
    SIGNET_ASSIGN_OR_RETURN(Config c, LoadConfig(path));
    config_ = std::move(c);
  }
  return *config_;
}

Status Context::Save(const Config& config) {
  SIGNET_ASSIGN_OR_RETURN(std::string path, ConfigFile());
  SIGNET_TRY(SaveConfig(path, config));
  config_ = config;
  return Ok();
}

Result<std::string> Context::ServerUrl() {
  if (!flags.server.empty()) return Normalize(flags.server);
  if (auto env = env_("SIGNET_SERVER_URL"); env && !env->empty()) return Normalize(*env);
  auto config = LoadedConfig();
  if (config && !config->server_url.empty()) return Normalize(config->server_url);
  return InvalidArgument(
      "no server: give --server URL, set SIGNET_SERVER_URL, or run `signet login --server URL`");
}

Result<SecretBytes> Context::Token(std::string* source) {
  auto set_source = [source](const char* s) {
    if (source != nullptr) *source = s;
  };
  if (!flags.token.empty()) {
    set_source("flag");
    return SecretBytes::FromString(flags.token);
  }
  if (auto env = env_("SIGNET_TOKEN"); env && !env->empty()) {
    set_source("environment");
    return SecretBytes::FromString(*env);
  }
  SIGNET_ASSIGN_OR_RETURN(std::string server, ServerUrl());
  SIGNET_ASSIGN_OR_RETURN(Config config, LoadedConfig());
  if (!config.token.empty() && Normalize(config.server_url) == server) {
    set_source("config");
    return config.token;
  }
  return Unauthenticated("not logged in to " + server +
                         ": run `signet login`, or set SIGNET_TOKEN");
}

Result<std::string> Context::CaCert() {
  if (!flags.ca_cert.empty()) return flags.ca_cert;
  if (auto env = env_("SIGNET_CA_CERT"); env && !env->empty()) return *env;
  SIGNET_ASSIGN_OR_RETURN(Config config, LoadedConfig());
  return config.ca_cert_path;
}

Result<std::unique_ptr<client::Client>> Context::MakeClient(SecretBytes token) {
  client::ClientOptions options;
  SIGNET_ASSIGN_OR_RETURN(options.server_url, ServerUrl());
  SIGNET_ASSIGN_OR_RETURN(options.ca_cert_path, CaCert());
  options.token = std::move(token);
  if (flags.timeout_seconds <= 0) return InvalidArgument("--timeout must be at least 1 second");
  options.timeout = std::chrono::seconds(flags.timeout_seconds);
  options.user_agent = "signet-cli/" SIGNET_VERSION;
  return client::Client::Create(std::move(options));
}

Result<client::Client*> Context::Api() {
  if (!client_) {
    SIGNET_ASSIGN_OR_RETURN(SecretBytes token, Token());
    SIGNET_ASSIGN_OR_RETURN(client_, MakeClient(std::move(token)));
  }
  return client_.get();
}

Result<client::Client*> Context::AnonymousApi() {
  if (!client_) {
    SIGNET_ASSIGN_OR_RETURN(client_, MakeClient(SecretBytes()));
  }
  return client_.get();
}

void Context::Show(const api::JsonValue& value,
                   const std::function<void(const api::JsonValue&)>& human) {
  if (flags.json) {
    out_ << api::Serialize(value) << '\n';
  } else {
    human(value);
  }
}

}  // namespace signet::cli
