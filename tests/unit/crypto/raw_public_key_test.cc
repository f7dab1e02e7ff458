// Public keys from JWK components, checked against keys and signatures made by the openssl
// command.
#include <string>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/raw_public_key.h"
#include "crypto/sign.h"
#include "test_util.h"

namespace signet::crypto {
namespace {

using domain::HashAlgorithm;
using domain::SignatureScheme;
using test::ReadFile;
using test::RunCommand;
using test::TempDir;
using test::WriteFile;

Bytes Hex(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) clean += c;
  }
  auto bytes = HexDecode(clean);
  return bytes ? *bytes : Bytes{};
}

// An RSA key made by openssl: its modulus (from `openssl rsa -modulus`), its SPKI DER, and a
// signature over `message` made with `openssl dgst -sha256 -sign`.
struct OpensslRsa {
  Bytes n;
  Bytes spki;
  Bytes signature;
};

OpensslRsa MakeRsa(const TempDir& dir, int bits, const std::string& message) {
  const std::string key = dir.File("rsa.pem");
  EXPECT_EQ(RunCommand("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:" +
                       std::to_string(bits) + " -out " + key)
                .exit_code,
            0);
  OpensslRsa out;
  auto modulus = RunCommand("openssl rsa -in " + key + " -noout -modulus");
  EXPECT_EQ(modulus.exit_code, 0) << modulus.output;
  const auto eq = modulus.output.find('=');
  out.n = Hex(modulus.output.substr(eq + 1));
  EXPECT_EQ(
      RunCommand("openssl pkey -in " + key + " -pubout -outform DER -out " + dir.File("rsa.der"))
          .exit_code,
      0);
  out.spki = ToBytes(ReadFile(dir.File("rsa.der")));
  WriteFile(dir.File("msg"), message);
  EXPECT_EQ(RunCommand("openssl dgst -sha256 -sign " + key + " -out " + dir.File("rsa.sig") + " " +
                       dir.File("msg"))
                .exit_code,
            0);
  out.signature = ToBytes(ReadFile(dir.File("rsa.sig")));
  return out;
}

TEST(RawPublicKey, RsaFromComponentsIsTheKeyOpensslMade) {
  TempDir dir;
  const OpensslRsa rsa = MakeRsa(dir, 2048, "header.payload");
  ASSERT_EQ(rsa.n.size(), 256u);
  const Bytes e = {0x01, 0x00, 0x01};
  auto key = RsaPublicKeyFromComponents(rsa.n, e);
  ASSERT_TRUE(key) << key.error().message;
  auto spki = key->SpkiDer();
  ASSERT_TRUE(spki);
  EXPECT_EQ(*spki, rsa.spki);
  const domain::SigningAlgorithm rs256{SignatureScheme::kRsaPkcs1v15, HashAlgorithm::kSha256};
  EXPECT_TRUE(Verify(*key, rs256, AsBytes(std::string("header.payload")), false, rsa.signature));
  EXPECT_FALSE(Verify(*key, rs256, AsBytes(std::string("header.payloaD")), false, rsa.signature));

  // A leading zero byte (as some encoders write) is the same key.
  Bytes padded = {0x00};
  padded.insert(padded.end(), rsa.n.begin(), rsa.n.end());
  auto same = RsaPublicKeyFromComponents(padded, Bytes{0x00, 0x01, 0x00, 0x01});
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(*same->SpkiDer(), rsa.spki);
}

TEST(RawPublicKey, RsaLimits) {
  TempDir dir;
  const OpensslRsa small = MakeRsa(dir, 1024, "m");
  auto weak = RsaPublicKeyFromComponents(small.n, Bytes{0x01, 0x00, 0x01});
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(weak.error().message.find("1024 bits"), std::string::npos) << weak.error().message;

  const OpensslRsa rsa = MakeRsa(dir, 2048, "m");
  for (const Bytes& e : {Bytes{}, Bytes{0x01}, Bytes{0x01, 0x00, 0x00}, Bytes(9, 0x01)}) {
    auto bad = RsaPublicKeyFromComponents(rsa.n, e);
    ASSERT_FALSE(bad) << "exponent of " << e.size() << " bytes";
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  }
  auto none = RsaPublicKeyFromComponents(Bytes{}, Bytes{0x01, 0x00, 0x01});
  EXPECT_FALSE(none);
  auto huge = RsaPublicKeyFromComponents(Bytes(8192 / 8 + 1, 0xff), Bytes{0x01, 0x00, 0x01});
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("8200 bits"), std::string::npos) << huge.error().message;
}

TEST(RawPublicKey, EcP256FromCoordinatesIsTheKeyOpensslMade) {
  TempDir dir;
  const std::string key = dir.File("ec.pem");
  ASSERT_EQ(RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + key)
                .exit_code,
            0);
  ASSERT_EQ(
      RunCommand("openssl pkey -in " + key + " -pubout -outform DER -out " + dir.File("ec.der"))
          .exit_code,
      0);
  const Bytes spki = ToBytes(ReadFile(dir.File("ec.der")));
  ASSERT_EQ(spki.size(), 91u);  // the uncompressed point is its last 65 bytes
  ASSERT_EQ(spki[26], 0x04);
  const Bytes x(spki.begin() + 27, spki.begin() + 59);
  const Bytes y(spki.begin() + 59, spki.end());
  auto pub = EcP256PublicKeyFromCoordinates(x, y);
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(*pub->SpkiDer(), spki);

  // A signature openssl made (DER), and the same as JWS's raw r||s.
  WriteFile(dir.File("msg"), std::string("header.payload"));
  ASSERT_EQ(RunCommand("openssl dgst -sha256 -sign " + key + " -out " + dir.File("ec.sig") + " " +
                       dir.File("msg"))
                .exit_code,
            0);
  const Bytes der = ToBytes(ReadFile(dir.File("ec.sig")));
  const domain::SigningAlgorithm es256{SignatureScheme::kEcdsa, HashAlgorithm::kSha256};
  EXPECT_TRUE(Verify(*pub, es256, AsBytes(std::string("header.payload")), false, der));
  auto raw = EcdsaDerToRaw(der, 32);
  ASSERT_TRUE(raw);
  auto back = EcdsaRawToDer(*raw);
  ASSERT_TRUE(back);
  EXPECT_TRUE(Verify(*pub, es256, AsBytes(std::string("header.payload")), false, *back));
}

TEST(RawPublicKey, EcPointMustBeOnTheCurve) {
  TempDir dir;
  const std::string key = dir.File("ec.pem");
  ASSERT_EQ(RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + key)
                .exit_code,
            0);
  ASSERT_EQ(
      RunCommand("openssl pkey -in " + key + " -pubout -outform DER -out " + dir.File("ec.der"))
          .exit_code,
      0);
  const Bytes spki = ToBytes(ReadFile(dir.File("ec.der")));
  const Bytes x(spki.begin() + 27, spki.begin() + 59);
  Bytes y(spki.begin() + 59, spki.end());
  y[31] ^= 0x01;
  auto off = EcP256PublicKeyFromCoordinates(x, y);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, ErrorCode::kInvalidArgument);

  auto short_x = EcP256PublicKeyFromCoordinates(Bytes(31, 1), Bytes(32, 1));
  ASSERT_FALSE(short_x);
  EXPECT_NE(short_x.error().message.find("32 bytes"), std::string::npos);
  auto zero = EcP256PublicKeyFromCoordinates(Bytes(32, 0), Bytes(32, 0));
  EXPECT_FALSE(zero);
}

}  // namespace
}  // namespace signet::crypto
