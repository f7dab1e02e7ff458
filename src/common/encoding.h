#pragma once
// Base64 (RFC 4648, standard alphabet, padded) and lower-case hex.
// Decoding is strict: a character outside the alphabet, missing or misplaced padding, or
// non-zero trailing bits is an InvalidArgument error, never a silently shortened result.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace signet {

std::string Base64Encode(ByteView data);
[[nodiscard]] Result<Bytes> Base64Decode(std::string_view text);

// RFC 4648 base32 (A-Z2-7) without padding, as authenticator apps take TOTP secrets; decoding
// ignores case, spaces and padding.
std::string Base32Encode(ByteView data);
[[nodiscard]] Result<Bytes> Base32Decode(std::string_view text);

std::string HexEncode(ByteView data);
[[nodiscard]] Result<Bytes> HexDecode(std::string_view text);  // accepts upper and lower case

}  // namespace signet
