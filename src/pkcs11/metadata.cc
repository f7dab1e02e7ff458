#include "pkcs11/metadata.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/encoding.h"
#include "crypto/digest.h"

namespace signet::pkcs11 {
namespace {

constexpr std::string_view kRedacted = "***";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsSecretOptionName(std::string_view option) {
  const std::string name = Lower(option);
  if (name == "-p") return true;  // pkcs11-tool's short --pin
  for (std::string_view word : {"pass", "pin", "secret"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  // "--token", "--access-token", but not "--token-label".
  return name.ends_with("token");
}

// Replaces invalid UTF-8 sequences and control characters with '?'.
std::string CleanUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    }
    if (!ok) {
      out.push_back('?');
      ++i;
      continue;
    }
    if (len == 1 && (c < 0x20 || c == 0x7f)) {
      out.push_back('?');
    } else {
      out.append(in.substr(i, len));
    }
    i += len;
  }
  return out;
}

// Cuts to at most `max_chars` code points (the input is valid UTF-8).
std::string CutChars(std::string s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      if (chars == max_chars) {
        s.resize(i);
        break;
      }
      ++chars;
    }
  }
  return s;
}

// pkcs11:...;pin-value=secret;... -> pin-value=***
std::string RedactUri(std::string arg) {
  for (std::string_view attr : {"pin-value=", "pin-source="}) {
    std::size_t pos = 0;
    while ((pos = Lower(arg).find(attr, pos)) != std::string::npos) {
      const std::size_t start = pos + attr.size();
      std::size_t end = arg.find_first_of(";&?", start);
      if (end == std::string::npos) end = arg.size();
      arg.replace(start, end - start, kRedacted);
      pos = start + kRedacted.size();
    }
  }
  return arg;
}

}  // namespace

std::string RedactCommandLine(const std::vector<std::string>& argv, std::size_t max_chars) {
  std::string out;
  bool redact_next = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (redact_next) {
      arg = std::string(kRedacted);
      redact_next = false;
    } else if (i > 0 && arg.size() > 1 && arg[0] == '-') {
      const std::size_t eq = arg.find('=');
      const std::string_view name = std::string_view(arg).substr(0, eq);
      if (IsSecretOptionName(name)) {
        if (eq == std::string::npos) {
          redact_next = true;
        } else {
          arg = arg.substr(0, eq + 1) + std::string(kRedacted);
        }
      }
    } else {
      const std::string lower = Lower(arg);
      if (lower.starts_with("pass:")) arg = "pass:" + std::string(kRedacted);
      arg = RedactUri(std::move(arg));
    }
    if (!out.empty()) out.push_back(' ');
    out += CleanUtf8(arg);
  }
  return CutChars(std::move(out), max_chars);
}

std::string ToolName(const std::vector<std::string>& argv) {
  if (argv.empty()) return "unknown";
  std::string_view a0 = argv[0];
  if (const std::size_t slash = a0.rfind('/'); slash != std::string_view::npos) {
    a0 = a0.substr(slash + 1);
  }
  return CutChars(CleanUtf8(a0.empty() ? "unknown" : a0), api::kMaxMetadataTool);
}

std::optional<std::string> ExecutableSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto hasher = crypto::Hasher::Create(domain::HashAlgorithm::kSha256);
  if (!hasher) return std::nullopt;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (!hasher->Update(ByteView(reinterpret_cast<const std::uint8_t*>(buf.data()), n))) {
      return std::nullopt;
    }
  }
  if (in.bad()) return std::nullopt;
  auto digest = hasher->Finish();
  if (!digest) return std::nullopt;
  return HexEncode(*digest);
}

client::ClientMetadata CollectClientMetadata() {
  std::vector<std::string> argv;
  {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    while (start < raw.size()) {
      std::size_t end = raw.find('\0', start);
      if (end == std::string::npos) end = raw.size();
      argv.emplace_back(raw.substr(start, end - start));
      start = end + 1;
    }
  }
  client::ClientMetadata m;
  m.tool = ToolName(argv);
  if (auto hash = ExecutableSha256("/proc/self/exe")) m.signing_application_hash = *hash;
  m.command = RedactCommandLine(argv);
  if (m.command->empty()) m.command.reset();
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') m.hostname = CleanUtf8(host);
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    m.os_username = CleanUtf8(found->pw_name);
  } else if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') {
    m.os_username = CleanUtf8(user);
  }
  return m;
}

}  // namespace signet::pkcs11
