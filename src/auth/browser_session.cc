#include "auth/browser_session.h"

#include "common/bytes.h"
#include "common/encoding.h"
#include "crypto/mac.h"

namespace signet::auth {
namespace {

constexpr std::string_view kCsrfLabel = "signet console csrf v1";

}  // namespace

std::string CsrfTokenFor(std::string_view session_token) {
  return HexEncode(crypto::HmacSha256(AsBytes(session_token), AsBytes(kCsrfLabel)));
}

bool CsrfTokenMatches(std::string_view session_token, std::string_view presented) {
  if (session_token.empty()) return false;
  const std::string expected = CsrfTokenFor(session_token);
  return ConstantTimeEquals(AsBytes(expected), AsBytes(presented));
}

}  // namespace signet::auth
