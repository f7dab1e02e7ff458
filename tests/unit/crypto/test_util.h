#pragma once
// Helpers for crypto tests: a temporary directory and running the `openssl` command.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "common/bytes.h"
#include "crypto/keys.h"

namespace signet::crypto::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/signet-crypto-test-XXXXXX";
    if (char* dir = mkdtemp(pattern.data())) path_ = dir;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}
inline void WriteFile(const std::string& path, ByteView data) { WriteFile(path, AsString(data)); }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh, capturing stdout and stderr.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// One key per algorithm for the whole test binary (RSA-4096 generation takes seconds).
inline const PrivateKey& TestKey(domain::KeyAlgorithm algorithm) {
  static std::map<domain::KeyAlgorithm, PrivateKey> keys;
  auto it = keys.find(algorithm);
  if (it == keys.end()) {
    auto key = PrivateKey::Generate(algorithm);
    if (!key) std::abort();
    it = keys.emplace(algorithm, std::move(*key)).first;
  }
  return it->second;
}

}  // namespace signet::crypto::test
