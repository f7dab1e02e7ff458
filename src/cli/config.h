#pragma once
// The CLI's configuration file (SPEC §9): ~/.config/signet/config.json, mode 0600, holding the
// server URL, the bearer token and who it belongs to. $XDG_CONFIG_HOME replaces ~/.config.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::cli {

// Looks up an environment variable; nullopt when unset. Injected so tests need not touch the
// process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup ProcessEnv();

struct Config {
  std::string server_url;
  SecretBytes token;
  std::string ca_cert_path;
  std::string principal_type;  // "user" | "identity" | "" (unknown: a token given directly)
  std::string principal_name;  // email or client id
};

// $XDG_CONFIG_HOME/signet/config.json when XDG_CONFIG_HOME is an absolute path, else
// $HOME/.config/signet/config.json. InvalidArgument when neither variable helps.
[[nodiscard]] Result<std::string> ConfigPath(const EnvLookup& env);

// A missing file is an empty Config; a file that is not a JSON object is InvalidArgument.
[[nodiscard]] Result<Config> LoadConfig(const std::string& path);
// Writes atomically (temporary file + rename) with mode 0600, creating the directory with
// mode 0700 when missing. An existing file keeps no wider mode than 0600.
[[nodiscard]] Status SaveConfig(const std::string& path, const Config& config);

}  // namespace signet::cli
