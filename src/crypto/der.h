#pragma once
// A few DER building blocks (X.690) for the structures OpenSSL has no public encoder for (the
// PKIStatusInfo of RFC 3161) and for slicing exact bytes out of an encoding without decoding
// and re-encoding it. Single-byte tags only; definite lengths only. Pure functions,
// thread-safe.

#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"

namespace signet::crypto::der {

inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kUtf8String = 0x0c;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kSet = 0x31;

// Appends `tag`, the DER length of `content` and `content` to `out`.
void AppendTlv(Bytes& out, std::uint8_t tag, ByteView content);
Bytes Tlv(std::uint8_t tag, ByteView content);
// An INTEGER of a small non-negative value.
Bytes SmallInteger(unsigned value);
// A BIT STRING with the single named bit `bit` set (bit 0 is the first, most significant, bit),
// trailing zero bits removed as DER requires for named bit lists.
Bytes NamedBit(unsigned bit);

// One element at the start of `in`.
struct Element {
  std::uint8_t tag = 0;
  ByteView whole;    // tag, length and content
  ByteView content;  // the content octets
};
// InvalidArgument when `in` is empty, truncated, uses a multi-byte tag, an indefinite length or
// a length that is not minimal.
[[nodiscard]] Result<Element> ReadElement(ByteView in);

}  // namespace signet::crypto::der
