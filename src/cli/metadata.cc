#include "cli/metadata.h"

#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace signet::cli {
namespace {

bool IsSecretName(std::string_view name) {
  return name.find("token") != std::string_view::npos ||
         name.find("secret") != std::string_view::npos ||
         name.find("password") != std::string_view::npos;
}

// Options whose next argument is a secret value.
bool TakesSecretValue(std::string_view arg) { return arg == "--token"; }

std::string Quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`!*?&;|<>(){}[]#~") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string RedactedCommand(const std::vector<std::string>& argv, std::size_t max_len) {
  std::string out;
  bool redact_next = false;
  for (const std::string& arg : argv) {
    std::string shown = arg;
    if (redact_next) {
      shown = "***";
      redact_next = false;
    } else if (arg.rfind("--", 0) == 0) {
      const std::size_t eq = arg.find('=');
      const std::string_view name = std::string_view(arg).substr(0, eq);
      if (eq != std::string::npos && IsSecretName(name)) {
        shown = std::string(name) + "=***";
      } else if (eq == std::string::npos && TakesSecretValue(name)) {
        redact_next = true;
      }
    }
    if (!out.empty()) out += ' ';
    out += Quote(shown);
  }
  if (out.size() > max_len) {
    std::size_t cut = max_len;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

std::string OsUsername() {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buf(size > 0 ? static_cast<std::size_t>(size) : 16384, '\0');
  struct passwd pw {};
  struct passwd* result = nullptr;
  if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      result->pw_name != nullptr) {
    return result->pw_name;
  }
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

client::ClientMetadata SigningMetadata(const std::vector<std::string>& argv) {
  client::ClientMetadata m;
  m.tool = "signet";
  if (std::string h = Hostname(); !h.empty()) m.hostname = h;
  if (std::string u = OsUsername(); !u.empty()) m.os_username = u;
  m.command = RedactedCommand(argv);
  return m;
}

}  // namespace signet::cli
