// Base64, base32 and hex decoding (common/encoding.h): strict decoders never crash, and what
// they accept round-trips through the encoders.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/encoding.h"
#include "fuzz_util.h"

using signet::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto b64 = signet::Base64Decode(text)) {
    // Strict base64 has exactly one spelling per byte string.
    Check(signet::Base64Encode(*b64) == text, "Base64Encode(Base64Decode(x)) == x");
  }
  if (auto hex = signet::HexDecode(text)) {
    Check(hex->size() * 2 == text.size(), "hex decodes two characters per byte");
    auto again = signet::HexDecode(signet::HexEncode(*hex));
    Check(again && *again == *hex, "HexDecode(HexEncode(b)) == b");
  }
  if (auto b32 = signet::Base32Decode(text)) {
    auto again = signet::Base32Decode(signet::Base32Encode(*b32));
    Check(again && *again == *b32, "Base32Decode(Base32Encode(b)) == b");
  }
  // Encoders over arbitrary bytes decode back.
  const signet::ByteView bytes(data, size);
  auto b64 = signet::Base64Decode(signet::Base64Encode(bytes));
  Check(b64 && std::equal(b64->begin(), b64->end(), data, data + size) && b64->size() == size,
        "Base64Decode(Base64Encode(b)) == b");
  return 0;
}
