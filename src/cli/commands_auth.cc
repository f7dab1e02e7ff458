// login, logout, whoami.

#include <filesystem>

#include "cli/commands.h"
#include "cli/output.h"

namespace signet::cli {
namespace {

struct LoginOptions {
  std::string email;
  bool password_stdin = false;
  std::string client_id;
  bool client_secret_stdin = false;
  std::string mfa_code;
  std::string recovery_code;
  std::string identity_id;
  std::string oidc_token_file;  // "-": standard input
};

constexpr std::size_t kMaxOidcToken = 16 * 1024;

// The OIDC identity token: from --oidc-token-file (or "-" for standard input), else from
// SIGNET_OIDC_TOKEN or INFISICAL_OIDC_AUTH_JWT. White space around it is dropped.
Result<SecretBytes> OidcToken(Context& ctx, const LoginOptions& o) {
  std::string text;
  if (o.oidc_token_file == "-") {
    SIGNET_ASSIGN_OR_RETURN(SecretBytes s, ReadSecret(ctx, "OIDC token"));
    text.assign(s.string_view());
  } else if (!o.oidc_token_file.empty()) {
    SIGNET_ASSIGN_OR_RETURN(text, ReadTextFile(o.oidc_token_file, kMaxOidcToken));
  } else {
    for (const char* name : {"SIGNET_OIDC_TOKEN", "INFISICAL_OIDC_AUTH_JWT"}) {
      if (auto env = ctx.env()(name); env && !env->empty()) {
        text = *env;
        break;
      }
    }
  }
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  std::string token = begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
  SecureWipe(text.data(), text.size());
  if (token.empty()) {
    return InvalidArgument(
        o.oidc_token_file.empty() || o.oidc_token_file == "-"
            ? "no OIDC token: give --oidc-token-file FILE (- for standard input) "
              "or set SIGNET_OIDC_TOKEN"
            : "the OIDC token file " + o.oidc_token_file + " is empty");
  }
  SecretBytes secret = SecretBytes::FromString(token);
  SecureWipe(token.data(), token.size());
  return secret;
}

std::string ExpiresText(std::chrono::seconds s) {
  if (s.count() <= 0) return "";
  if (s.count() % 86400 == 0) return std::to_string(s.count() / 86400) + "d";
  if (s.count() % 3600 == 0) return std::to_string(s.count() / 3600) + "h";
  if (s.count() % 60 == 0) return std::to_string(s.count() / 60) + "m";
  return std::to_string(s.count()) + "s";
}

// Checks a token with a call every principal may make.
Status CheckToken(client::Client& api) {
  SIGNET_TRY(api.Call(client::HttpMethod::kGet, "/api/v1/pki/signers?limit=1"));
  return Ok();
}

// signet login --identity-id ID --oidc-token-file F: OIDC auth of a machine identity.
Status OidcLogin(Context& ctx, LoginOptions o) {
  if (!o.email.empty() || !o.client_id.empty() || o.password_stdin || o.client_secret_stdin ||
      !o.mfa_code.empty() || !o.recovery_code.empty()) {
    return InvalidArgument("--identity-id (OIDC auth) goes without --email and --client-id");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string server, ctx.ServerUrl());
  SIGNET_ASSIGN_OR_RETURN(std::string ca_cert, ctx.CaCert());
  SIGNET_ASSIGN_OR_RETURN(SecretBytes jwt, OidcToken(ctx, o));
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.AnonymousApi());
  SIGNET_ASSIGN_OR_RETURN(client::LoginResult r, api->LoginWithOidcToken(o.identity_id, jwt));
  Config config;
  config.server_url = server;
  config.ca_cert_path = ca_cert;
  config.token = std::move(r.access_token);
  config.principal_type = "identity";
  config.principal_name = o.identity_id;
  SIGNET_TRY(ctx.Save(config));
  SIGNET_ASSIGN_OR_RETURN(std::string path, ctx.ConfigFile());
  api::JsonObject summary{
      {"serverUrl", server},
      {"configFile", path},
      {"principal", api::JsonObject{{"type", "identity"}, {"name", o.identity_id}}},
      {"authMethod", "oidc-auth"},
      {"expiresIn", r.expires_in.count()}};
  ctx.Show(summary, [&](const api::JsonValue&) {
    ctx.out() << "Logged in to " << server << " as machine identity " << o.identity_id
              << " (OIDC auth); the token expires in " << ExpiresText(r.expires_in) << ".\n";
  });
  return Ok();
}

Status Login(Context& ctx, const LoginOptions& o_in) {
  LoginOptions o = o_in;
  auto env_set = [&ctx](const char* name) {
    auto v = ctx.env()(name);
    return v && !v->empty();
  };
  const bool oidc_token_given = !o.oidc_token_file.empty() || env_set("SIGNET_OIDC_TOKEN") ||
                                env_set("INFISICAL_OIDC_AUTH_JWT");
  if (o.identity_id.empty() && o.email.empty() && o.client_id.empty() && oidc_token_given) {
    for (const char* name : {"SIGNET_IDENTITY_ID", "INFISICAL_MACHINE_IDENTITY_ID"}) {
      if (auto env = ctx.env()(name); env && !env->empty()) {
        o.identity_id = *env;
        break;
      }
    }
    if (o.identity_id.empty()) {
      return InvalidArgument("an OIDC token needs --identity-id (or SIGNET_IDENTITY_ID)");
    }
  }
  if (!o.identity_id.empty()) return OidcLogin(ctx, o);
  const bool user = !o.email.empty();
  const bool machine = !o.client_id.empty();
  if (user && machine) return InvalidArgument("give either --email or --client-id, not both");
  if (user && !o.password_stdin) {
    return InvalidArgument("--email needs --password-stdin: give the password on standard input");
  }
  if (machine && !o.client_secret_stdin) {
    return InvalidArgument(
        "--client-id needs --client-secret-stdin: give the client secret on standard input");
  }
  if (!user && o.password_stdin) return InvalidArgument("--password-stdin needs --email");
  if (!o.mfa_code.empty() && !o.recovery_code.empty()) {
    return InvalidArgument("give either --mfa-code or --recovery-code, not both");
  }
  if (!user && (!o.mfa_code.empty() || !o.recovery_code.empty())) {
    return InvalidArgument("--mfa-code and --recovery-code need --email");
  }
  if (!machine && o.client_secret_stdin) {
    return InvalidArgument("--client-secret-stdin needs --client-id");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string server, ctx.ServerUrl());
  SIGNET_ASSIGN_OR_RETURN(std::string ca_cert, ctx.CaCert());

  Config config;
  config.server_url = server;
  // Kept as an absolute path: the CLI runs from other folders later.
  if (!ca_cert.empty()) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(ca_cert, ec);
    if (ec) return InvalidArgument("--ca-cert " + ca_cert + ": " + ec.message());
    ca_cert = absolute.lexically_normal().string();
  }
  config.ca_cert_path = ca_cert;
  std::chrono::seconds expires{0};
  if (user || machine) {
    SIGNET_ASSIGN_OR_RETURN(SecretBytes secret,
                            ReadSecret(ctx, user ? "Password" : "Client secret"));
    SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.AnonymousApi());
    SIGNET_ASSIGN_OR_RETURN(client::LoginResult r,
                            user ? api->LoginWithPassword(o.email, secret)
                                 : api->LoginWithClientSecret(o.client_id, secret));
    if (!r.mfa_token.empty()) {
      // The account has an authenticator: the second login step.
      std::string code = o.mfa_code;
      const bool recovery = !o.recovery_code.empty();
      if (recovery) code = o.recovery_code;
      if (code.empty()) {
        if (!ctx.terminal().stdin_is_tty) {
          return InvalidArgument(
              "this account uses multi-factor authentication: give "
              "--mfa-code CODE (or --recovery-code CODE)");
        }
        ctx.err() << "Authentication code: " << std::flush;
        std::getline(ctx.in(), code);
      }
      SIGNET_ASSIGN_OR_RETURN(r, api->VerifyMfa(r.mfa_token, code, recovery));
    }
    config.token = std::move(r.access_token);
    config.principal_type = user ? "user" : "identity";
    config.principal_name = user ? o.email : o.client_id;
    expires = r.expires_in;
  } else {
    // No credentials: keep a token given with --token or SIGNET_TOKEN, once it works.
    std::string source;
    auto token = ctx.Token(&source);
    if (!token || source == "config") {
      return InvalidArgument(
          "give --email with --password-stdin, or --client-id with --client-secret-stdin "
          "(or a token in SIGNET_TOKEN)");
    }
    SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
    SIGNET_TRY(CheckToken(*api));
    config.token = std::move(*token);
  }
  SIGNET_TRY(ctx.Save(config));
  SIGNET_ASSIGN_OR_RETURN(std::string path, ctx.ConfigFile());
  api::JsonObject summary{{"serverUrl", server}, {"configFile", path}};
  if (!config.principal_type.empty()) {
    summary["principal"] =
        api::JsonObject{{"type", config.principal_type}, {"name", config.principal_name}};
  }
  if (expires.count() > 0) summary["expiresIn"] = expires.count();
  ctx.Show(summary, [&](const api::JsonValue&) {
    ctx.out() << "Logged in to " << server;
    if (!config.principal_name.empty()) {
      ctx.out() << " as " << config.principal_name << " ("
                << (config.principal_type == "user" ? "user" : "machine identity") << ")";
    }
    if (expires.count() > 0) ctx.out() << "; the token expires in " << ExpiresText(expires);
    ctx.out() << ".\n";
  });
  return Ok();
}

