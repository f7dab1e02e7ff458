// The pure parts of the PKCS#11 module: configuration, clientMetadata redaction, DER
// parsing, mechanism planning, attribute access and the error table.

#include <cstring>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "pkcs11/config.h"
#include "pkcs11/der.h"
#include "pkcs11/errors.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/metadata.h"
#include "pkcs11/objects.h"

namespace signet::pkcs11 {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::map<std::string, std::string> files;
  EnvLookup env() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  FileReader reader() const {
    return [this](const std::string& path) -> Result<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return NotFound(path + ": no such file");
      return it->second;
    };
  }
};

TEST(Pkcs11Config, FileThenEnvironmentOverrides) {
  FakeEnv f;
  f.files["/etc/signet/pkcs11.json"] =
      R"({"serverUrl":"https://file.example","clientId":"id-file","clientSecret":"s-file",)"
      R"("caCertPath":"/ca.pem","cacheTtlSeconds":7,"timeoutSeconds":9,"logFile":"/tmp/l"})";
  auto c = LoadConfig(f.env(), f.reader());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server_url, "https://file.example");
  EXPECT_EQ(c->client_id, "id-file");
  EXPECT_EQ(c->client_secret.string_view(), "s-file");
  EXPECT_EQ(c->ca_cert_path, "/ca.pem");
  EXPECT_EQ(c->signer_ttl, std::chrono::seconds(7));
  EXPECT_EQ(c->cert_ttl, std::chrono::seconds(7));
  EXPECT_EQ(c->timeout, std::chrono::seconds(9));
  EXPECT_EQ(c->log_file, "/tmp/l");
  EXPECT_EQ(c->source, "/etc/signet/pkcs11.json");

  f.vars["SIGNET_SERVER_URL"] = "http://127.0.0.1:1/";
  f.vars["SIGNET_CLIENT_ID"] = "id-env";
  f.vars["SIGNET_CLIENT_SECRET"] = "s-env";
  f.vars["SIGNET_CA_CERT"] = "/env-ca.pem";
  f.vars["SIGNET_PKCS11_CACHE_TTL"] = "0";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server_url, "http://127.0.0.1:1");
  EXPECT_EQ(c->client_id, "id-env");
  EXPECT_EQ(c->client_secret.string_view(), "s-env");
  EXPECT_EQ(c->ca_cert_path, "/env-ca.pem");
  EXPECT_EQ(c->signer_ttl, std::chrono::seconds(0));
  EXPECT_EQ(c->cert_ttl, std::chrono::seconds(0));
}

TEST(Pkcs11Config, InfisicalFallbacksAndToken) {
  FakeEnv f;
  f.vars["INFISICAL_SERVER_URL"] = "https://signet.example/api";
  f.vars["INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"] = "inf-id";
  f.vars["INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"] = "inf-secret";
  f.vars["INFISICAL_TOKEN"] = "inf-token";
  auto c = LoadConfig(f.env(), f.reader());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server_url, "https://signet.example");
  EXPECT_EQ(c->client_id, "inf-id");
  EXPECT_EQ(c->client_secret.string_view(), "inf-secret");
  EXPECT_EQ(c->token.string_view(), "inf-token");
  EXPECT_EQ(c->source, "environment");
  f.vars["SIGNET_CLIENT_ID"] = "signet-id";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->client_id, "signet-id");  // SIGNET_* wins over INFISICAL_*
}

