// The backend-neutral pieces of store/: text encodings and the entity enum names.

#include "store/text_codec.h"

#include <gtest/gtest.h>

#include "domain/entities.h"
#include "unit/store/store_test_util.h"

namespace signet::store::testing {
namespace {

TEST(TextCodec, StringListsRoundTrip) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {""},
      {"codeSigning", "timeStamping"},
      {"quote \" backslash \\ slash /", "tab\tnewline\ncr\r", std::string("nul\0x", 5), "\x01\x1f",
       "caf\xc3\xa9 \xf0\x9f\x94\x91"},
  };
  for (const auto& items : cases) {
    const std::string text = EncodeStringList(items);
    ASSERT_OK_AND_ASSIGN(auto back, DecodeStringList(text));
    EXPECT_EQ(back, items) << text;
  }
  EXPECT_EQ(EncodeStringList({"a", "b\"c"}), R"(["a","b\"c"])");
}

TEST(TextCodec, DecodesEscapesWrittenByOthers) {
  ASSERT_OK_AND_ASSIGN(auto v, DecodeStringList(R"( [ "\u00e9\ud83d\udd11" , "\/\b\f" ] )"));
  EXPECT_EQ(v, (std::vector<std::string>{"\xc3\xa9\xf0\x9f\x94\x91", "/\b\f"}));
}

TEST(TextCodec, RejectsMalformedText) {
  for (const char* bad : {"", "[", "[\"a\"", "[\"a\",]", "[1]", "{}", "[\"a\"] x", "[\"\\x\"]",
                          "[\"\\ud83d\"]", "[\"\\u12\"]", "nul"}) {
    SCOPED_TRACE(bad);
    EXPECT_ERROR(DecodeStringList(bad), ErrorCode::kInternal);
  }
  EXPECT_ERROR(DecodePolicySteps(R"([{"name":"a","requiredApprovals":"1","approverUserIds":[]}])"),
               ErrorCode::kInternal);
  EXPECT_ERROR(DecodePolicySteps(R"([{"name":"a","approverUserIds":[]}])"), ErrorCode::kInternal);
  std::string deep(100, '[');
  EXPECT_ERROR(DecodeStringList(deep), ErrorCode::kInternal);
}

// The encodings are persistent: rows written by earlier versions must read back.
TEST(TextCodec, KnownAnswers) {
  domain::SigningPolicy p;
  p.id = "p1";
  p.project_id = "pr\\";
  p.name = "n\n\x01";
  p.steps = {{"s", 2, {"u1", "u2"}}};
  p.max_signings = 3;
  p.max_request_ttl = Millis(60000);
  p.created_at = FromUnixMillis(-1);
  p.updated_at = FromUnixMillis(1767225600000);
  const std::string text =
      R"({"id":"p1","projectId":"pr\\","name":"n\n\u0001",)"
      R"("steps":[{"name":"s","requiredApprovals":2,"approverUserIds":["u1","u2"]}],)"
      R"("maxWindowDurationMs":null,"maxSignings":3,"maxRequestTtlMs":60000,)"
      R"("bypassForMachineIdentities":false,"createdAt":-1,"updatedAt":1767225600000})";
  // Written before notifyApprovers existed: reads back with notifications on.
  ASSERT_OK_AND_ASSIGN(auto back, DecodePolicy(text));
  EXPECT_EQ(back, p);
  const std::string now_text =
      R"({"id":"p1","projectId":"pr\\","name":"n\n\u0001",)"
      R"("steps":[{"name":"s","requiredApprovals":2,"approverUserIds":["u1","u2"],)"
      R"("notifyApprovers":true}],)"
      R"("maxWindowDurationMs":null,"maxSignings":3,"maxRequestTtlMs":60000,)"
      R"("bypassForMachineIdentities":false,"createdAt":-1,"updatedAt":1767225600000})";
  EXPECT_EQ(EncodePolicy(p), now_text);
  ASSERT_OK_AND_ASSIGN(back, DecodePolicy(now_text));
  EXPECT_EQ(back, p);
  p.steps[0].notify_approvers = false;
  ASSERT_OK_AND_ASSIGN(back, DecodePolicy(EncodePolicy(p)));
  EXPECT_EQ(back, p);
  p.steps[0].notify_approvers = true;
  // Any key order and white space; keys of other versions are skipped.
  ASSERT_OK_AND_ASSIGN(
      auto steps,
      DecodePolicySteps(R"( [ { "approverUserIds" : [ ] , "later" : {"a":[1,null,true,"x"]},)"
                        R"( "requiredApprovals" : 1 , "name" : "s" } ] )"));
  EXPECT_EQ(steps, (std::vector<domain::PolicyStep>{{"s", 1, {}}}));
  EXPECT_ERROR(DecodePolicySteps(R"([{"name":"s","requiredApprovals":1,"approverUserIds":[],)"
                                 R"("x":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}])"),
               ErrorCode::kInternal);
}

