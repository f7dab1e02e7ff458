#pragma once
// Helpers for crypto tests: a temporary directory and running the `openssl` command
// (tests/support), and one test key per algorithm.

#include <cstdlib>
#include <map>
#include <string>

#include "common/bytes.h"
#include "crypto/keys.h"
#include "support/command.h"
#include "support/temp_dir.h"

namespace signet::crypto::test {

// The shared helpers of tests/support, under the names the crypto tests use.
using ::signet::testutil::CommandResult;
using ::signet::testutil::ReadFile;
using ::signet::testutil::RunCommand;
using ::signet::testutil::TempDir;
using ::signet::testutil::WriteFile;
inline void WriteFile(const std::string& path, ByteView data) { WriteFile(path, AsString(data)); }

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
