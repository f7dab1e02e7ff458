#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "keystore/root_key.h"
#include "support/temp_dir.h"

namespace signet::keystore {
namespace {

using testutil::TempDir;

void WriteFile(const std::string& path, std::string_view data, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  ::chmod(path.c_str(), mode);
}

const Bytes kKeyBytes(32, 0x42);

TEST(RootKey, FromBase64) {
  auto key = RootKey::FromBase64(Base64Encode(kKeyBytes) + "\n");
  ASSERT_TRUE(key) << key.error().message;
  auto same = RootKey::FromBytes(kKeyBytes);
  ASSERT_TRUE(same);
  EXPECT_EQ(key->KeyCheckValue(), same->KeyCheckValue());
}

TEST(RootKey, RejectsWrongLengthAndBadBase64) {
  auto short_key = RootKey::FromBase64(Base64Encode(Bytes(16, 1)));
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(short_key.error().message,
            "SIGNET_ROOT_KEY decodes to 16 bytes; the root key must be 32");
  auto long_key = RootKey::FromBase64(Base64Encode(Bytes(33, 1)));
  ASSERT_FALSE(long_key);
  EXPECT_NE(long_key.error().message.find("33 bytes"), std::string::npos);
  auto garbage = RootKey::FromBase64("not*base64!");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message, "SIGNET_ROOT_KEY is not valid base64");
  EXPECT_FALSE(RootKey::FromBase64(""));
  EXPECT_FALSE(RootKey::FromBytes(Bytes(31, 0)));
}

TEST(RootKey, FromEnvironment) {
  ::unsetenv("SIGNET_ROOT_KEY");
  auto missing = RootKey::FromEnvironment();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ::setenv("SIGNET_ROOT_KEY", Base64Encode(kKeyBytes).c_str(), 1);
  auto key = RootKey::FromEnvironment();
  ::unsetenv("SIGNET_ROOT_KEY");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->KeyCheckValue(), RootKey::FromBytes(kKeyBytes)->KeyCheckValue());
}

TEST(RootKey, KeyFileRawAndBase64) {
  TempDir dir;
  const std::string raw = dir.File("raw.key");
  WriteFile(raw, AsString(kKeyBytes), 0600);
  auto from_raw = RootKey::FromFile(raw);
  ASSERT_TRUE(from_raw) << from_raw.error().message;
  const std::string b64 = dir.File("b64.key");
  WriteFile(b64, Base64Encode(kKeyBytes) + "\n", 0400);
  auto from_b64 = RootKey::FromFile(b64);
  ASSERT_TRUE(from_b64) << from_b64.error().message;
  EXPECT_EQ(from_raw->KeyCheckValue(), from_b64->KeyCheckValue());

  const std::string bad = dir.File("bad.key");
  WriteFile(bad, Base64Encode(Bytes(20, 1)), 0600);
  auto wrong_len = RootKey::FromFile(bad);
  ASSERT_FALSE(wrong_len);
  EXPECT_NE(wrong_len.error().message.find("20 bytes"), std::string::npos);
  EXPECT_NE(wrong_len.error().message.find(bad), std::string::npos);

  auto missing = RootKey::FromFile(dir.File("nope.key"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(RootKey, KeyFileReadableByOthersIsRefused) {
  TempDir dir;
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    const std::string path = dir.File("open.key");
    WriteFile(path, Base64Encode(kKeyBytes), mode);
    auto key = RootKey::FromFile(path);
    ASSERT_FALSE(key) << std::oct << mode;
    EXPECT_EQ(key.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(key.error().message.find("group or others"), std::string::npos)
        << key.error().message;
    EXPECT_NE(key.error().message.find("chmod 600"), std::string::npos);
    std::filesystem::remove(path);
  }
}

TEST(RootKey, CreateIfMissingWritesMode0600AndReloads) {
  TempDir dir;
  const std::string path = dir.File("root.key");
  auto created = RootKey::CreateIfMissing(path);
  ASSERT_TRUE(created) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = RootKey::FromFile(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(created->KeyCheckValue(), loaded->KeyCheckValue());
  auto again = RootKey::CreateIfMissing(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->KeyCheckValue(), created->KeyCheckValue());
}

TEST(RootKey, KeyCheckValue) {
  auto a = RootKey::FromBytes(kKeyBytes);
  auto b = RootKey::FromBytes(Bytes(32, 0x43));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->KeyCheckValue().size(), 64u);
  EXPECT_TRUE(a->VerifyKeyCheckValue(a->KeyCheckValue()));
  auto mismatch = b->VerifyKeyCheckValue(a->KeyCheckValue());
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(mismatch.error().message, "root key does not match this database");
  // The check value does not reveal the key or the wrapping key.
  EXPECT_EQ(a->KeyCheckValue().find(HexEncode(kKeyBytes)), std::string::npos);
}

TEST(RootKey, DerivedKeysDifferByPurpose) {
  auto root = RootKey::FromBytes(kKeyBytes);
  ASSERT_TRUE(root);
  auto audit = root->DeriveKey("audit-hmac", 32);
  auto other = root->DeriveKey("other", 32);
  ASSERT_TRUE(audit && other);
  EXPECT_FALSE(*audit == *other);
  EXPECT_TRUE(*audit == *root->DeriveKey("audit-hmac", 32));
  EXPECT_FALSE(root->DeriveKey("", 32));
}

TEST(RootKey, DataKeyWrapBindsKeyId) {
  auto root = RootKey::FromBytes(kKeyBytes);
  ASSERT_TRUE(root);
  const Bytes data_key(32, 7);
  auto wrapped = root->WrapDataKey(data_key, "id-1");
  ASSERT_TRUE(wrapped);
  auto unwrapped = root->UnwrapDataKey(*wrapped, "id-1");
  ASSERT_TRUE(unwrapped);
  EXPECT_TRUE(unwrapped->Equals(data_key));
  auto swapped = root->UnwrapDataKey(*wrapped, "id-2");
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace signet::keystore
