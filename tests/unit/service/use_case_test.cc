// Use cases of service::Service on a temporary SQLite database with a fake clock: the parts of
// issue 12's findings that an HTTP test cannot see (what runs while the write lock is held,
// what is hashed, what is cached).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "keystore/keystore.h"
#include "unit/service/use_case_fixture.h"

namespace signet::service {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::kUserPassword;
using testing::Secret;
using testing::UseCaseTest;

// Finding 2: argon2id ran while the database's write lock was held, so password guessing
// stalled every writer (and every sign record). The check must complete while someone
// else holds the write lock.
TEST_F(UseCaseTest, PasswordChecksDoNotWaitForTheWriteLock) {
  NewUser("bob@example.com");
  const auto checks_before = authenticator_->password_operations();
  ASSERT_OK_AND_ASSIGN(auto held, store_->BeginWrite());
  auto login = std::async(std::launch::async, [&] {
    return svc_->Login("bob@example.com", Secret("wrong password 1"), "10.0.0.1");
  });
  EXPECT_TRUE(Eventually([&] { return authenticator_->password_operations() > checks_before; }))
      << "the password was not checked while another transaction held the write lock";
  held.reset();  // the failure's audit event may now be written
  auto result = login.get();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(AuditTypes().front(), "auth.login.failure");
}

// Finding 2: key generation for certificates and CAs held the write lock too.
TEST_F(UseCaseTest, KeyGenerationDoesNotWaitForTheWriteLock) {
  ASSERT_OK_AND_ASSIGN(auto ca,
                       svc_->CreateCa(admin_, CreateCaInput{std::nullopt, "Test CA",
                                                            domain::KeyAlgorithm::kEcP256, 30}));
  const auto created_before = keys_->keys_created();
  ASSERT_OK_AND_ASSIGN(auto held, store_->BeginWrite());
  auto issue = std::async(std::launch::async, [&] {
    IssueCertificateInput in;
    in.ca_id = ca.id;
    in.common_name = "release";
    in.key_algorithm = domain::KeyAlgorithm::kRsa2048;
    in.ttl_days = 10;
    in.extended_key_usages = {"codeSigning"};
    return svc_->IssueCertificate(admin_, in);
  });
  EXPECT_TRUE(Eventually([&] { return keys_->keys_created() > created_before; }))
      << "the key was not generated while another transaction held the write lock";
  held.reset();
  auto cert = issue.get();
  ASSERT_TRUE(cert.has_value()) << cert.error().message;
  EXPECT_EQ(cert->status, domain::CertificateStatus::kActive);
  // The key is usable once stored, though it was never cached at creation.
  EXPECT_TRUE(keys_->Get(cert->key_id).has_value());
}

// Finding 8: bootstrap hashed the password before checking that users exist.
TEST_F(UseCaseTest, BootstrapAfterTheFirstHashesNothing) {
  const auto before = authenticator_->password_operations();
  auto again = svc_->Bootstrap("other@example.com", Secret(std::string(256, 'p')), "10.0.0.1");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(authenticator_->password_operations(), before);
}

// Finding 3: no lockout; the right password still worked after 200 guesses.
TEST_F(UseCaseTest, RepeatedFailuresLockTheAccountEvenForTheRightPassword) {
  NewUser("carol@example.com");
  int refused_quickly = 0;
  for (int i = 0; i < 10; ++i) {
    // Growing delays after five failures: wait them out with the fake clock.
    auto r =
        svc_->Login("carol@example.com", Secret("guess number " + std::to_string(i)), "10.0.0.2");
    ASSERT_FALSE(r.has_value());
    if (r.error().code == ErrorCode::kResourceExhausted) {
      ++refused_quickly;
      clock_.Advance(Millis(r.error().retry_after_seconds * 1000));
      --i;
      continue;
    }
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
  EXPECT_GT(refused_quickly, 0) << "no delay between failures 6 and 10";
  const auto checks = authenticator_->password_operations();
  auto locked = svc_->Login("carol@example.com", Secret(kUserPassword), "10.0.0.2");
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code, ErrorCode::kResourceExhausted);
  EXPECT_GE(locked.error().retry_after_seconds, 14 * 60);
  EXPECT_EQ(authenticator_->password_operations(), checks)
      << "a locked account's password was checked";
  // The same answer for an account that does not exist.
  for (int i = 0; i < 10; ++i) {
    auto r = svc_->Login("nobody@example.com", Secret("guess"), "10.0.0.3");
    if (!r && r.error().code == ErrorCode::kResourceExhausted && i < 9) {
      clock_.Advance(Millis(r.error().retry_after_seconds * 1000));
    }
  }
  auto ghost = svc_->Login("nobody@example.com", Secret("guess"), "10.0.0.3");
  ASSERT_FALSE(ghost.has_value());
  EXPECT_EQ(ghost.error().code, ErrorCode::kResourceExhausted);
  // The lockout ends; the right password works and clears the count.
  clock_.Advance(15min);
  EXPECT_TRUE(svc_->Login("carol@example.com", Secret(kUserPassword), "10.0.0.2").has_value());
  // The failure that started the lockout is on record.
  bool lockout_recorded = false;
  auto tx = store_->BeginRead();
  auto events = (*tx)->ListAuditEvents(store::AuditFilter{std::nullopt, "auth.login.failure"}, {});
  for (const auto& e : events->items) {
    lockout_recorded =
        lockout_recorded || e.details_json.find("accountLockedFor") != std::string::npos;
  }
  EXPECT_TRUE(lockout_recorded);
}

// Finding 16: changing one's own password did not ask for the current one.
TEST_F(UseCaseTest, ChangingOnesOwnPasswordNeedsTheCurrentOne) {
  auto dave = NewUser("dave@example.com");
  UpdateUserInput missing;
  missing.password = Secret("brand new password 1");
  auto r = svc_->UpdateUser(As(dave), dave.id, missing);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);

