#include "cli/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/json.h"

namespace signet::cli {
namespace {

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return Ok();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return InvalidArgument(dir + " exists and is not a directory");
    return Ok();
  }
  const std::size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) SIGNET_TRY(MakeDirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return InvalidArgument(Errno("cannot create directory", dir));
  }
  return Ok();
}

std::string StringOf(const api::JsonObject& o, std::string_view key) {
  const api::JsonValue* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> ConfigPath(const EnvLookup& env) {
  if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty() && xdg->front() == '/') {
    return *xdg + "/signet/config.json";
  }
  if (auto home = env("HOME"); home && !home->empty()) {
    return *home + "/.config/signet/config.json";
  }
  return InvalidArgument(
      "cannot locate the configuration file: neither HOME nor "
      "XDG_CONFIG_HOME is set");
}

Result<Config> LoadConfig(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Config{};
    return InvalidArgument(Errno("cannot read", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto parsed = api::ParseObject(content);
  SecureWipe(content.data(), content.size());
  if (!parsed) {
    return InvalidArgument("configuration file " + path +
                           " is not a JSON object: " + parsed.error().message);
  }
  Config c;
  c.server_url = StringOf(*parsed, "serverUrl");
  std::string token = StringOf(*parsed, "token");
  c.token = SecretBytes::FromString(token);
  SecureWipe(token.data(), token.size());
  if (api::JsonValue* t = parsed->if_contains("token"); t != nullptr && t->is_string()) {
    SecureWipe(t->as_string().data(), t->as_string().size());
  }
  c.ca_cert_path = StringOf(*parsed, "caCertPath");
  if (const api::JsonValue* p = parsed->if_contains("principal"); p != nullptr && p->is_object()) {
    c.principal_type = StringOf(p->as_object(), "type");
    c.principal_name = StringOf(p->as_object(), "name");
  }
  return c;
}

Status SaveConfig(const std::string& path, const Config& config) {
  const std::size_t slash = path.rfind('/');
  if (slash != std::string::npos) SIGNET_TRY(MakeDirs(path.substr(0, slash)));

  api::JsonObject o;
  o["serverUrl"] = config.server_url;
  if (!config.token.empty()) o["token"] = config.token.string_view();
  if (!config.ca_cert_path.empty()) o["caCertPath"] = config.ca_cert_path;
  if (!config.principal_type.empty()) {
    o["principal"] =
        api::JsonObject{{"type", config.principal_type}, {"name", config.principal_name}};
  }
  std::string text = api::Serialize(o) + "\n";
  if (api::JsonValue* t = o.if_contains("token"); t != nullptr) {
    SecureWipe(t->as_string().data(), t->as_string().size());
  }

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    SecureWipe(text.data(), text.size());
    return InvalidArgument(Errno("cannot write", tmp));
  }
  // The umask cannot widen 0600, but an old temporary file might have another mode.
  ::fchmod(fd, 0600);
  std::size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  SecureWipe(text.data(), text.size());
  if (!ok || ::fsync(fd) != 0) {
    const std::string message = Errno("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return InvalidArgument(message);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string message = Errno("cannot replace", path);
    ::unlink(tmp.c_str());
    return InvalidArgument(message);
  }
  return Ok();
}

}  // namespace signet::cli
