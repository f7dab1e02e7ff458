#include "common/uuid.h"

#include <cctype>
#include <chrono>

#include "common/random.h"

namespace signet {

namespace {

std::string Format(std::uint8_t (&b)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  std::size_t o = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++o;  // skip the dash
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string NewUuid() {
  std::uint8_t b[16];
  FillRandom(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // variant 10
  return Format(b);
}

std::string NewTimeOrderedUuid(std::int64_t unix_ms) {
  std::uint8_t b[16];
  FillRandom(b + 6, sizeof b - 6);
  const auto ms = static_cast<std::uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  b[6] = (b[6] & 0x0f) | 0x70;  // version 7
  b[8] = (b[8] & 0x3f) | 0x80;  // variant 10
  return Format(b);
}

std::string NewTimeOrderedUuid() {
  return NewTimeOrderedUuid(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
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
