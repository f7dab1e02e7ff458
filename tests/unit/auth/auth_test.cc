#include <gtest/gtest.h>

#include <set>

#include "auth/password.h"
#include "auth/tokens.h"

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

}  // namespace
}  // namespace signet::auth
