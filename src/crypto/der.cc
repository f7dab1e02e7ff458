#include "crypto/der.h"

namespace signet::crypto::der {

void AppendTlv(Bytes& out, std::uint8_t tag, ByteView content) {
  out.push_back(tag);
  const std::size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    std::uint8_t buf[sizeof(std::size_t)];
    std::size_t n = 0;
    for (std::size_t v = len; v > 0; v >>= 8) buf[n++] = static_cast<std::uint8_t>(v & 0xff);
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
    while (n > 0) out.push_back(buf[--n]);
  }
  out.insert(out.end(), content.begin(), content.end());
}

Bytes Tlv(std::uint8_t tag, ByteView content) {
  Bytes out;
  out.reserve(content.size() + 6);
  AppendTlv(out, tag, content);
  return out;
}

Bytes SmallInteger(unsigned value) {
  Bytes content;
  do {
    content.insert(content.begin(), static_cast<std::uint8_t>(value & 0xff));
    value >>= 8;
  } while (value > 0);
  if (content.front() & 0x80) content.insert(content.begin(), 0);  // stays positive
  return Tlv(kInteger, content);
}

Bytes NamedBit(unsigned bit) {
  Bytes content(1 + bit / 8 + 1, 0);
  content[0] = static_cast<std::uint8_t>(7 - bit % 8);  // unused bits in the last byte
  content[1 + bit / 8] = static_cast<std::uint8_t>(0x80 >> (bit % 8));
  return Tlv(kBitString, content);
}

Result<Element> ReadElement(ByteView in) {
  if (in.size() < 2) return InvalidArgument("DER element is truncated");
  Element e;
  e.tag = in[0];
  if ((e.tag & 0x1f) == 0x1f) return InvalidArgument("DER element has a multi-byte tag");
  std::size_t len = in[1];
  std::size_t header = 2;
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0) return InvalidArgument("DER element has an indefinite length");
    if (n > sizeof(std::uint32_t) || in.size() < 2 + n) {
      return InvalidArgument("DER element length is truncated or too large");
    }
    if (in[2] == 0) return InvalidArgument("DER element length is not minimal");
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
    if (len < 0x80) return InvalidArgument("DER element length is not minimal");
    header += n;
  }
  if (in.size() - header < len) return InvalidArgument("DER element is truncated");
  e.whole = in.subspan(0, header + len);
  e.content = in.subspan(header, len);
  return e;
}

}  // namespace signet::crypto::der
