#pragma once
// The fixture of the use-case tests: a service::Service on a temporary SQLite database, with a
// fake clock (advanced by the tests, never slept on), the bootstrap admin, and helpers to make
// users, a signer and sign attempts, and to read back what was recorded.

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "keystore/keystore.h"
#include "service/service.h"
#include "support/command.h"
#include "support/service_stack.h"
#include "support/status.h"
#include "support/temp_dir.h"

namespace signet::service::testing {

using namespace std::chrono_literals;

inline constexpr char kAdminEmail[] = "admin@example.com";
inline constexpr char kAdminPassword[] = "admin password 123";
inline constexpr char kUserPassword[] = "member password 123";

inline SecretBytes Secret(std::string_view s) { return SecretBytes::FromString(std::string(s)); }

// Waits (up to `limit`) until `done` holds; false when it never did.
template <class Pred>
bool Eventually(Pred done, std::chrono::milliseconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

class UseCaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::AuthOptions options;
    options.throttle.lockout = 15min;
    auto stack = testutil::BuildServiceStack(dir_.File("signet.db"), clock_, options);
    ASSERT_TRUE(stack.has_value()) << stack.error().message;
    stack_ = std::move(*stack);
    store_ = stack_.store.get();
    keys_ = stack_.keys.get();
    authenticator_ = stack_.authenticator.get();
    svc_ = stack_.service.get();
    ASSERT_TRUE(svc_->EnsureDefaultProject());
    auto boot = svc_->Bootstrap(kAdminEmail, Secret(kAdminPassword), "127.0.0.1");
    ASSERT_TRUE(boot.has_value()) << boot.error().message;
    admin_ = Caller{domain::Principal{domain::PrincipalType::kUser, boot->user->id, kAdminEmail,
                                      domain::OrgRole::kAdmin},
                    "127.0.0.1", "req"};
  }

  domain::User NewUser(const std::string& email) {
    CreateUserInput in;
    in.email = email;
    in.password = Secret(kUserPassword);
    auto u = svc_->CreateUser(admin_, std::move(in));
    if (!u) ADD_FAILURE() << u.error().message;
    return u.value_or(domain::User{});
  }

  Caller As(const domain::User& u, std::string source_ip = "10.0.0.9") {
    return Caller{domain::Principal{domain::PrincipalType::kUser, u.id, u.email, u.org_role},
                  std::move(source_ip), "req"};
  }

  domain::Project DefaultProject() {
    auto tx = store_->BeginRead();
    EXPECT_TRUE(tx.has_value());
    auto p = (*tx)->GetProjectBySlug("default");
    if (!p) ADD_FAILURE() << p.error().message;
    return p.value_or(domain::Project{});
  }

  // A user who is a member of the default project (and, given `signer_role`, has that role on
  // `signer_id`).
  domain::User NewMember(const std::string& email, const std::string& signer_id = "",
                         const std::string& signer_role = "") {
    domain::User u = NewUser(email);
    EXPECT_OK(svc_->AddProjectMember(admin_, DefaultProject().id,
                                     MembershipInput{u.id, std::nullopt, "member"}));
    if (!signer_id.empty()) {
      EXPECT_OK(svc_->AddSignerMember(admin_, signer_id,
                                      MembershipInput{u.id, std::nullopt, signer_role}));
    }
    return u;
  }

  // A code-signing certificate of `algorithm` from a fresh CA of the default project, valid
  // for `ttl_days` from the fake clock's now.
  domain::Certificate NewSigningCertificate(
      domain::KeyAlgorithm algorithm = domain::KeyAlgorithm::kEcP256, std::int64_t ttl_days = 30) {
    if (!ca_) {
      CreateCaInput root;
      root.common_name = "Test CA";
      auto ca = svc_->CreateCa(admin_, root);
      if (!ca) ADD_FAILURE() << ca.error().message;
      ca_ = ca.value_or(domain::CertificateAuthority{});
    }
    IssueCertificateInput in;
    in.ca_id = ca_->id;
    in.common_name = "release signing";
    in.key_algorithm = algorithm;
    in.ttl_days = ttl_days;
    in.extended_key_usages = {"codeSigning"};
    auto cert = svc_->IssueCertificate(admin_, in);
    if (!cert) ADD_FAILURE() << cert.error().message;
    return cert.value_or(domain::Certificate{});
  }

