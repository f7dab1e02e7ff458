// Drives libsignet-pkcs11.so through dlopen and its function list against a real signetd:
// slots, tokens, objects, attributes, every mechanism (each signature verified with
// crypto::Verify), the length protocols, login, error codes for bad handles, arguments and
// buffers, the approval-required path, threads, C_Finalize and fork.

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "crypto/x509.h"
#include "pkcs11/cryptoki.h"
#include "unit/pkcs11/signetd_fixture.h"

namespace signet::pkcs11 {
namespace {

using client::HttpMethod;
using domain::HashAlgorithm;
using domain::SignatureScheme;

struct SignerFixture {
  std::string id;
  std::string name;
  std::string algorithm;  // key algorithm
};

struct World {
  std::unique_ptr<testing::Signetd> server;
  void* lib = nullptr;
  CK_FUNCTION_LIST* p11 = nullptr;
  std::string client_id;
  std::string client_secret;
  std::map<std::string, SignerFixture> signers;  // rsa, ec, ec384, policy, hidden
  std::string config_path;
};
std::unique_ptr<World> g_world;
World* w = nullptr;

std::string Label(const CK_UTF8CHAR* field, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(field), n);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class Pkcs11ModuleTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    g_world = std::make_unique<World>();
    w = g_world.get();
    w->server = std::make_unique<testing::Signetd>();
    auto& s = *w->server;
    auto ca =
        s.Ok(HttpMethod::kPost, "/api/v1/pki/ca",
             api::JsonObject{
                 {"commonName", "P11 Root"}, {"keyAlgorithm", "EC_prime256v1"}, {"ttlDays", 365}});
    auto sub = s.Ok(HttpMethod::kPost, "/api/v1/pki/ca",
                    api::JsonObject{{"commonName", "P11 Issuing"},
                                    {"keyAlgorithm", "RSA_2048"},
                                    {"ttlDays", 300},
                                    {"parentCaId", ca.at("id")}});
    auto identity = s.Ok(HttpMethod::kPost, "/api/v1/identities", api::JsonObject{{"name", "p11"}});
    const std::string identity_id(identity.at("id").as_string());
    auto creds = s.Ok(HttpMethod::kPost,
                      "/api/v1/identities/" + identity_id + "/universal-auth/client-secrets");
    w->client_id = creds.at("clientId").as_string().c_str();
    w->client_secret = creds.at("clientSecret").as_string().c_str();

    auto user = s.Ok(HttpMethod::kPost, "/api/v1/users",
                     api::JsonObject{{"email", "lead@p11.test"},
                                     {"password", "member password 123456"},
                                     {"orgRole", "member"}});
    auto projects = s.Ok(HttpMethod::kGet, "/api/v1/projects?limit=100");
    std::string project_id;
    for (const auto& p : projects.at("projects").as_array()) {
      project_id = p.at("id").as_string().c_str();
      if (p.as_object().if_contains("slug") && p.at("slug") == "default") break;
    }
    s.Ok(HttpMethod::kPost, "/api/v1/projects/" + project_id + "/memberships",
         api::JsonObject{{"userId", user.at("id")}, {"role", "member"}});
    auto policy =
        s.Ok(HttpMethod::kPost, "/api/v1/pki/signing-policies",
             api::JsonObject{
                 {"name", "p11-policy"},
                 {"steps", api::JsonArray{api::JsonObject{
                               {"requiredApprovals", 1},
                               {"approvers", api::JsonArray{api::JsonObject{
                                                 {"type", "user"}, {"id", user.at("id")}}}}}}},
                 {"constraints", api::JsonObject{{"maxSignings", 5}}},
                 {"bypassForMachineIdentities", false}});

    struct Want {
      const char* key;
      const char* name;
      const char* algorithm;
      bool member;
      bool policy;
    };
    for (const Want& want : {Want{"rsa", "p11-rsa", "RSA_2048", true, false},
                             Want{"ec", "p11-ec", "EC_prime256v1", true, false},
                             Want{"ec384", "p11-ec384", "EC_secp384r1", true, false},
                             Want{"policy", "p11-policy-signer", "EC_prime256v1", true, true},
                             Want{"hidden", "p11-hidden", "EC_prime256v1", false, false}}) {
      auto cert = s.Ok(HttpMethod::kPost, "/api/v1/pki/certificates/issue",
                       api::JsonObject{{"caId", sub.at("id")},
                                       {"commonName", std::string(want.name) + " code signing"},
                                       {"keyAlgorithm", want.algorithm},
                                       {"ttlDays", 30},
                                       {"keyUsages", api::JsonArray{"digitalSignature"}},
                                       {"extendedKeyUsages", api::JsonArray{"codeSigning"}}});
      api::JsonObject body{{"name", want.name}, {"certificateId", cert.at("certificateId")}};
      if (want.policy) body["signingPolicyId"] = policy.at("id");
      auto signer = s.Ok(HttpMethod::kPost, "/api/v1/pki/signers", body);
      const std::string id(signer.at("id").as_string());
      if (want.member) {
        s.Ok(HttpMethod::kPost, "/api/v1/pki/signers/" + id + "/members",
             api::JsonObject{{"identityId", identity_id}, {"role", "operator"}});
      }
      w->signers[want.key] = SignerFixture{id, want.name, want.algorithm};
    }

