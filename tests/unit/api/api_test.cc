#include <gtest/gtest.h>

#include "api/encode.h"
#include "api/error.h"
#include "api/json.h"

namespace signet::api {
namespace {

TEST(ErrorBody, HasTheFourFieldsOfSpec) {
  auto v = ParseJson(ErrorBody(Error{ErrorCode::kApprovalRequired, "Signing requires approval."}, "r1"));
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