TEST(TextCodec, PolicyRoundTrips) {
  domain::SigningPolicy p = MakePolicy("project", "two \"person\" rule");
  ASSERT_OK_AND_ASSIGN(auto back, DecodePolicy(EncodePolicy(p)));
  EXPECT_EQ(back, p);
  p.max_signings.reset();
  p.max_window_duration.reset();
  p.steps.clear();
  p.bypass_for_machine_identities = false;
  p.created_at = FromUnixMillis(-5);
  ASSERT_OK_AND_ASSIGN(back, DecodePolicy(EncodePolicy(p)));
  EXPECT_EQ(back, p);
  ASSERT_OK_AND_ASSIGN(auto steps,
                       DecodePolicySteps(EncodePolicySteps(MakePolicy("x", "y").steps)));
  EXPECT_EQ(steps.size(), 2u);
}

template <class E>
void ExpectNamesRoundTrip(std::initializer_list<E> values, std::string_view (*name)(E),
                          Result<E> (*parse)(std::string_view)) {
  std::set<std::string_view> seen;
  for (E v : values) {
    const std::string_view n = name(v);
    EXPECT_TRUE(seen.insert(n).second) << n;
    auto parsed = parse(n);
    ASSERT_TRUE(parsed.has_value()) << n;
    EXPECT_EQ(*parsed, v);
  }
  auto bad = parse("Admin ");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("is not one of"), std::string::npos);
  EXPECT_NE(bad.error().message.find(std::string(name(*values.begin()))), std::string::npos);
}

TEST(Entities, EnumNamesRoundTrip) {
  using namespace domain;
  ExpectNamesRoundTrip({OrgRole::kAdmin, OrgRole::kMember}, OrgRoleName, ParseOrgRole);
  ExpectNamesRoundTrip({PrincipalType::kUser, PrincipalType::kIdentity}, PrincipalTypeName,
                       ParsePrincipalType);
  ExpectNamesRoundTrip({ProjectRole::kAdmin, ProjectRole::kMember}, ProjectRoleName,
                       ParseProjectRole);
  ExpectNamesRoundTrip({CaStatus::kActive, CaStatus::kDisabled}, CaStatusName, ParseCaStatus);
  ExpectNamesRoundTrip(
      {CertificateStatus::kPending, CertificateStatus::kActive, CertificateStatus::kRevoked},
      CertificateStatusName, ParseCertificateStatus);
  ExpectNamesRoundTrip({SignerStatus::kActive, SignerStatus::kDisabled}, SignerStatusName,
                       ParseSignerStatus);
  ExpectNamesRoundTrip({SignerRole::kAdmin, SignerRole::kOperator, SignerRole::kAuditor},
                       SignerRoleName, ParseSignerRole);
  ExpectNamesRoundTrip({RequestStatus::kPending, RequestStatus::kApproved, RequestStatus::kRejected,
                        RequestStatus::kCancelled, RequestStatus::kExpired},
                       RequestStatusName, ParseRequestStatus);
  ExpectNamesRoundTrip({ApprovalDecision::kApproved, ApprovalDecision::kRejected},
                       ApprovalDecisionName, ParseApprovalDecision);
  ExpectNamesRoundTrip({GrantStatus::kActive, GrantStatus::kExpired, GrantStatus::kRevoked},
                       GrantStatusName, ParseGrantStatus);
  ExpectNamesRoundTrip(
      {OperationStatus::kSuccess, OperationStatus::kFailed, OperationStatus::kDenied},
      OperationStatusName, ParseOperationStatus);
  EXPECT_EQ(SignerRoleName(SignerRole::kOperator), "operator");
  EXPECT_EQ(RequestStatusName(RequestStatus::kCancelled), "cancelled");
  EXPECT_EQ(ParseOrgRole("owner").error().message, "role 'owner' is not one of admin, member");
}

TEST(Entities, ScopeEmpty) {
  domain::SigningScope scope;
  EXPECT_TRUE(scope.Empty());
  scope.ip_address = "10.0.0.1";
  EXPECT_FALSE(scope.Empty());
}

}  // namespace
}  // namespace signet::store::testing