TEST(Pkcs11Config, Errors) {
  FakeEnv f;
  auto c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("SIGNET_SERVER_URL"), std::string::npos);

  f.vars["SIGNET_PKCS11_CONFIG"] = "/missing.json";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("/missing.json"), std::string::npos);

  f.files["/missing.json"] = "{not json";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("/missing.json"), std::string::npos);

  f.files["/missing.json"] = R"({"serverUrl":"http://x","clientId":"only-id"})";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("clientSecret"), std::string::npos);

  f.files["/missing.json"] = R"({"serverUrl":5})";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("serverUrl"), std::string::npos);

  f.files["/missing.json"] = R"({"serverUrl":"http://x","cacheTtlSeconds":-1})";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("cacheTtlSeconds"), std::string::npos);

  f.files["/missing.json"] = R"({"serverUrl":"http://x"})";
  f.vars["SIGNET_PKCS11_TIMEOUT"] = "ten";
  c = LoadConfig(f.env(), f.reader());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("SIGNET_PKCS11_TIMEOUT"), std::string::npos);
}

// Infisical's documented full example (its PKCS#11 module README, "Full config example"),
// read as it is.
TEST(Pkcs11Config, InfisicalFileAsItIs) {
  FakeEnv f;
  f.files["/etc/infisical/pkcs11.conf"] = R"({
    "server_url": "https://signet.example",
    "auth": {"client_id": "your-client-id", "client_secret": "your-client-secret"},
    "tls": {"ca_cert_path": "/path/to/custom-ca.pem", "skip_verify": false},
    "cache": {"token_ttl_seconds": 300, "cert_ttl_seconds": 3600, "signer_ttl_seconds": 300},
    "approval": {"signing_duration": "8h", "signing_count": 10,
                 "exclude_scope_fields": ["data_hash", "ip_address"], "ip_address": "10.0.0.7"},
    "log_level": "info",
    "log_file": "/var/log/infisical-pkcs11.log"})";
  auto c = LoadConfig(f.env(), f.reader());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->source, "/etc/infisical/pkcs11.conf");
  EXPECT_EQ(c->server_url, "https://signet.example");
  EXPECT_EQ(c->client_id, "your-client-id");
  EXPECT_EQ(c->client_secret.string_view(), "your-client-secret");
  EXPECT_EQ(c->ca_cert_path, "/path/to/custom-ca.pem");
  EXPECT_EQ(c->signer_ttl, std::chrono::seconds(300));
  EXPECT_EQ(c->cert_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(c->token_ttl, std::chrono::seconds(300));
  EXPECT_EQ(c->log_file, "/var/log/infisical-pkcs11.log");
  EXPECT_EQ(c->log_level, "info");
  ASSERT_TRUE(c->approval.enabled());
  EXPECT_EQ(c->approval.signing_duration, Millis(8LL * 3600 * 1000));
  EXPECT_EQ(c->approval.signing_count, 10);
  EXPECT_EQ(c->approval.exclude_scope_fields, (std::set<std::string>{"dataHash", "ipAddress"}));
  EXPECT_EQ(c->approval.ip_address, "10.0.0.7");

  // INFISICAL_PKCS11_CONFIG and INFISICAL_CONFIG name the file; the first set wins.
  f.files["/a.conf"] = R"({"server_url":"https://a.example"})";
  f.files["/b.conf"] = R"({"server_url":"https://b.example"})";
  f.vars["INFISICAL_CONFIG"] = "/b.conf";
  EXPECT_EQ(LoadConfig(f.env(), f.reader())->server_url, "https://b.example");
  f.vars["INFISICAL_PKCS11_CONFIG"] = "/a.conf";
  EXPECT_EQ(LoadConfig(f.env(), f.reader())->server_url, "https://a.example");
  f.vars["INFISICAL_PKCS11_SERVER_URL"] = "https://env.example";
  EXPECT_EQ(LoadConfig(f.env(), f.reader())->server_url, "https://env.example");
  // Token auth.
  f.files["/a.conf"] =
      R"({"server_url":"https://a.example","auth":{"method":"token","token":"t"}})";
  auto t = LoadConfig(f.env(), f.reader());
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->token.string_view(), "t");
}