  domain::Signer NewSigner(const std::string& name, const std::string& certificate_id,
                           std::optional<std::string> policy_id = std::nullopt) {
    CreateSignerInput in;
    in.name = name;
    in.certificate_id = certificate_id;
    in.signing_policy_id = std::move(policy_id);
    auto s = svc_->CreateSigner(admin_, in);
    if (!s) ADD_FAILURE() << s.error().message;
    return s.value_or(domain::Signer{});
  }

  static SignInput Input(std::string_view data, std::string algorithm = "ECDSA_SHA256") {
    SignInput in;
    in.data_base64 = Base64Encode(AsBytes(data));
    in.signing_algorithm = std::move(algorithm);
    return in;
  }

  // One sign call, waited for (its `done` may run on the committer thread).
  Result<SignResult> SignNow(const Caller& c, const std::string& signer_id, const SignInput& in) {
    std::promise<Result<SignResult>> result;
    svc_->Sign(c, signer_id, in,
               [&result](Result<SignResult> r) { result.set_value(std::move(r)); });
    return result.get_future().get();
  }

  // The operations recorded for `signer_id`, oldest first (in the order they were inserted).
  std::vector<domain::SigningOperation> Operations(const std::string& signer_id) {
    auto tx = store_->BeginRead();
    EXPECT_TRUE(tx.has_value());
    auto page = (*tx)->ListOperations(store::OperationFilter{signer_id, std::nullopt},
                                      store::PageRequest{});
    EXPECT_TRUE(page.has_value());
    std::vector<domain::SigningOperation> out = page ? page->items : decltype(out){};
    std::reverse(out.begin(), out.end());  // the store lists the newest first
    return out;
  }

  // The audit events, newest first; of one type when given.
  std::vector<domain::AuditEvent> AuditEvents(std::optional<std::string> type = std::nullopt) {
    auto tx = store_->BeginRead();
    EXPECT_TRUE(tx.has_value());
    store::AuditFilter filter;
    filter.event_type = std::move(type);
    auto page = (*tx)->ListAuditEvents(filter, store::PageRequest{});
    EXPECT_TRUE(page.has_value());
    return page ? page->items : std::vector<domain::AuditEvent>{};
  }

  std::vector<std::string> AuditTypes() {
    std::vector<std::string> out;
    for (const auto& e : AuditEvents()) out.push_back(e.event_type);
    return out;
  }

  // Verifies `signature` over `data` with the signer's public key, using the openssl command
  // (ECDSA and RSA PKCS#1 v1.5 with SHA-256).
  void ExpectOpensslVerifies(const std::string& signer_id, std::string_view data,
                             const Bytes& signature) {
    auto spki = svc_->SignerPublicKey(admin_, signer_id, nullptr);
    ASSERT_OK(spki);
    testutil::WriteFile(dir_.File("pub.der"), AsString(*spki));
    testutil::WriteFile(dir_.File("data"), data);
    testutil::WriteFile(dir_.File("sig"), AsString(signature));
    auto pem = testutil::RunCommand("openssl pkey -pubin -inform DER -in " + dir_.File("pub.der") +
                                    " -out " + dir_.File("pub.pem"));
    ASSERT_EQ(pem.exit_code, 0) << pem.output;
    auto verify = testutil::RunCommand("openssl dgst -sha256 -verify " + dir_.File("pub.pem") +
                                       " -signature " + dir_.File("sig") + " " + dir_.File("data"));
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
  }

  testutil::TempDir dir_;
  FakeClock clock_{FromUnixMillis(1'767'225'600'000LL)};
  testutil::ServiceStack stack_;
  // Short names for the parts of stack_ the tests use.
  store::Store* store_ = nullptr;
  keystore::KeyStore* keys_ = nullptr;
  auth::Authenticator* authenticator_ = nullptr;
  Service* svc_ = nullptr;
  Caller admin_;
  std::optional<domain::CertificateAuthority> ca_;
};

}  // namespace signet::service::testing
