#include "common/uuid.h"

#include <cctype>

#include "common/encoding.h"
#include "common/random.h"

namespace signet {

std::string NewUuid() {
  std::uint8_t b[16];
  FillRandom(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // variant 10
  const std::string hex = HexEncode(ByteView(b, sizeof b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

Result<std::string> ParseUuid(std::string_view text, std::string_view field) {
  if (!IsUuid(text)) {
    return InvalidArgument(std::string(field) + " must be a UUID");
  }
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace signet
