// A browser session is an access token: its expiry and its revocation end it on the server,
// whatever the browser still holds (auth/browser_session.h).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "auth/authenticator.h"
#include "auth/tokens.h"
#include "common/clock.h"
#include "store/sqlite_store.h"

namespace signet::auth {
namespace {

using namespace std::chrono_literals;

class SessionExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/signet-auth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqlite(dir_ + "/signet.db");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto tx = store_->BeginWrite();
    ASSERT_TRUE(tx);
    user_.id = "0190f2c4-0000-7000-8000-000000000001";
    user_.email = "alice@example.test";
    user_.password_hash = "$argon2id$unused";
    user_.created_at = user_.updated_at = clock_.Now();
    ASSERT_TRUE((*tx)->InsertUser(user_));
    ASSERT_TRUE((*tx)->Commit());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Issue(Authenticator& auth, Millis ttl) {
    auto tx = store_->BeginWrite();
    EXPECT_TRUE(tx);
    auto token = auth.IssueToken(**tx, {domain::PrincipalType::kUser, user_.id, user_.email}, ttl);
    EXPECT_TRUE(token) << token.error().message;
    EXPECT_TRUE((*tx)->Commit());
    return std::string(token->token.string_view());
  }

  FakeClock clock_{TimePoint(Millis(1'800'000'000'000LL))};
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  domain::User user_;
};

TEST_F(SessionExpiryTest, ExpiredSessionIsRefusedEvenWhileCached) {
  AuthOptions options;
  options.cache_ttl = 1h;  // a long cache must not outlive the token
  Authenticator auth(*store_, clock_, options);
  const std::string token = Issue(auth, 8h);
  auto who = auth.Authenticate(token);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->id, user_.id);
  clock_.Advance(8h - 1ms);
  EXPECT_TRUE(auth.Authenticate(token));
  clock_.Advance(1ms);
  auto expired = auth.Authenticate(token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(SessionExpiryTest, RevokedSessionIsRefused) {
  Authenticator auth(*store_, clock_);
  const std::string token = Issue(auth, 8h);
  ASSERT_TRUE(auth.Authenticate(token));
  auto tx = store_->BeginWrite();
  ASSERT_TRUE(tx);
  ASSERT_TRUE((*tx)->RevokeAccessToken(HashToken(token)));
  ASSERT_TRUE((*tx)->Commit());
  auth.Forget(HashToken(token));  // what Service::Logout does after the commit
  auto revoked = auth.Authenticate(token);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace signet::auth