Status Logout(Context& ctx) {
  SIGNET_ASSIGN_OR_RETURN(std::string server, ctx.ServerUrl());
  std::string source;
  SIGNET_ASSIGN_OR_RETURN(SecretBytes token, ctx.Token(&source));
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  auto revoked = api->Logout();
  // A token the server no longer accepts is as good as revoked; forget it all the same.
  if (!revoked && revoked.error().code != ErrorCode::kUnauthenticated) {
    return tl::unexpected(revoked.error());
  }
  if (source == "config") {
    SIGNET_ASSIGN_OR_RETURN(Config config, ctx.LoadedConfig());
    config.token = SecretBytes();
    config.principal_type.clear();
    config.principal_name.clear();
    SIGNET_TRY(ctx.Save(config));
  }
  ctx.Show(api::JsonObject{{"serverUrl", server}, {"loggedOut", true}}, [&](const api::JsonValue&) {
    ctx.out() << "Logged out of " << server << ".\n";
    if (source == "environment") {
      ctx.out() << "The token in SIGNET_TOKEN is revoked; unset the variable.\n";
    }
  });
  return Ok();
}

Status Whoami(Context& ctx) {
  SIGNET_ASSIGN_OR_RETURN(std::string server, ctx.ServerUrl());
  std::string source;
  SIGNET_ASSIGN_OR_RETURN(SecretBytes token, ctx.Token(&source));
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_TRY(CheckToken(*api));
  Config config;
  if (source == "config") {
    SIGNET_ASSIGN_OR_RETURN(config, ctx.LoadedConfig());
  }
  api::JsonObject out{{"serverUrl", server}, {"tokenSource", source}, {"authenticated", true}};
  if (!config.principal_type.empty()) {
    out["principal"] =
        api::JsonObject{{"type", config.principal_type}, {"name", config.principal_name}};
  } else {
    out["principal"] = nullptr;
  }
  ctx.Show(out, [&](const api::JsonValue&) {
    std::vector<std::pair<std::string, std::string>> lines{{"Server", server}};
    if (!config.principal_type.empty()) {
      lines.emplace_back(config.principal_type == "user" ? "User" : "Machine identity",
                         config.principal_name);
    } else {
      lines.emplace_back("Principal", "(a token from the " + source + ")");
    }
    lines.emplace_back("Token", "valid (from the " + source + ")");
    PrintFields(ctx.out(), lines);
  });
  return Ok();
}

}  // namespace

void AddAuthCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<LoginOptions>();
  CLI::App* login = app.add_subcommand(
      "login",
      "Log in and keep the server URL and token in the config file (mode 0600).\n"
      "User:             signet login --server URL --email E --password-stdin < password.txt\n"
      "Machine identity: signet login --server URL --client-id ID --client-secret-stdin\n"
      "CI job (OIDC):    signet login --server URL --identity-id ID --oidc-token-file F\n"
      "Existing token:   SIGNET_TOKEN=... signet login --server URL");
  login->add_option("--email", o->email, "User e-mail address");
  login->add_flag("--password-stdin", o->password_stdin, "Read the password from standard input");
  login->add_option("--mfa-code", o->mfa_code,
                    "The authenticator's current code, for an account with MFA (asked for on a "
                    "terminal when omitted)");
  login->add_option("--recovery-code", o->recovery_code,
                    "One of the account's recovery codes, instead of --mfa-code");
  login->add_option("--client-id", o->client_id, "Machine identity client id (Universal Auth)");
  login->add_flag("--client-secret-stdin", o->client_secret_stdin,
                  "Read the client secret from standard input");
  login->add_option("--identity-id,--identity", o->identity_id,
                    "Machine identity id (OIDC auth; or SIGNET_IDENTITY_ID)");
  login->add_option("--oidc-token-file", o->oidc_token_file,
                    "File with the CI job's OIDC identity token, - for standard input (or "
                    "SIGNET_OIDC_TOKEN)");
  OnRun(login, ctx, [&ctx, o] { return Login(ctx, *o); });

  CLI::App* logout = app.add_subcommand("logout", "Revoke the token and forget it");
  OnRun(logout, ctx, [&ctx] { return Logout(ctx); });

  CLI::App* whoami = app.add_subcommand("whoami", "Show the server and who the token belongs to");
  OnRun(whoami, ctx, [&ctx] { return Whoami(ctx); });
}

}  // namespace signet::cli