    // The configuration file names the server; the credentials come from the environment.
    w->config_path = s.dir() + "/pkcs11.json";
    std::ofstream(w->config_path) << "{\"serverUrl\":\"" << s.url() << "\",\"cacheTtlSeconds\":5}";
    setenv("SIGNET_PKCS11_CONFIG", w->config_path.c_str(), 1);
    setenv("SIGNET_CLIENT_ID", w->client_id.c_str(), 1);
    setenv("SIGNET_CLIENT_SECRET", w->client_secret.c_str(), 1);
    unsetenv("SIGNET_SERVER_URL");
    unsetenv("SIGNET_TOKEN");

    const std::string path = s.build_dir() + "/lib/libsignet-pkcs11.so";
    w->lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(w->lib, nullptr) << dlerror();
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(w->lib, "C_GetFunctionList"));
    ASSERT_NE(get, nullptr);
    ASSERT_EQ(get(&w->p11), CKR_OK);
  }

  static void TearDownTestSuite() {
    if (w == nullptr) return;
    w->server.reset();
  }

 protected:
  void SetUp() override {
    ASSERT_NE(w->p11, nullptr);
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    ASSERT_EQ(p()->C_Initialize(&args), CKR_OK);
  }
  void TearDown() override { EXPECT_EQ(p()->C_Finalize(nullptr), CKR_OK); }

  static CK_FUNCTION_LIST* p() { return w->p11; }

  std::vector<CK_SLOT_ID> Slots() {
    CK_ULONG n = 0;
    EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
    std::vector<CK_SLOT_ID> slots(n);
    EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, slots.data(), &n), CKR_OK);
    slots.resize(n);
    return slots;
  }

  CK_SLOT_ID SlotOf(const std::string& key) {
    for (CK_SLOT_ID s : Slots()) {
      CK_TOKEN_INFO info;
      EXPECT_EQ(p()->C_GetTokenInfo(s, &info), CKR_OK);
      if (Label(info.label, sizeof(info.label)) == w->signers[key].name) return s;
    }
    ADD_FAILURE() << "no slot for " << key;
    return 0;
  }

  CK_SESSION_HANDLE Open(const std::string& key) {
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(p()->C_OpenSession(SlotOf(key), CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
    return h;
  }

  std::vector<CK_OBJECT_HANDLE> Find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> templ) {
    EXPECT_EQ(p()->C_FindObjectsInit(h, templ.data(), templ.size()), CKR_OK);
    std::vector<CK_OBJECT_HANDLE> out;
    CK_OBJECT_HANDLE buf[2];
    CK_ULONG n = 0;
    do {
      EXPECT_EQ(p()->C_FindObjects(h, buf, 2, &n), CKR_OK);
      out.insert(out.end(), buf, buf + n);
    } while (n > 0);
    EXPECT_EQ(p()->C_FindObjectsFinal(h), CKR_OK);
    return out;
  }

  CK_OBJECT_HANDLE PrivateKey(CK_SESSION_HANDLE h) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    auto found = Find(h, {{CKA_CLASS, &cls, sizeof(cls)}});
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? 0 : found[0];
  }

  Bytes Attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    EXPECT_EQ(p()->C_GetAttributeValue(h, o, &a, 1), CKR_OK) << "attribute " << type;
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    EXPECT_EQ(p()->C_GetAttributeValue(h, o, &a, 1), CKR_OK);
    return v;
  }

  crypto::PublicKey KeyOf(CK_SESSION_HANDLE h) {
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_OBJECT_HANDLE key = PrivateKey(h);
    Bytes id = Attr(h, key, CKA_ID);
    auto certs = Find(h, {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, id.data(), id.size()}});
    EXPECT_EQ(certs.size(), 1u);
    auto cert = crypto::Certificate::FromDer(Attr(h, certs.at(0), CKA_VALUE));
    EXPECT_TRUE(cert.has_value());
    auto pub = cert->PublicKey();
    EXPECT_TRUE(pub.has_value());
    return std::move(*pub);
  }

  // Signs single-part (with both length-protocol calls) or in parts.
  CK_RV SignWith(CK_SESSION_HANDLE h, CK_MECHANISM mech, ByteView data, Bytes* sig,
                 bool multipart = false) {
    CK_RV rv = p()->C_SignInit(h, &mech, PrivateKey(h));
    if (rv != CKR_OK) return rv;
    CK_ULONG len = 0;
    if (multipart) {
      const std::size_t half = data.size() / 2;
      rv = p()->C_SignUpdate(h, const_cast<CK_BYTE*>(data.data()), half);
      if (rv != CKR_OK) return rv;
      rv = p()->C_SignUpdate(h, const_cast<CK_BYTE*>(data.data()) + half, data.size() - half);
      if (rv != CKR_OK) return rv;
      rv = p()->C_SignFinal(h, nullptr, &len);
      if (rv != CKR_OK) return rv;
      sig->assign(len, 0);
      rv = p()->C_SignFinal(h, sig->data(), &len);
    } else {
      rv = p()->C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), nullptr, &len);
      if (rv != CKR_OK) return rv;
      sig->assign(len, 0);
      rv = p()->C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), sig->data(), &len);
    }
    if (rv == CKR_OK) sig->resize(len);
    return rv;
  }
};