  UpdateUserInput wrong = missing;
  wrong.current_password = Secret("not my password");
  r = svc_->UpdateUser(As(dave), dave.id, wrong);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);

  UpdateUserInput right = missing;
  right.current_password = Secret(kUserPassword);
  EXPECT_TRUE(svc_->UpdateUser(As(dave), dave.id, right).has_value());
  EXPECT_TRUE(
      svc_->Login("dave@example.com", Secret("brand new password 1"), "10.0.0.4").has_value());
  // An org admin resetting someone else's password needs none.
  UpdateUserInput reset;
  reset.password = Secret("reset by admin 123");
  EXPECT_TRUE(svc_->UpdateUser(admin_, dave.id, reset).has_value());
}

// Finding 11: keys generated in a transaction that rolled back stayed in the key cache.
TEST_F(UseCaseTest, AKeyOfARolledBackTransactionIsNeitherCachedNorStored) {
  const std::size_t cached = keys_->cached_keys();
  ASSERT_OK_AND_ASSIGN(keystore::NewKey key, keys_->Create(domain::KeyAlgorithm::kEcP256));
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->BeginWrite());
    ASSERT_TRUE(keys_->Persist(*tx, key));
  }  // rolled back
  EXPECT_EQ(keys_->cached_keys(), cached);
  auto gone = keys_->Get(key.stored.key_id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

// Finding 6: a user removed from a project kept their signer roles in it.
TEST_F(UseCaseTest, LeavingAProjectEndsItsSignerRoles) {
  auto erin = NewUser("erin@example.com");
  ASSERT_OK_AND_ASSIGN(auto project, [&]() -> Result<domain::Project> {
    auto tx = store_->BeginRead();
    return (*tx)->GetProjectBySlug("default");
  }());
  ASSERT_OK_AND_ASSIGN(
      auto membership,
      svc_->AddProjectMember(admin_, project.id, MembershipInput{erin.id, std::nullopt, "member"}));
  ASSERT_OK_AND_ASSIGN(
      auto ca,
      svc_->CreateCa(admin_, CreateCaInput{std::nullopt, "CA", domain::KeyAlgorithm::kEcP256, 30}));
  IssueCertificateInput in;
  in.ca_id = ca.id;
  in.common_name = "release";
  in.ttl_days = 10;
  in.extended_key_usages = {"codeSigning"};
  ASSERT_OK_AND_ASSIGN(auto cert, svc_->IssueCertificate(admin_, in));
  ASSERT_OK_AND_ASSIGN(auto signer,
                       svc_->CreateSigner(admin_, CreateSignerInput{std::nullopt, "release", "",
                                                                    cert.id, std::nullopt}));
  ASSERT_TRUE(
      svc_->AddSignerMember(admin_, signer.id, MembershipInput{erin.id, std::nullopt, "admin"}));
  ASSERT_TRUE(svc_->GetSigner(As(erin), signer.id).has_value());

  ASSERT_TRUE(svc_->RemoveProjectMember(admin_, project.id, membership.id));
  auto read = svc_->GetSigner(As(erin), signer.id);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto members, svc_->ListSignerMembers(admin_, signer.id, Paging{}));
  for (const auto& m : members.items) EXPECT_NE(m.principal_id, erin.id);
  // Nor can she manage it any more.
  auto add = svc_->AddSignerMember(As(erin), signer.id,
                                   MembershipInput{erin.id, std::nullopt, "operator"});
  ASSERT_FALSE(add.has_value());
  EXPECT_EQ(add.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace signet::service
