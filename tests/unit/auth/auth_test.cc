#include <gtest/gtest.h>

#include <set>

#include "auth/browser_session.h"
#include "auth/login_throttle.h"
#include "auth/password.h"
#include "auth/tokens.h"
#include "auth/totp.h"
#include "common/encoding.h"

namespace signet::auth {
namespace {

TEST(Password, HashVerifies) {
  const auto pw = SecretBytes::FromString("correct horse battery");
  auto hash = HashPassword(pw);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(pw, *hash));
  EXPECT_FALSE(VerifyPassword(SecretBytes::FromString("correct horse batterY"), *hash));
  EXPECT_FALSE(VerifyPassword(pw, "not a hash"));
  // Salted: the same password hashes differently.
  EXPECT_NE(*hash, *HashPassword(pw));
}

TEST(Password, LengthBounds) {
  EXPECT_FALSE(ValidatePassword(SecretBytes::FromString("short")));
  EXPECT_TRUE(ValidatePassword(SecretBytes::FromString("12345678")));
  EXPECT_FALSE(ValidatePassword(SecretBytes::FromString(std::string(257, 'a'))));
}

TEST(Tokens, RandomPrefixedAndHashed) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto t = NewAccessToken();
    ASSERT_TRUE(t);
    const std::string text(t->string_view());
    EXPECT_EQ(text.rfind("sgt_", 0), 0u);
    EXPECT_EQ(text.size(), 4u + 64u);
    EXPECT_TRUE(seen.insert(text).second);
  }
  // SHA-256("abc")
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(NewClientSecret()->string_view().substr(0, 4), "sgs_");
}

// ---- login throttling (issue 12, finding 3) ----

TEST(LoginThrottle, DelaysGrowThenTheAccountLocks) {
  LoginThrottleOptions o;  // 5 free, then 1 s doubling, lock at 10 for 15 min
  LoginThrottle t(o);
  TimePoint now = FromUnixMillis(1'000'000);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(t.Blocked("Ana@Example.com", "10.0.0.1", now).has_value());
    EXPECT_FALSE(t.Failure("ana@example.com", "10.0.0.1", now).account_locked);
  }
  EXPECT_FALSE(t.Blocked("ana@example.com", "10.0.0.1", now).has_value());
  t.Failure("ana@example.com", "10.0.0.1", now);  // the 6th: 1 s
  EXPECT_EQ(t.Blocked("ANA@example.com", "10.0.0.9", now)->count(), 1000);
  now += Millis(1000);
  t.Failure("ana@example.com", "10.0.0.1", now);  // the 7th: 2 s
  EXPECT_EQ(t.Blocked("ana@example.com", "10.0.0.1", now)->count(), 2000);
  for (int i = 8; i <= 9; ++i) {
    now += Millis(10'000);
    t.Failure("ana@example.com", "10.0.0.1", now);
  }
  now += Millis(10'000);
  EXPECT_TRUE(t.Failure("ana@example.com", "10.0.0.1", now).account_locked);  // the 10th
  EXPECT_EQ(t.Blocked("ana@example.com", "10.0.0.2", now)->count(), 15 * 60 * 1000);
  // Unrelated accounts are not affected.
  EXPECT_FALSE(t.Blocked("bob@example.com", "10.0.0.3", now).has_value());
  now += std::chrono::minutes(15);
  EXPECT_FALSE(t.Blocked("ana@example.com", "10.0.0.2", now).has_value());
}

TEST(LoginThrottle, SuccessClearsTheAccountNotTheSourceIp) {
  LoginThrottleOptions o;
  o.ip_failures = 3;
  LoginThrottle t(o);
  const TimePoint now = FromUnixMillis(5'000'000);
  t.Failure("a@example.com", "10.1.1.1", now);
  t.Failure("b@example.com", "10.1.1.1", now);
  t.Success("a@example.com");
  EXPECT_TRUE(t.Failure("c@example.com", "10.1.1.1", now).ip_locked);  // 3 from one IP
  EXPECT_TRUE(t.Blocked("d@example.com", "10.1.1.1", now).has_value());
  EXPECT_FALSE(t.Blocked("d@example.com", "10.1.1.2", now).has_value());
}

TEST(LoginThrottle, OldFailuresAreForgottenAndMemoryIsBounded) {
  LoginThrottleOptions o;
  o.max_entries = 100;
  LoginThrottle t(o);
  TimePoint now = FromUnixMillis(9'000'000);
  for (int i = 0; i < 5; ++i) t.Failure("a@example.com", "", now);
  now += std::chrono::minutes(16);  // past the window
  t.Failure("a@example.com", "", now);
  EXPECT_FALSE(t.Blocked("a@example.com", "", now).has_value()) << "the count restarted";
  for (int i = 0; i < 10'000; ++i)
    t.Failure("spray-" + std::to_string(i) + "@example.com", "", now);
  SUCCEED();  // bounded: no growth past max_entries (checked by ASan/valgrind runs)
}

TEST(LoginThrottle, OffWhenDisabled) {
  LoginThrottleOptions o;
  o.enabled = false;
  LoginThrottle t(o);
  const TimePoint now = FromUnixMillis(0);
  for (int i = 0; i < 100; ++i) t.Failure("a@example.com", "1.2.3.4", now);
  EXPECT_FALSE(t.Blocked("a@example.com", "1.2.3.4", now).has_value());
}

// ---- TOTP (RFC 6238) ----

TEST(Totp, Rfc6238Sha1Vectors) {
  const std::string text = "12345678901234567890";
  const Bytes secret(text.begin(), text.end());
  // Appendix B, SHA1, 8 digits.
  EXPECT_EQ(TotpCode(secret, 59 / 30, 8), "94287082");
  EXPECT_EQ(TotpCode(secret, 1111111109 / 30, 8), "07081804");
  EXPECT_EQ(TotpCode(secret, 1234567890 / 30, 8), "89005924");
  EXPECT_EQ(TotpCode(secret, 20000000000LL / 30, 8), "65353130");
  // Six digits are the last six.
  EXPECT_EQ(TotpCode(secret, 1111111109 / 30), "081804");
}

TEST(Totp, MatchesNearbyStepsOnceEach) {
  const std::string text = "12345678901234567890";
  const Bytes secret(text.begin(), text.end());
  const TimePoint now = FromUnixMillis(1111111109LL * 1000);
  const std::int64_t step = TotpStep(now);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step), now, 0), step);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 1), now, 0), step - 1);  // clock skew
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 1), now, 0), step + 1);
  EXPECT_FALSE(MatchTotp(secret, TotpCode(secret, step - 2), now, 0));
  // Replay: a step already used (or an earlier one) is refused.
  EXPECT_FALSE(MatchTotp(secret, TotpCode(secret, step), now, step));
  EXPECT_FALSE(MatchTotp(secret, "12345", now, 0));
  EXPECT_FALSE(MatchTotp(secret, "abcdef", now, 0));
}

