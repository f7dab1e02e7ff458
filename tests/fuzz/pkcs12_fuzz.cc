// PKCS#12 import (crypto::ImportPkcs12): arbitrary files with a fixed password and with one
// taken from the input. Iteration counts above kMaxPkcs12Iterations must be refused before any
// key derivation, so no input can make one run take long (libFuzzer's -timeout catches that).
// Input: the PKCS#12 DER; if it contains a NUL-separated suffix "\0PW:<password>", that part is
// the password instead of "fuzz".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/x509.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::string_view password = "fuzz";
  if (const std::size_t at = all.rfind(std::string_view("\0PW:", 4));
      at != std::string_view::npos) {
    password = all.substr(at + 4);
    all = all.substr(0, at);
  }
  auto imported = signet::crypto::ImportPkcs12(signet::AsBytes(all), password);
  if (imported) {
    signet::fuzz::Check(imported->leaf.Info().has_value(), "an imported leaf can be inspected");
  } else {
    signet::fuzz::Check(!imported.error().message.empty(), "a refusal has a message");
  }
  return 0;
}
