#include "auth/tokens.h"

#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace signet::auth {
namespace {

Result<SecretBytes> NewSecret(std::string_view prefix) {
  SIGNET_ASSIGN_OR_RETURN(const SecretBytes raw, crypto::RandomSecret(32));
  std::string text = std::string(prefix) + HexEncode(raw.view());
  SecretBytes out = SecretBytes::FromString(text);
  SecureWipe(text.data(), text.size());
  return out;
}

}  // namespace

Result<SecretBytes> NewAccessToken() { return NewSecret("sgt_"); }
Result<SecretBytes> NewClientSecret() { return NewSecret("sgs_"); }

std::string HashToken(std::string_view token) { return HexEncode(crypto::Sha256(AsBytes(token))); }

}  // namespace signet::auth