TEST(Totp, UriAndRecoveryCodes) {
  const Bytes secret(20, 0xA5);
  const std::string uri = OtpauthUri("Signet", "ana@example.com", secret);
  EXPECT_EQ(uri.rfind("otpauth://totp/Signet:ana@example.com?secret=", 0), 0u) << uri;
  EXPECT_NE(uri.find("&issuer=Signet&algorithm=SHA1&digits=6&period=30"), std::string::npos);
  EXPECT_EQ(Base32Decode(uri.substr(uri.find("secret=") + 7, 32)).value(), secret);
  auto codes = NewRecoveryCodes(10);
  ASSERT_TRUE(codes);
  ASSERT_EQ(codes->size(), 10u);
  std::set<std::string> distinct;
  for (const auto& c : *codes) {
    const std::string text(c.string_view());
    EXPECT_EQ(text.size(), 11u);
    EXPECT_EQ(text[5], '-');
    distinct.insert(text);
  }
  EXPECT_EQ(distinct.size(), 10u);
  const std::string first((*codes)[0].string_view());
  std::string upper = first;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(RecoveryCodeHash(first), RecoveryCodeHash(upper));
  EXPECT_EQ(RecoveryCodeHash(first), RecoveryCodeHash(first.substr(0, 5) + first.substr(6)));
}

TEST(BrowserSession, CsrfTokenIsHmacOfTheSessionToken) {
  // Known answer, cross-checked with
  // printf 'signet console csrf v1' | openssl dgst -sha256 -hmac 'sgt_0123'
  EXPECT_EQ(CsrfTokenFor("sgt_0123"),
            "b5e8142f54be820b8bce2dc773f8ff61fdc53253edddb0a6d2c53c89eafc6a20");
  // Each session has its own.
  EXPECT_NE(CsrfTokenFor("sgt_0123"), CsrfTokenFor("sgt_0124"));
}

TEST(BrowserSession, CsrfTokenMatchesOnlyItsSession) {
  auto token = NewAccessToken();
  ASSERT_TRUE(token);
  const std::string session(token->string_view());
  const std::string csrf = CsrfTokenFor(session);
  EXPECT_TRUE(CsrfTokenMatches(session, csrf));
  EXPECT_FALSE(CsrfTokenMatches(session, ""));
  EXPECT_FALSE(CsrfTokenMatches(session, csrf.substr(0, 63)));
  EXPECT_FALSE(CsrfTokenMatches(session, csrf + "0"));
  std::string flipped = csrf;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(CsrfTokenMatches(session, flipped));
  // Another session's token, and the session token itself, are not accepted.
  EXPECT_FALSE(CsrfTokenMatches(session, CsrfTokenFor(session + "x")));
  EXPECT_FALSE(CsrfTokenMatches(session, session));
  // No session: nothing matches, not even the token of the empty string.
  EXPECT_FALSE(CsrfTokenMatches("", CsrfTokenFor("")));
}

}  // namespace
}  // namespace signet::auth