TEST(Pkcs11Config, UnknownKeysAndBadValuesAreStartupErrors) {
  FakeEnv f;
  f.vars["INFISICAL_CONFIG"] = "/c.conf";
  auto fails = [&](const std::string& json, std::string_view expected) {
    f.files["/c.conf"] = json;
    auto c = LoadConfig(f.env(), f.reader());
    ASSERT_FALSE(c.has_value()) << json;
    EXPECT_NE(c.error().message.find(expected), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("/c.conf"), std::string::npos) << c.error().message;
  };
  fails(R"({"server_url":"https://x","serverURL":"https://y"})", "unknown field 'serverURL'");
  fails(R"({"server_url":"https://x","auth":{"clientid":"a"}})", "unknown field 'auth.clientid'");
  fails(R"({"server_url":"https://x","cache":{"ttl":1}})", "unknown field 'cache.ttl'");
  fails(R"({"server_url":"https://x","approval":{"signing_counts":1}})",
        "unknown field 'approval.signing_counts'");
  fails(R"({"server_url":"https://x","approval":{"exclude_scope_fields":["dataHash2"]}})",
        "'dataHash2' is not one of");
  fails(R"({"server_url":"https://x","approval":{"ip_address":"build-agent-02"}})",
        "not an IP address");
  fails(R"({"server_url":"https://x","approval":{"signing_duration":"30s"}})", "signing_duration");
  fails(R"({"server_url":"https://x","approval":{"signing_duration":"60d"}})", "signing_duration");
  fails(R"({"server_url":"https://x","approval":{"signing_count":-5}})", "signing_count");
  fails(R"({"server_url":"https://x","log_level":"verbose"})", "log_level");
  fails(R"({"server_url":"https://x","tls":{"skip_verify":true}})", "skip_verify");
  fails(R"({"server_url":"https://x","auth":{"method":"oidc"}})", "auth.method");
  fails(R"({"server_url":"https://x","auth":{"method":"token"}})", "no token");
  fails(R"({"server_url":"https://x","serverUrl":"https://y"})", "serverUrl and server_url");
  fails(R"({"server_url":7})", "server_url must be a string");
}

TEST(Pkcs11Metadata, RedactsSecrets) {
  EXPECT_EQ(RedactCommandLine({"jarsigner", "-keystore", "NONE", "-storepass", "hunter2",
                               "-keypass", "k2", "app.jar", "signer"}),
            "jarsigner -keystore NONE -storepass *** -keypass *** app.jar signer");
  EXPECT_EQ(RedactCommandLine({"osslsigncode", "sign", "-pass", "pw", "-in", "a.exe"}),
            "osslsigncode sign -pass *** -in a.exe");
  EXPECT_EQ(
      RedactCommandLine({"pkcs11-tool", "--pin=1234", "-p", "99", "--token-label", "x", "--login"}),
      "pkcs11-tool --pin=*** -p *** --token-label x --login");
  EXPECT_EQ(RedactCommandLine({"openssl", "dgst", "-passin", "pass:abc", "-sign",
                               "pkcs11:token=a;object=b;pin-value=1234"}),
            "openssl dgst -passin *** -sign pkcs11:token=a;object=b;pin-value=***");
  EXPECT_EQ(RedactCommandLine({"apksigner", "sign", "--ks-pass", "pass:x", "pass:y"}),
            "apksigner sign --ks-pass *** pass:***");
  EXPECT_EQ(RedactCommandLine({"tool", "--client-secret", "s", "--access-token=t"}),
            "tool --client-secret *** --access-token=***");
  // Invalid UTF-8 and control characters are replaced; the result is cut to the limit.
  EXPECT_EQ(RedactCommandLine({"a\xff", "b\n"}), "a? b?");
  EXPECT_EQ(RedactCommandLine({std::string(2000, 'x')}).size(), 2000u);
  EXPECT_EQ(RedactCommandLine({std::string(40000, 'x')}).size(), api::kMaxMetadataCommand);
  EXPECT_EQ(ToolName({std::string(300, 't')}).size(), api::kMaxMetadataTool);
  EXPECT_EQ(ToolName({"/usr/bin/osslsigncode", "sign"}), "osslsigncode");
  EXPECT_EQ(ToolName({}), "unknown");
}

TEST(Pkcs11Metadata, CollectsThisProcess) {
  const client::ClientMetadata m = CollectClientMetadata();
  ASSERT_TRUE(m.tool.has_value());
  EXPECT_EQ(*m.tool, "pkcs11_unit_test");
  EXPECT_TRUE(m.hostname.has_value());
  EXPECT_TRUE(m.os_username.has_value());
  ASSERT_TRUE(m.command.has_value());
  EXPECT_NE(m.command->find("pkcs11_unit_test"), std::string::npos);
}

TEST(Pkcs11Mechanisms, PlansAndParameters) {
  CK_MECHANISM m{CKM_SHA384_RSA_PKCS, nullptr, 0};
  auto plan = PlanSign(m, domain::KeyType::kRsa);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->input, InputKind::kHashHere);
  EXPECT_EQ(plan->hash, domain::HashAlgorithm::kSha384);
  EXPECT_EQ(PlanSign(m, domain::KeyType::kEc).error(), CKR_KEY_TYPE_INCONSISTENT);
  m.mechanism = CKM_MD5_RSA_PKCS;
  EXPECT_EQ(PlanSign(m, domain::KeyType::kRsa).error(), CKR_MECHANISM_INVALID);

  CK_RSA_PKCS_PSS_PARAMS p{CKM_SHA512, CKG_MGF1_SHA512, 64};
  CK_MECHANISM pss{CKM_RSA_PKCS_PSS, &p, sizeof(p)};
  plan = PlanSign(pss, domain::KeyType::kRsa);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->input, InputKind::kDigest);
  EXPECT_EQ(plan->hash, domain::HashAlgorithm::kSha512);
  p.mgf = CKG_MGF1_SHA256;
  EXPECT_EQ(PlanSign(pss, domain::KeyType::kRsa).error(), CKR_MECHANISM_PARAM_INVALID);
  p.mgf = CKG_MGF1_SHA512;
  p.sLen = 32;
  EXPECT_EQ(PlanSign(pss, domain::KeyType::kRsa).error(), CKR_MECHANISM_PARAM_INVALID);
  pss.ulParameterLen = 3;
  EXPECT_EQ(PlanSign(pss, domain::KeyType::kRsa).error(), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM ecdsa{CKM_ECDSA, &p, sizeof(p)};
  EXPECT_EQ(PlanSign(ecdsa, domain::KeyType::kEc).error(), CKR_MECHANISM_PARAM_INVALID);

  EXPECT_EQ(MechanismsFor(domain::KeyType::kRsa).size(), 8u);
  EXPECT_EQ(MechanismsFor(domain::KeyType::kEc).size(), 4u);
  EXPECT_EQ(HashForDigestLength(48).value(), domain::HashAlgorithm::kSha384);
  EXPECT_EQ(HashForDigestLength(20).error(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(MechanismInfo(domain::KeyType::kEc, CKM_RSA_PKCS).error(), CKR_MECHANISM_INVALID);
}

TEST(Pkcs11Errors, Table) {
  EXPECT_EQ(CkrFromError(ErrorCode::kUnauthenticated), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(CkrFromError(ErrorCode::kPermissionDenied), CKR_FUNCTION_REJECTED);
  EXPECT_EQ(CkrFromError(ErrorCode::kApprovalRequired), CKR_FUNCTION_REJECTED);
  EXPECT_EQ(CkrFromError(ErrorCode::kNotFound), CKR_KEY_HANDLE_INVALID);
  EXPECT_EQ(CkrFromError(ErrorCode::kInvalidArgument), CKR_DATA_INVALID);
  EXPECT_EQ(CkrFromError(ErrorCode::kUnavailable), CKR_DEVICE_ERROR);
  EXPECT_EQ(CkrFromError(ErrorCode::kInternal), CKR_DEVICE_ERROR);
  EXPECT_EQ(DescribeError({ErrorCode::kApprovalRequired, "Get approval."}, "build"),
            "approval required for signer build: Get approval.");
}

// Objects built from a locally issued chain: key values, attribute protocol, matching.
TEST(Pkcs11Objects, BuildAndRead) {
  auto root_key = crypto::PrivateKey::Generate(domain::KeyAlgorithm::kEcP256);
  auto leaf_key = crypto::PrivateKey::Generate(domain::KeyAlgorithm::kRsa2048);
  ASSERT_TRUE(root_key && leaf_key);
  crypto::IssueParams rp;
  rp.subject.common_name = "Unit Root";
  rp.not_before = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  rp.not_after = rp.not_before + std::chrono::hours(24);
  rp.is_ca = true;
  auto root = crypto::IssueCertificate(*root_key->GetPublicKey(), rp, *root_key, nullptr);
  ASSERT_TRUE(root.has_value()) << root.error().message;
  crypto::IssueParams lp = rp;
  lp.subject.common_name = "Unit Leaf";
  lp.is_ca = false;
  lp.extended_key_usages = {"codeSigning"};
  auto leaf = crypto::IssueCertificate(*leaf_key->GetPublicKey(), lp, *root_key, &*root);
  ASSERT_TRUE(leaf.has_value()) << leaf.error().message;
  client::SignerInfo signer;
  signer.id = "00112233-4455-6677-8899-aabbccddeeff";
  signer.name = "unit";
  client::SignerCertificate cert{*leaf->ToPem(), *root->ToPem(), "01", "unit"};
  auto objects = BuildTokenObjects(signer, cert);
  ASSERT_TRUE(objects.has_value()) << objects.error().message;
  const TokenObjects& t = **objects;
  ASSERT_EQ(t.objects.size(), 4u);
  EXPECT_EQ(t.key.type, domain::KeyType::kRsa);
  EXPECT_EQ(t.key.bits, 2048u);
  EXPECT_EQ(t.key.signature_size, 256u);
  const TokenObject& priv = t.objects[kPrivateKeyIndex];
  EXPECT_EQ(priv.attributes.at(CKA_ID).size(), 16u);
  EXPECT_EQ(priv.attributes.at(CKA_ID)[0], 0x00);
  EXPECT_EQ(priv.attributes.at(CKA_ID)[15], 0xff);

  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE by_class{CKA_CLASS, &cls, sizeof(cls)};
  EXPECT_FALSE(priv.Matches(&by_class, 1));
  EXPECT_TRUE(t.objects[2].Matches(&by_class, 1));
  EXPECT_TRUE(t.objects[3].Matches(&by_class, 1));
  CK_ATTRIBUTE sensitive{CKA_PRIVATE_EXPONENT, nullptr, 0};
  EXPECT_FALSE(priv.Matches(&sensitive, 1));
  EXPECT_EQ(priv.GetAttributes(&sensitive, 1), CKR_ATTRIBUTE_SENSITIVE);

  // The DER fields match what OpenSSL reports.
  auto fields = ParseCertificateFields(*leaf->ToDer());
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(t.objects[2].attributes.at(CKA_SUBJECT), fields->subject_der);
  EXPECT_EQ(t.objects[3].attributes.at(CKA_SUBJECT), fields->issuer_der);
  EXPECT_EQ(std::string(t.objects[3].attributes.at(CKA_LABEL).begin(),
                        t.objects[3].attributes.at(CKA_LABEL).end()),
            "Unit Root");
}

TEST(Pkcs11Der, RejectsGarbage) {
  const Bytes junk = {0x30, 0x05, 0x01};
  EXPECT_FALSE(ParseCertificateFields(junk).has_value());
  EXPECT_FALSE(ParsePublicKey(junk).has_value());
  EXPECT_FALSE(ParsePublicKey(Bytes{}).has_value());
}

}  // namespace
}  // namespace signet::pkcs11
