#pragma once
// clientMetadata of a sign call (SPEC §4): the documented keys and their limits, which are
// Infisical's, shared by the server (which refuses anything else) and its clients (which
// fit what they collect into them, so a long command line never turns into a 400).

#include <cstddef>
#include <string>
#include <string_view>

namespace signet::api {

// Limits in characters (UTF-8 code points).
inline constexpr std::size_t kMaxMetadataTool = 128;  // tool, and its alias signingApplication
inline constexpr std::size_t kMaxMetadataHostname = 256;
inline constexpr std::size_t kMaxMetadataOsUsername = 256;
inline constexpr std::size_t kMaxMetadataCommand = 32767;
inline constexpr std::size_t kMaxMetadataApplicationHash = 64;  // hex SHA-256
inline constexpr std::size_t kMaxMetadataReportedIp = 64;

// `text` made acceptable to CheckText (json.h): every invalid UTF-8 byte and every control
// character but tab, CR and LF becomes '?', and the result is cut to `max_chars` characters.
std::string FitText(std::string_view text, std::size_t max_chars);

}  // namespace signet::api
