#pragma once
// What every `signet` command shares: global flags, the configuration file, the effective
// server/token/CA (flags > environment > config file), the API client, and the output streams.
// One Context per process run; not thread-safe except for client(), which may be shared by
// the worker threads of `signet sign`.

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api/json.h"
#include "cli/config.h"
#include "client/client.h"
#include "common/result.h"

namespace signet::cli {

struct GlobalFlags {
  std::string server;
  std::string token;
  std::string ca_cert;
  std::string project;
  bool json = false;
  bool ids = false;  // tables show ids instead of names
  int timeout_seconds = 30;
  bool print_peak_rss = false;
};

struct Terminal {
  bool stdin_is_tty = false;
  bool stderr_is_tty = false;
};

class Context {
 public:
  Context(EnvLookup env, std::ostream& out, std::ostream& err, std::istream& in,
          std::vector<std::string> argv, Terminal terminal);

  GlobalFlags flags;
  // Set by the chosen subcommand's callback during parsing; run after parsing succeeded.
  std::function<Status()> action;
  // When set, the exit code of a failed action (instead of the one its error code maps to):
  // `sign --wait` tells a decided-against request from a wait that ran out.
  std::optional<int> failure_exit_code;

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  std::istream& in() { return in_; }
  const std::vector<std::string>& argv() const { return argv_; }
  const Terminal& terminal() const { return terminal_; }
  const EnvLookup& env() const { return env_; }

  [[nodiscard]] Result<std::string> ConfigFile();
  // The configuration file's contents (cached after the first read).
  [[nodiscard]] Result<Config> LoadedConfig();
  [[nodiscard]] Status Save(const Config& config);

  // --server, else SIGNET_SERVER_URL, else the config file; InvalidArgument when none.
  [[nodiscard]] Result<std::string> ServerUrl();
  // --token, else SIGNET_TOKEN, else the config file's token when the server is the one it
  // was issued by (a token never travels to another server). `source` gets "flag",
  // "environment" or "config". Unauthenticated "not logged in" when there is none.
  [[nodiscard]] Result<SecretBytes> Token(std::string* source = nullptr);
  // --ca-cert, else SIGNET_CA_CERT, else the config file's.
  [[nodiscard]] Result<std::string> CaCert();

  // The API client with the effective token (Unauthenticated when there is none).
  [[nodiscard]] Result<client::Client*> Api();
  // A client without a token, for login.
  [[nodiscard]] Result<client::Client*> AnonymousApi();

  // ---- output helpers for commands ----
  // --json: the JSON; otherwise `human` prints it.
  void Show(const api::JsonValue& value, const std::function<void(const api::JsonValue&)>& human);

 private:
  [[nodiscard]] Result<std::unique_ptr<client::Client>> MakeClient(SecretBytes token);

  EnvLookup env_;
  std::ostream& out_;
  std::ostream& err_;
  std::istream& in_;
  std::vector<std::string> argv_;
  Terminal terminal_;
  std::optional<Config> config_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace signet::cli
