#include "auth/totp.h"

#include <cctype>

#include "auth/tokens.h"
#include "common/encoding.h"
#include "crypto/mac.h"
#include "crypto/random.h"

namespace signet::auth {
namespace {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::int64_t TotpStep(TimePoint now) { return ToUnixMillis(now) / 1000 / kTotpStepSeconds; }

std::string TotpCode(ByteView secret, std::int64_t step, int digits) {
  std::uint8_t counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<std::uint8_t>(step & 0xff);
    step >>= 8;
  }
  const Bytes mac = crypto::HmacSha1(secret, ByteView(counter, sizeof counter));
  if (mac.size() != 20) return std::string();
  const int offset = mac[19] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::optional<std::int64_t> MatchTotp(ByteView secret, std::string_view code, TimePoint now,
                                      std::int64_t last_used_step, int window) {
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return std::nullopt;
  const std::int64_t current = TotpStep(now);
  std::optional<std::int64_t> matched;
  for (std::int64_t step = current - window; step <= current + window; ++step) {
    const std::string expected = TotpCode(secret, step);
    if (ConstantTimeEquals(AsBytes(expected), AsBytes(code)) && step > last_used_step && !matched) {
      matched = step;
    }
  }
  return matched;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, ByteView secret) {
  return "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) +
         "?secret=" + Base32Encode(secret) + "&issuer=" + PercentEncode(issuer) +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
}

Result<std::vector<SecretBytes>> NewRecoveryCodes(int count) {
  std::vector<SecretBytes> codes;
  for (int i = 0; i < count; ++i) {
    SIGNET_ASSIGN_OR_RETURN(Bytes random, crypto::RandomBytes(7));  // 56 bits, 10 characters used
    std::string text = Base32Encode(random).substr(0, 10);
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    codes.push_back(SecretBytes::FromString(text.substr(0, 5) + "-" + text.substr(5)));
  }
  return codes;
}

std::string NormalizeRecoveryCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string RecoveryCodeHash(std::string_view code) {
  return HashToken(NormalizeRecoveryCode(code));
}

}  // namespace signet::auth
