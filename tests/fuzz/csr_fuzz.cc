// CSR import (crypto::ParseCsrPem, which also checks the self-signature) and the PEM key pair
// import (crypto::ImportPem). Input: "csr-or-cert PEM \0 key PEM \0 chain PEM \0 password".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/x509.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  if (auto csr = signet::crypto::ParseCsrPem(whole)) {
    signet::fuzz::Check(!csr->spki_der.empty(), "a parsed CSR has a public key");
  }
  const auto parts = signet::fuzz::SplitInput(data, size, 4);
  if (auto csr = signet::crypto::ParseCsrPem(parts[0])) {
    signet::fuzz::Check(!csr->spki_der.empty(), "a parsed CSR has a public key");
  }
  if (auto pair = signet::crypto::ImportPem(parts[0], parts[1], parts[2], parts[3])) {
    signet::fuzz::Check(pair->leaf.Info().has_value(), "an imported leaf can be inspected");
  }
  return 0;
}
