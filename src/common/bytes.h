#pragma once
// Byte buffers. Bytes owns; ByteView is the input type for anything that reads bytes.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string_view AsString(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(ByteView a, ByteView b);

// Overwrites memory in a way the compiler may not elide.
void SecureWipe(void* data, std::size_t size);

}  // namespace signet
