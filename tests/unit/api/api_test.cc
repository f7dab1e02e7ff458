#include <gtest/gtest.h>

#include "api/encode.h"
#include "api/error.h"
#include "api/json.h"

namespace signet::api {
namespace {

TEST(ErrorBody, HasTheFourFieldsOfSpec) {
  auto v =
      ParseJson(ErrorBody(Error{ErrorCode::kApprovalRequired, "Signing requires approval."}, "r1"));
  ASSERT_TRUE(v);
  const auto& o = v->as_object();
  EXPECT_EQ(o.at("statusCode").as_int64(), 403);
  EXPECT_EQ(o.at("error").as_string(), "ApprovalRequired");
  EXPECT_EQ(o.at("message").as_string(), "Signing requires approval.");
  EXPECT_EQ(o.at("reqId").as_string(), "r1");
}

TEST(ErrorMapping, StatusesAndNames) {
  EXPECT_EQ(HttpStatus(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(ErrorName(ErrorCode::kInvalidArgument), "BadRequest");
  EXPECT_EQ(HttpStatus(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(ErrorName(ErrorCode::kUnauthenticated), "Unauthorized");
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(ErrorName(ErrorCode::kAlreadyExists), "Conflict");
  EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(CodeFromHttp(403, "ApprovalRequired"), ErrorCode::kApprovalRequired);
  EXPECT_EQ(CodeFromHttp(403, "PermissionDenied"), ErrorCode::kPermissionDenied);
  EXPECT_EQ(CodeFromHttp(503, ""), ErrorCode::kUnavailable);
}

TEST(ParseObject, RejectsNonObjectsAndMalformed) {
  EXPECT_TRUE(ParseObject(""));
  EXPECT_TRUE(ParseObject(" {\"a\":1} "));
  EXPECT_EQ(ParseObject("[1]").error().message, "request body must be a JSON object");
  auto bad = ParseObject("{\"a\":");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("malformed JSON"), std::string::npos);
}

TEST(Fields, TypeAndRangeErrorsNameTheField) {
  auto o = *ParseObject(R"({"name":7,"n":101,"b":"yes","s":"héllo","list":["a",1]})");
  Fields f(o);
  EXPECT_EQ(f.String("name", 10).error().message, "name must be a string");
  EXPECT_EQ(f.String("missing", 10).error().message, "missing is required");
  EXPECT_EQ(f.Int("n", 1, 100).error().message, "n is 101; the maximum is 100");
  EXPECT_EQ(f.Bool("b", false).error().message, "b must be true or false");
  EXPECT_EQ(*f.String("s", 5), "héllo");  // five characters, six bytes
  EXPECT_EQ(f.String("s", 4).error().message, "s is 5 characters; the maximum is 4");
  EXPECT_EQ(f.OptStringArray("list", 5, 5).error().message, "list must be an array of strings");
  EXPECT_FALSE(*f.OptString("absent", 3));
  EXPECT_TRUE(*f.Bool("absent", true));
}

TEST(Fields, FinishRefusesTheFirstFieldNoAccessorRead) {
  auto o = *ParseObject(R"({"name":"a","approvalPolicyID":"x","other":1})");
  Fields f(o);
  ASSERT_TRUE(f.String("name", 10));
  auto done = f.Finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(done.error().message, "unknown field 'approvalPolicyID'");
}

TEST(Fields, FinishSuggestsTheFieldThatDiffersOnlyInCase) {
  auto o = *ParseObject(R"({"approvalPolicyID":"x"})");
  Fields f(o);
  ASSERT_TRUE(f.OptString("approvalPolicyId", 64));
  EXPECT_EQ(f.Finish().error().message,
            "unknown field 'approvalPolicyID' (did you mean 'approvalPolicyId'?)");
}

TEST(Fields, FinishPassesWhenEveryFieldWasRead) {
  auto o = *ParseObject(R"({"a":"x","b":null,"c":true})");
  Fields f(o);
  ASSERT_TRUE(f.OptString("a", 5));
  EXPECT_TRUE(f.IsNull("b"));
  EXPECT_FALSE(f.IsNull("a"));
  EXPECT_FALSE(f.Finish());  // c not read yet
  ASSERT_TRUE(f.OptBool("c"));
  EXPECT_TRUE(f.Finish());
  EXPECT_TRUE(Fields(*ParseObject("{}")).Finish());
}

TEST(Fields, AFieldReadWithTheWrongTypeIsNamedWithItsType) {
  auto o = *ParseObject(R"({"n":"7","o":[1],"a":{},"s":["x"]})");
  Fields f(o);
  EXPECT_EQ(f.OptInt("n", 0, 10).error().message, "n must be an integer");
  EXPECT_EQ(f.OptObject("o").error().message, "o must be an object");
  EXPECT_EQ(f.OptArray("a").error().message, "a must be an array");
  EXPECT_EQ(f.OptString("s", 5).error().message, "s must be a string");
}

// Found by tests/fuzz/json_fields_fuzz (corpus/json_fields/int-out-of-range): a number beyond
// int64 arrives as a double, and casting it to int64 was undefined behaviour (UBSan aborts
// `make asan-test` without the fix).
TEST(Fields, IntegersBeyondInt64AreRefusedWithoutOverflow) {
  auto o = *ParseObject(
      R"({"big":1e85,"neg":-1e19,"two63":9223372036854775808.0,"u":18446744073709551615,)"
      R"("min":-9223372036854775808.0,"whole":1e3,"frac":2.5})");
  Fields f(o);
  EXPECT_EQ(f.OptInt("big", 0, 10).error().message, "big must be an integer");
  EXPECT_EQ(f.OptInt("neg", -10, 10).error().message, "neg must be an integer");
  EXPECT_EQ(f.OptInt("two63", 0, 10).error().message, "two63 must be an integer");
  EXPECT_EQ(f.OptInt("u", 0, 10).error().message, "u must be an integer");
  EXPECT_EQ(f.OptInt("frac", 0, 10).error().message, "frac must be an integer");
  EXPECT_EQ(**f.OptInt("min", INT64_MIN, 0), INT64_MIN);
  EXPECT_EQ(**f.OptInt("whole", 0, 1000), 1000);
  EXPECT_EQ(f.OptInt("whole", 0, 999).error().message, "whole is 1000; the maximum is 999");
}

TEST(Fields, RequiredFieldSentInAnotherCaseSaysSo) {
  auto o = *ParseObject(R"({"Name":"a"})");
  EXPECT_EQ(Fields(o).String("name", 10).error().message,
            "name is required (the body has 'Name'; field names are case-sensitive)");
}

TEST(Fields, NestedObjectsAreStrictWithTheirPathInMessages) {
  auto o = *ParseObject(R"({"clientMetadata":{"tool":"t","hostName":"h"}})");
  Fields f(o);
  auto meta = f.OptNested("clientMetadata");
  ASSERT_TRUE(meta);
  ASSERT_TRUE(meta->has_value());
  ASSERT_TRUE((*meta)->OptString("tool", 5));
  ASSERT_TRUE((*meta)->OptString("hostname", 5));
  EXPECT_EQ((*meta)->Finish().error().message,
            "unknown field 'clientMetadata.hostName' (did you mean 'clientMetadata.hostname'?)");
  EXPECT_TRUE(f.Finish());  // the parent read clientMetadata
  auto wrong = *ParseObject(R"({"clientMetadata":"x"})");
  EXPECT_EQ(Fields(wrong).OptNested("clientMetadata").error().message,
            "clientMetadata must be an object");
  EXPECT_FALSE(*Fields(*ParseObject(R"({"clientMetadata":null})")).OptNested("clientMetadata"));
}

TEST(Fields, RefuseNamesTheUnsupportedFieldAndWhatToDoInstead) {
  auto o = *ParseObject(R"({"members":[],"x":null})");
  Fields f(o);
  auto refused = f.Refuse("members", "add members with POST /members");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "'members' is not supported; add members with POST /members");
  EXPECT_FALSE(f.Refuse("x", "even null is refused"));
  EXPECT_TRUE(f.Refuse("absent", "not present"));
  EXPECT_TRUE(f.Finish());
}

TEST(Fields, NullableAliasedFieldsAgreeOrFail) {
  auto read = [](const char* json) {
    auto o = *ParseObject(json);
    Fields f(o);
    auto r = f.OptNullableAliased("signingPolicyId", "approvalPolicyId", 64);
    EXPECT_TRUE(!r || f.Finish());
    return r;
  };
  EXPECT_FALSE(*read("{}"));
  EXPECT_EQ(**read(R"({"approvalPolicyId":"p"})"), std::optional<std::string>("p"));
  EXPECT_EQ(**read(R"({"signingPolicyId":"p"})"), std::optional<std::string>("p"));
  EXPECT_EQ(**read(R"({"signingPolicyId":"p","approvalPolicyId":"p"})"),
            std::optional<std::string>("p"));
  EXPECT_EQ(**read(R"({"approvalPolicyId":null})"), std::optional<std::string>());
  EXPECT_EQ(read(R"({"signingPolicyId":"p","approvalPolicyId":"q"})").error().message,
            "signingPolicyId and approvalPolicyId are two names of the same field; give one, or "
            "the same value in both");
  EXPECT_FALSE(read(R"({"signingPolicyId":"p","approvalPolicyId":null})"));
  EXPECT_EQ(read(R"({"approvalPolicyId":7})").error().message, "approvalPolicyId must be a string");
}

TEST(Fields, UnknownNamesAreQuotedWithoutControlCharacters) {
  auto o = *ParseObject("{\"a\\u0007b\":1}");
  EXPECT_EQ(Fields(o).Finish().error().message, "unknown field 'ab'");
}

TEST(NoFields, AcceptsEmptyBodiesOnly) {
  EXPECT_TRUE(NoFields(""));
  EXPECT_TRUE(NoFields("{}"));
  EXPECT_EQ(NoFields(R"({"force":true})").error().message, "unknown field 'force'");
  EXPECT_FALSE(NoFields("[]"));
  EXPECT_FALSE(NoFields("{"));
}

TEST(CheckText, RejectsInvalidUtf8AndControls) {
  EXPECT_FALSE(CheckText("\xff", "f", 10));
  EXPECT_FALSE(CheckText("a\x01", "f", 10));
  EXPECT_TRUE(CheckText("tab\tok", "f", 10));
}

TEST(Encode, NoSecretsInUsers) {
  domain::User u;
  u.id = "id";
  u.email = "a@b.c";
  u.password_hash = "$argon2id$secret";
  const std::string text = Serialize(EncodeUser(u));
  EXPECT_EQ(text.find("argon2"), std::string::npos);
  EXPECT_NE(text.find("a@b.c"), std::string::npos);
}

}  // namespace
}  // namespace signet::api