const Bytes kMessage = ToBytes("the quick brown fox signs through Signet");

TEST_F(Pkcs11ModuleTest, InfoSlotsAndTokens) {
  CK_INFO info;
  ASSERT_EQ(p()->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 2);
  EXPECT_EQ(info.cryptokiVersion.minor, 40);
  EXPECT_EQ(Label(info.manufacturerID, sizeof(info.manufacturerID)), "Signet");

  CK_ULONG n = 0;
  ASSERT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 4u);  // rsa, ec, ec384, policy; not hidden
  CK_SLOT_ID one[1];
  CK_ULONG small = 1;
  EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, one, &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, 4u);
  std::vector<std::string> labels;
  for (CK_SLOT_ID s : Slots()) {
    CK_SLOT_INFO si;
    ASSERT_EQ(p()->C_GetSlotInfo(s, &si), CKR_OK);
    EXPECT_TRUE(si.flags & CKF_TOKEN_PRESENT);
    CK_TOKEN_INFO ti;
    ASSERT_EQ(p()->C_GetTokenInfo(s, &ti), CKR_OK);
    EXPECT_TRUE(ti.flags & CKF_TOKEN_INITIALIZED);
    EXPECT_FALSE(ti.flags & CKF_LOGIN_REQUIRED);
    labels.push_back(Label(ti.label, sizeof(ti.label)));
  }
  EXPECT_EQ(labels,
            (std::vector<std::string>{"p11-ec", "p11-ec384", "p11-policy-signer", "p11-rsa"}));
  CK_SLOT_INFO si;
  EXPECT_EQ(p()->C_GetSlotInfo(999, &si), CKR_SLOT_ID_INVALID);
  CK_TOKEN_INFO ti;
  EXPECT_EQ(p()->C_GetTokenInfo(999, &ti), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(p()->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
}

TEST_F(Pkcs11ModuleTest, ObjectsAndAttributes) {
  CK_SESSION_HANDLE h = Open("rsa");
  auto all = Find(h, {});
  ASSERT_EQ(all.size(), 5u);  // private key, public key, certificate, issuing CA, root CA
  CK_OBJECT_HANDLE key = PrivateKey(h);
  const Bytes id = Attr(h, key, CKA_ID);
  EXPECT_EQ(id.size(), 16u);
  CK_BBOOL yes = CK_TRUE;
  CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
  auto same_id = Find(h, {{CKA_ID, const_cast<std::uint8_t*>(id.data()), id.size()}});
  EXPECT_EQ(same_id.size(), 3u);  // both keys and the signer's certificate
  auto certs = Find(h, {{CKA_CLASS, &cert_class, sizeof(cert_class)}});
  EXPECT_EQ(certs.size(), 3u);
  std::string label = w->signers["rsa"].name;
  auto by_label = Find(
      h, {{CKA_LABEL, label.data(), label.size()}, {CKA_CLASS, &cert_class, sizeof(cert_class)}});
  ASSERT_EQ(by_label.size(), 1u);
  const Bytes subject = Attr(h, by_label[0], CKA_SUBJECT);
  auto by_subject =
      Find(h, {{CKA_SUBJECT, const_cast<std::uint8_t*>(subject.data()), subject.size()}});
  EXPECT_EQ(by_subject.size(), 3u);  // keys and certificate carry the subject
  CK_KEY_TYPE rsa = CKK_RSA;
  EXPECT_EQ(Find(h, {{CKA_KEY_TYPE, &rsa, sizeof(rsa)}}).size(), 2u);
  CK_KEY_TYPE ec = CKK_EC;
  EXPECT_EQ(Find(h, {{CKA_KEY_TYPE, &ec, sizeof(ec)}}).size(), 0u);
  EXPECT_EQ(Find(h, {{CKA_SIGN, &yes, sizeof(yes)}}).size(), 1u);
  std::string nobody = "nobody";
  EXPECT_TRUE(Find(h, {{CKA_LABEL, nobody.data(), nobody.size()}}).empty());

  // The issuer chain: the issuing CA and the root, certificate category "authority".
  auto issuer_of_leaf = Attr(h, by_label[0], CKA_ISSUER);
  auto issuers = Find(h, {{CKA_SUBJECT, issuer_of_leaf.data(), issuer_of_leaf.size()},
                          {CKA_CLASS, &cert_class, sizeof(cert_class)}});
  ASSERT_EQ(issuers.size(), 1u);
  EXPECT_EQ(AsString(Attr(h, issuers[0], CKA_LABEL)), "P11 Issuing");
  CK_ULONG category = 0;
  CK_ATTRIBUTE cat{CKA_CERTIFICATE_CATEGORY, &category, sizeof(category)};
  ASSERT_EQ(p()->C_GetAttributeValue(h, issuers[0], &cat, 1), CKR_OK);
  EXPECT_EQ(category, 2u);

  // The private key: sensitive, not extractable, signs; the public values are readable.
  CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, sign = CK_FALSE;
  CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
                          {CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
                          {CKA_SIGN, &sign, sizeof(sign)}};
  ASSERT_EQ(p()->C_GetAttributeValue(h, key, flags, 3), CKR_OK);
  EXPECT_EQ(sensitive, CK_TRUE);
  EXPECT_EQ(extractable, CK_FALSE);
  EXPECT_EQ(sign, CK_TRUE);
  EXPECT_EQ(Attr(h, key, CKA_MODULUS).size(), 256u);
  EXPECT_EQ(Attr(h, key, CKA_PUBLIC_EXPONENT), (Bytes{1, 0, 1}));

  // Size query, too-small buffer, sensitive and unknown attributes in one template.
  std::uint8_t tiny[4];
  CK_ATTRIBUTE mixed[] = {{CKA_MODULUS, nullptr, 0},
                          {CKA_PRIVATE_EXPONENT, nullptr, 0},
                          {CKA_VALUE_LEN, nullptr, 0},
                          {CKA_PUBLIC_EXPONENT, tiny, sizeof(tiny)}};
  const CK_RV rv = p()->C_GetAttributeValue(h, key, mixed, 4);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) << rv;
  EXPECT_EQ(mixed[0].ulValueLen, 256u);
  EXPECT_EQ(mixed[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(mixed[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(mixed[3].ulValueLen, 3u);
  std::uint8_t one_byte[1];
  CK_ATTRIBUTE small{CKA_MODULUS, one_byte, 1};
  EXPECT_EQ(p()->C_GetAttributeValue(h, key, &small, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  CK_ATTRIBUTE priv{CKA_PRIVATE_EXPONENT, nullptr, 0};
  EXPECT_EQ(p()->C_GetAttributeValue(h, key, &priv, 1), CKR_ATTRIBUTE_SENSITIVE);
  CK_ATTRIBUTE bogus{CKA_VALUE_LEN, nullptr, 0};
  EXPECT_EQ(p()->C_GetAttributeValue(h, key, &bogus, 1), CKR_ATTRIBUTE_TYPE_INVALID);

  // Bad handles and arguments.
  CK_ATTRIBUTE a{CKA_LABEL, nullptr, 0};
  EXPECT_EQ(p()->C_GetAttributeValue(h, 0xdead, &a, 1), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(p()->C_GetAttributeValue(9999, key, &a, 1), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(p()->C_GetAttributeValue(h, key, nullptr, 1), CKR_ARGUMENTS_BAD);
  CK_ULONG n = 0;
  CK_OBJECT_HANDLE out[1];
  EXPECT_EQ(p()->C_FindObjects(h, out, 1, &n), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(p()->C_FindObjectsInit(h, nullptr, 0), CKR_OK);
  EXPECT_EQ(p()->C_FindObjectsInit(h, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(p()->C_FindObjectsFinal(h), CKR_OK);
  EXPECT_EQ(p()->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED);

  // EC keys: CKA_EC_PARAMS is the curve OID, CKA_EC_POINT an OCTET STRING of the point.
  CK_SESSION_HANDLE e = Open("ec384");
  CK_OBJECT_HANDLE ec_key = PrivateKey(e);
  EXPECT_EQ(Attr(e, ec_key, CKA_EC_PARAMS), (Bytes{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}));
  const Bytes point = Attr(e, ec_key, CKA_EC_POINT);
  ASSERT_EQ(point.size(), 99u);
  EXPECT_EQ(point[0], 0x04);
  EXPECT_EQ(point[1], 97);
  EXPECT_EQ(point[2], 0x04);
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  EXPECT_EQ(p()->C_GetAttributeValue(e, ec_key, &value, 1), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(p()->C_CloseSession(e), CKR_OK);
  EXPECT_EQ(p()->C_CloseSession(h), CKR_OK);
  EXPECT_EQ(p()->C_CloseSession(h), CKR_SESSION_HANDLE_INVALID);
}

TEST_F(Pkcs11ModuleTest, MechanismLists) {
  CK_ULONG n = 0;
  ASSERT_EQ(p()->C_GetMechanismList(SlotOf("rsa"), nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 8u);
  std::vector<CK_MECHANISM_TYPE> mechs(n);
  CK_ULONG small = 2;
  EXPECT_EQ(p()->C_GetMechanismList(SlotOf("rsa"), mechs.data(), &small), CKR_BUFFER_TOO_SMALL);
  ASSERT_EQ(p()->C_GetMechanismList(SlotOf("rsa"), mechs.data(), &n), CKR_OK);
  for (CK_MECHANISM_TYPE m : mechs) {
    CK_MECHANISM_INFO info;
    ASSERT_EQ(p()->C_GetMechanismInfo(SlotOf("rsa"), m, &info), CKR_OK);
    EXPECT_TRUE(info.flags & CKF_SIGN);
    EXPECT_EQ(info.ulMinKeySize, 2048u);
  }
  ASSERT_EQ(p()->C_GetMechanismList(SlotOf("ec"), nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 4u);
  CK_MECHANISM_INFO info;
  EXPECT_EQ(p()->C_GetMechanismInfo(SlotOf("ec"), CKM_ECDSA_SHA384, &info), CKR_OK);
  EXPECT_EQ(p()->C_GetMechanismInfo(SlotOf("ec"), CKM_RSA_PKCS, &info), CKR_MECHANISM_INVALID);
  EXPECT_EQ(p()->C_GetMechanismInfo(SlotOf("rsa"), CKM_SHA_1, &info), CKR_MECHANISM_INVALID);
  EXPECT_EQ(p()->C_GetMechanismInfo(999, CKM_ECDSA, &info), CKR_SLOT_ID_INVALID);
}

TEST_F(Pkcs11ModuleTest, EveryRsaMechanismVerifies) {
  CK_SESSION_HANDLE h = Open("rsa");
  crypto::PublicKey pub = KeyOf(h);
  const std::pair<CK_MECHANISM_TYPE, SignatureScheme> hashing[] = {
      {CKM_SHA256_RSA_PKCS, SignatureScheme::kRsaPkcs1v15},
      {CKM_SHA384_RSA_PKCS, SignatureScheme::kRsaPkcs1v15},
      {CKM_SHA512_RSA_PKCS, SignatureScheme::kRsaPkcs1v15},
  };
  const HashAlgorithm hashes[] = {HashAlgorithm::kSha256, HashAlgorithm::kSha384,
                                  HashAlgorithm::kSha512};
  for (int i = 0; i < 3; ++i) {
    for (bool multipart : {false, true}) {
      Bytes sig;
      ASSERT_EQ(SignWith(h, {hashing[i].first, nullptr, 0}, kMessage, &sig, multipart), CKR_OK);
      EXPECT_EQ(sig.size(), 256u);
      EXPECT_TRUE(
          crypto::Verify(pub, {SignatureScheme::kRsaPkcs1v15, hashes[i]}, kMessage, false, sig))
          << hashing[i].first << " multipart=" << multipart;
    }
    // CKM_RSA_PKCS over a DigestInfo.
    const Bytes digest = crypto::Digest(hashes[i], kMessage);
    auto info = crypto::EncodeDigestInfo(hashes[i], digest);
    ASSERT_TRUE(info.has_value());
    Bytes sig;
    ASSERT_EQ(SignWith(h, {CKM_RSA_PKCS, nullptr, 0}, *info, &sig), CKR_OK);
    EXPECT_TRUE(
        crypto::Verify(pub, {SignatureScheme::kRsaPkcs1v15, hashes[i]}, kMessage, false, sig));
  }
  const CK_MECHANISM_TYPE ckm_hash[] = {CKM_SHA256, CKM_SHA384, CKM_SHA512};
  const CK_RSA_PKCS_MGF_TYPE mgf[] = {CKG_MGF1_SHA256, CKG_MGF1_SHA384, CKG_MGF1_SHA512};
  const CK_MECHANISM_TYPE pss[] = {CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS,
                                   CKM_SHA512_RSA_PKCS_PSS};
  for (int i = 0; i < 3; ++i) {
    CK_RSA_PKCS_PSS_PARAMS params{ckm_hash[i], mgf[i], domain::HashLength(hashes[i])};
    for (bool multipart : {false, true}) {
      Bytes sig;
      ASSERT_EQ(SignWith(h, {pss[i], &params, sizeof(params)}, kMessage, &sig, multipart), CKR_OK);
      EXPECT_TRUE(crypto::Verify(pub, {SignatureScheme::kRsaPss, hashes[i]}, kMessage, false, sig));
    }
    Bytes sig;
    const Bytes digest = crypto::Digest(hashes[i], kMessage);
    ASSERT_EQ(SignWith(h, {CKM_RSA_PKCS_PSS, &params, sizeof(params)}, digest, &sig), CKR_OK);
    EXPECT_TRUE(crypto::Verify(pub, {SignatureScheme::kRsaPss, hashes[i]}, kMessage, false, sig));
  }
  EXPECT_EQ(p()->C_CloseSession(h), CKR_OK);
}

TEST_F(Pkcs11ModuleTest, EveryEcMechanismVerifies) {
  for (const char* key : {"ec", "ec384"}) {
    CK_SESSION_HANDLE h = Open(key);
    crypto::PublicKey pub = KeyOf(h);
    const std::size_t raw_len = std::string(key) == "ec" ? 64 : 96;
    const std::pair<CK_MECHANISM_TYPE, HashAlgorithm> mechs[] = {
        {CKM_ECDSA_SHA256, HashAlgorithm::kSha256},
        {CKM_ECDSA_SHA384, HashAlgorithm::kSha384},
        {CKM_ECDSA_SHA512, HashAlgorithm::kSha512}};
    for (const auto& [mech, hash] : mechs) {
      for (bool multipart : {false, true}) {
        Bytes sig;
        ASSERT_EQ(SignWith(h, {mech, nullptr, 0}, kMessage, &sig, multipart), CKR_OK);
        ASSERT_EQ(sig.size(), raw_len);
        auto der = crypto::EcdsaRawToDer(sig);
        ASSERT_TRUE(der.has_value());
        EXPECT_TRUE(crypto::Verify(pub, {SignatureScheme::kEcdsa, hash}, kMessage, false, *der))
            << key << " " << mech;
      }
      // Raw CKM_ECDSA over the digest.
      Bytes sig;
      const Bytes digest = crypto::Digest(hash, kMessage);
      ASSERT_EQ(SignWith(h, {CKM_ECDSA, nullptr, 0}, digest, &sig), CKR_OK);
      auto der = crypto::EcdsaRawToDer(sig);
      ASSERT_TRUE(der.has_value());
      EXPECT_TRUE(crypto::Verify(pub, {SignatureScheme::kEcdsa, hash}, digest, true, *der));
    }
    EXPECT_EQ(p()->C_CloseSession(h), CKR_OK);
  }
}

TEST_F(Pkcs11ModuleTest, SignErrors) {
  CK_SESSION_HANDLE h = Open("rsa");
  CK_OBJECT_HANDLE key = PrivateKey(h);
  CK_BYTE sig[512];
  CK_ULONG len = sizeof(sig);
  CK_BYTE data[32] = {};
  EXPECT_EQ(p()->C_Sign(h, data, 32, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(p()->C_SignFinal(h, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
  CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  EXPECT_EQ(p()->C_SignInit(h, &ecdsa, key), CKR_KEY_TYPE_INCONSISTENT);
  CK_MECHANISM sha1{CKM_SHA1_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(p()->C_SignInit(h, &sha1, key), CKR_MECHANISM_INVALID);
  CK_RSA_PKCS_PSS_PARAMS bad{CKM_SHA256, CKG_MGF1_SHA256, 20};
  CK_MECHANISM pss{CKM_SHA256_RSA_PKCS_PSS, &bad, sizeof(bad)};
  EXPECT_EQ(p()->C_SignInit(h, &pss, key), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_PSS_PARAMS mismatch{CKM_SHA384, CKG_MGF1_SHA384, 48};
  CK_MECHANISM pss2{CKM_SHA256_RSA_PKCS_PSS, &mismatch, sizeof(mismatch)};
  EXPECT_EQ(p()->C_SignInit(h, &pss2, key), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM pss_none{CKM_RSA_PKCS_PSS, nullptr, 0};
  EXPECT_EQ(p()->C_SignInit(h, &pss_none, key), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM sha256{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(p()->C_SignInit(h, &sha256, 0xdead), CKR_KEY_HANDLE_INVALID);
  CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
  auto pubs = Find(h, {{CKA_CLASS, &pub_class, sizeof(pub_class)}});
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(p()->C_SignInit(h, &sha256, pubs[0]), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(p()->C_SignInit(h, nullptr, key), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(p()->C_SignInit(9999, &sha256, key), CKR_SESSION_HANDLE_INVALID);

  // The length protocol: a too-small buffer keeps the operation; the right one completes it.
  ASSERT_EQ(p()->C_SignInit(h, &sha256, key), CKR_OK);
  EXPECT_EQ(p()->C_SignInit(h, &sha256, key), CKR_OPERATION_ACTIVE);
  CK_ULONG small = 10;
  EXPECT_EQ(p()->C_Sign(h, data, 32, sig, &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, 256u);
  len = sizeof(sig);
  EXPECT_EQ(p()->C_Sign(h, data, 32, sig, &len), CKR_OK);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(p()->C_Sign(h, data, 32, sig, &len), CKR_OPERATION_NOT_INITIALIZED);

  // CKM_RSA_PKCS accepts only a DigestInfo.
  CK_MECHANISM raw{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(p()->C_SignInit(h, &raw, key), CKR_OK);
  len = sizeof(sig);
  EXPECT_EQ(p()->C_Sign(h, data, 32, sig, &len), CKR_DATA_INVALID);
  // Raw PSS needs a digest of the parameters' hash length.
  CK_RSA_PKCS_PSS_PARAMS good{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM raw_pss{CKM_RSA_PKCS_PSS, &good, sizeof(good)};
  ASSERT_EQ(p()->C_SignInit(h, &raw_pss, key), CKR_OK);
  len = sizeof(sig);
  EXPECT_EQ(p()->C_Sign(h, data, 20, sig, &len), CKR_DATA_LEN_RANGE);
  ASSERT_EQ(p()->C_SignInit(h, &sha256, key), CKR_OK);
  EXPECT_EQ(p()->C_Sign(h, data, 32, sig, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(p()->C_CloseSession(h), CKR_OK);

  CK_SESSION_HANDLE e = Open("ec");
  ASSERT_EQ(p()->C_SignInit(e, &ecdsa, PrivateKey(e)), CKR_OK);
  len = sizeof(sig);
  EXPECT_EQ(p()->C_Sign(e, data, 20, sig, &len), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(p()->C_CloseSession(e), CKR_OK);

  // Every unsupported function.
  EXPECT_EQ(p()->C_VerifyInit(h, &sha256, key), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_EncryptInit(h, &sha256, key), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_DecryptInit(h, &sha256, key), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_DigestInit(h, &sha256), CKR_FUNCTION_NOT_SUPPORTED);
  // No random number generator on the token (and no pretending to have one).
  CK_SESSION_HANDLE r = Open("ec");
  EXPECT_EQ(p()->C_GenerateRandom(r, data, 4), CKR_RANDOM_NO_RNG);
  EXPECT_EQ(p()->C_SeedRandom(r, data, 4), CKR_RANDOM_NO_RNG);
  EXPECT_EQ(p()->C_CloseSession(r), CKR_OK);
  EXPECT_EQ(p()->C_GenerateRandom(r, data, 4), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(p()->C_CreateObject(h, nullptr, 0, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_DestroyObject(h, key), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_GenerateKeyPair(h, nullptr, nullptr, 0, nullptr, 0, nullptr, nullptr),
            CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_InitToken(0, nullptr, 0, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_WaitForSlotEvent(0, nullptr, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_SignRecoverInit(h, &sha256, key), CKR_FUNCTION_NOT_SUPPORTED);
}

TEST_F(Pkcs11ModuleTest, ApprovalRequiredIsRejected) {
  CK_SESSION_HANDLE h = Open("policy");
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  Bytes sig;
  EXPECT_EQ(SignWith(h, mech, kMessage, &sig), CKR_FUNCTION_REJECTED);
  EXPECT_EQ(p()->C_CloseSession(h), CKR_OK);
}

TEST_F(Pkcs11ModuleTest, SessionsAndLogin) {
  const CK_SLOT_ID slot = SlotOf("ec");
  CK_SESSION_HANDLE h = 0;
  EXPECT_EQ(p()->C_OpenSession(slot, 0, nullptr, nullptr, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(p()->C_OpenSession(999, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(p()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr),
            CKR_ARGUMENTS_BAD);
  ASSERT_EQ(p()->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h),
            CKR_OK);
  CK_SESSION_INFO info;
  ASSERT_EQ(p()->C_GetSessionInfo(h, &info), CKR_OK);
  EXPECT_EQ(info.slotID, slot);
  EXPECT_EQ(info.state, CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(p()->C_Logout(h), CKR_USER_NOT_LOGGED_IN);
  std::string pin = w->client_id + ":" + w->client_secret;
  ASSERT_EQ(p()->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size()),
            CKR_OK);
  ASSERT_EQ(p()->C_GetSessionInfo(h, &info), CKR_OK);
  EXPECT_EQ(info.state, CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(p()->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size()),
            CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(p()->C_Logout(h), CKR_OK);
  std::string wrong = w->client_id + ":not-the-secret";
  EXPECT_EQ(p()->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(wrong.data()), wrong.size()),
            CKR_PIN_INCORRECT);
  EXPECT_EQ(p()->C_Login(h, CKU_SO, nullptr, 0), CKR_USER_TYPE_INVALID);
  // With configured credentials any PIN logs in (the configuration authenticates).
  std::string any = "123456";
  EXPECT_EQ(p()->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(any.data()), any.size()),
            CKR_OK);
  EXPECT_EQ(p()->C_CloseAllSessions(slot), CKR_OK);
  EXPECT_EQ(p()->C_GetSessionInfo(h, &info), CKR_SESSION_HANDLE_INVALID);
}

TEST_F(Pkcs11ModuleTest, InitializeAndFinalize) {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  EXPECT_EQ(p()->C_Initialize(&args), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  ASSERT_EQ(p()->C_Finalize(nullptr), CKR_OK);
  CK_ULONG n = 0;
  EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(p()->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  // Application-supplied mutex callbacks without CKF_OS_LOCKING_OK cannot be honoured.
  CK_C_INITIALIZE_ARGS callbacks{};
  callbacks.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
  callbacks.DestroyMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  callbacks.LockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  callbacks.UnlockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  EXPECT_EQ(p()->C_Initialize(&callbacks), CKR_CANT_LOCK);
  CK_C_INITIALIZE_ARGS reserved{};
  reserved.pReserved = &reserved;
  EXPECT_EQ(p()->C_Initialize(&reserved), CKR_ARGUMENTS_BAD);
  callbacks.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(p()->C_Initialize(&callbacks), CKR_OK);  // TearDown finalizes
  EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
}

// A token the server stops accepting: with client credentials the module logs in again once
// and the call succeeds; without them the call fails with CKR_USER_NOT_LOGGED_IN.
TEST_F(Pkcs11ModuleTest, RevokedTokenLogsInAgainOnce) {
  ASSERT_EQ(p()->C_Finalize(nullptr), CKR_OK);
  client::ClientOptions o;
  o.server_url = w->server->url();
  auto identity = client::Client::Create(o);
  ASSERT_TRUE(identity.has_value());
  auto login =
      (*identity)->LoginWithClientSecret(w->client_id, SecretBytes::FromString(w->client_secret));
  ASSERT_TRUE(login.has_value()) << login.error().message;
  const std::string token(login->access_token.string_view());
  setenv("SIGNET_TOKEN", token.c_str(), 1);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(p()->C_Initialize(&args), CKR_OK);
  CK_SESSION_HANDLE h = Open("ec");
  ASSERT_TRUE((*identity)->Logout().has_value());  // revokes the module's token
  Bytes sig;
  EXPECT_EQ(SignWith(h, {CKM_ECDSA_SHA256, nullptr, 0}, kMessage, &sig), CKR_OK);
  EXPECT_EQ(p()->C_Finalize(nullptr), CKR_OK);

  // Only a token, and it is revoked: the server's 401 becomes CKR_USER_NOT_LOGGED_IN.
  auto again =
      (*identity)->LoginWithClientSecret(w->client_id, SecretBytes::FromString(w->client_secret));
  ASSERT_TRUE(again.has_value());
  const std::string token2(again->access_token.string_view());
  setenv("SIGNET_TOKEN", token2.c_str(), 1);
  unsetenv("SIGNET_CLIENT_ID");
  unsetenv("SIGNET_CLIENT_SECRET");
  ASSERT_EQ(p()->C_Initialize(&args), CKR_OK);
  h = Open("ec");
  CK_OBJECT_HANDLE key = PrivateKey(h);
  ASSERT_TRUE((*identity)->Logout().has_value());
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  ASSERT_EQ(p()->C_SignInit(h, &mech, key), CKR_OK);
  CK_BYTE out[64];
  CK_ULONG len = sizeof(out);
  EXPECT_EQ(p()->C_Sign(h, const_cast<CK_BYTE*>(kMessage.data()), kMessage.size(), out, &len),
            CKR_USER_NOT_LOGGED_IN);
  unsetenv("SIGNET_TOKEN");
  setenv("SIGNET_CLIENT_ID", w->client_id.c_str(), 1);
  setenv("SIGNET_CLIENT_SECRET", w->client_secret.c_str(), 1);
  ASSERT_EQ(p()->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(p()->C_Initialize(&args), CKR_OK);  // TearDown finalizes
}

TEST_F(Pkcs11ModuleTest, ThreadsSignConcurrently) {
  const CK_SLOT_ID slot = SlotOf("ec");
  CK_SESSION_HANDLE probe = Open("ec");
  crypto::PublicKey pub = KeyOf(probe);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE h = 0;
      if (p()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) return;
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      CK_ATTRIBUTE templ{CKA_CLASS, &cls, sizeof(cls)};
      CK_OBJECT_HANDLE key = 0;
      CK_ULONG n = 0;
      p()->C_FindObjectsInit(h, &templ, 1);
      p()->C_FindObjects(h, &key, 1, &n);
      p()->C_FindObjectsFinal(h);
      for (int i = 0; i < 5; ++i) {
        const Bytes msg = ToBytes("thread " + std::to_string(t) + " message " + std::to_string(i));
        CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
        CK_BYTE sig[64];
        CK_ULONG len = sizeof(sig);
        if (p()->C_SignInit(h, &mech, key) != CKR_OK) continue;
        if (p()->C_Sign(h, const_cast<CK_BYTE*>(msg.data()), msg.size(), sig, &len) != CKR_OK) {
          continue;
        }
        auto der = crypto::EcdsaRawToDer(ByteView(sig, len));
        if (der && crypto::Verify(pub, {SignatureScheme::kEcdsa, HashAlgorithm::kSha256}, msg,
                                  false, *der)) {
          ++good;
        }
      }
      p()->C_CloseSession(h);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 40);
  EXPECT_EQ(p()->C_CloseSession(probe), CKR_OK);
}

TEST_F(Pkcs11ModuleTest, ChildAfterForkReinitializes) {
  CK_ULONG n = 0;
  ASSERT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit codes: 0 good; 10+ which step failed. No gtest macros in the child.
    if (p()->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(10);
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    if (p()->C_Initialize(&args) != CKR_OK) _exit(11);
    CK_ULONG count = 0;
    if (p()->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK || count != 4) _exit(12);
    std::vector<CK_SLOT_ID> slots(count);
    if (p()->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) _exit(13);
    CK_SESSION_HANDLE h = 0;
    if (p()->C_OpenSession(slots[0], CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) _exit(14);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE templ{CKA_CLASS, &cls, sizeof(cls)};
    CK_OBJECT_HANDLE key = 0;
    CK_ULONG found = 0;
    if (p()->C_FindObjectsInit(h, &templ, 1) != CKR_OK) _exit(15);
    if (p()->C_FindObjects(h, &key, 1, &found) != CKR_OK || found != 1) _exit(16);
    p()->C_FindObjectsFinal(h);
    CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
    CK_BYTE data[3] = {1, 2, 3};
    CK_BYTE sig[64];
    CK_ULONG len = sizeof(sig);
    if (p()->C_SignInit(h, &mech, key) != CKR_OK) _exit(17);
    if (p()->C_Sign(h, data, 3, sig, &len) != CKR_OK || len != 64) _exit(18);
    if (p()->C_Finalize(nullptr) != CKR_OK) _exit(19);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's module is untouched.
  EXPECT_EQ(p()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  CK_SESSION_HANDLE h = Open("ec");
  Bytes sig;
  EXPECT_EQ(SignWith(h, {CKM_ECDSA_SHA256, nullptr, 0}, kMessage, &sig), CKR_OK);
}

TEST_F(Pkcs11ModuleTest, ExportsOnlyCryptokiSymbols) {
  // nm -D lists the dynamic symbols; every defined one must start with C_.
  const std::string cmd =
      "nm -D --defined-only " + w->server->build_dir() + "/lib/libsignet-pkcs11.so";
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char line[512];
  int exported = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    std::string s(line);
    const std::string name = s.substr(s.find_last_of(' ') + 1);
    if (name.rfind("C_", 0) == 0) {
      ++exported;
    } else {
      ADD_FAILURE() << "exported symbol that is not C_*: " << name;
    }
  }
  pclose(f);
  EXPECT_EQ(exported, 68);
}

}  // namespace
}  // namespace signet::pkcs11
