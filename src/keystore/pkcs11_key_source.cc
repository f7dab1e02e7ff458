#include "keystore/pkcs11_key_source.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "common/encoding.h"
#include "common/log.h"
#include "common/uuid.h"
#include "crypto/random.h"
#include "crypto/sign.h"

namespace signet::keystore {
namespace {

using namespace std::chrono_literals;

constexpr CK_BBOOL kTrue = CK_TRUE;
constexpr CK_BBOOL kFalse = CK_FALSE;
// The longest signature any supported key makes: RSA-4096 (512 bytes); P-521 raw is 132.
constexpr std::size_t kMaxSignature = 512;

std::string RvName(CK_RV rv) {
  switch (rv) {
#define SIGNET_RV(name) \
  case name:            \
    return #name;
    SIGNET_RV(CKR_OK)
    SIGNET_RV(CKR_GENERAL_ERROR)
    SIGNET_RV(CKR_HOST_MEMORY)
    SIGNET_RV(CKR_SLOT_ID_INVALID)
    SIGNET_RV(CKR_FUNCTION_FAILED)
    SIGNET_RV(CKR_ARGUMENTS_BAD)
    SIGNET_RV(CKR_ATTRIBUTE_TYPE_INVALID)
    SIGNET_RV(CKR_ATTRIBUTE_VALUE_INVALID)
    SIGNET_RV(CKR_ATTRIBUTE_SENSITIVE)
    SIGNET_RV(CKR_DEVICE_ERROR)
    SIGNET_RV(CKR_DEVICE_MEMORY)
    SIGNET_RV(CKR_DEVICE_REMOVED)
    SIGNET_RV(CKR_KEY_HANDLE_INVALID)
    SIGNET_RV(CKR_KEY_TYPE_INCONSISTENT)
    SIGNET_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
    SIGNET_RV(CKR_MECHANISM_INVALID)
    SIGNET_RV(CKR_MECHANISM_PARAM_INVALID)
    SIGNET_RV(CKR_OBJECT_HANDLE_INVALID)
    SIGNET_RV(CKR_OPERATION_ACTIVE)
    SIGNET_RV(CKR_PIN_INCORRECT)
    SIGNET_RV(CKR_PIN_INVALID)
    SIGNET_RV(CKR_PIN_LEN_RANGE)
    SIGNET_RV(CKR_PIN_EXPIRED)
    SIGNET_RV(CKR_PIN_LOCKED)
    SIGNET_RV(CKR_SESSION_CLOSED)
    SIGNET_RV(CKR_SESSION_COUNT)
    SIGNET_RV(CKR_SESSION_HANDLE_INVALID)
    SIGNET_RV(CKR_TEMPLATE_INCOMPLETE)
    SIGNET_RV(CKR_TEMPLATE_INCONSISTENT)
    SIGNET_RV(CKR_TOKEN_NOT_PRESENT)
    SIGNET_RV(CKR_TOKEN_NOT_RECOGNIZED)
    SIGNET_RV(CKR_TOKEN_WRITE_PROTECTED)
    SIGNET_RV(CKR_USER_ALREADY_LOGGED_IN)
    SIGNET_RV(CKR_USER_NOT_LOGGED_IN)
    SIGNET_RV(CKR_USER_PIN_NOT_INITIALIZED)
    SIGNET_RV(CKR_USER_TYPE_INVALID)
    SIGNET_RV(CKR_BUFFER_TOO_SMALL)
    SIGNET_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
    SIGNET_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef SIGNET_RV
    default: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "CKR 0x%08lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

// The session, the device or the token is gone: every session is dropped and the token is
// found again (the library reloaded).
bool IsConnectionLoss(CK_RV rv) {
  switch (rv) {
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_DEVICE_REMOVED:
    case CKR_DEVICE_ERROR:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_SLOT_ID_INVALID:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
    case CKR_GENERAL_ERROR:
      return true;
    default:
      return false;
  }
}

// PKCS#11 text fields are fixed-width and blank-padded.
std::string Padded(const unsigned char* text, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(text), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

std::string Version(const CK_VERSION& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor);
}

CK_ULONG RsaBits(domain::KeyAlgorithm a) {
  switch (a) {
    case domain::KeyAlgorithm::kRsa2048:
      return 2048;
    case domain::KeyAlgorithm::kRsa3072:
      return 3072;
    case domain::KeyAlgorithm::kRsa4096:
      return 4096;
    default:
      return 0;
  }
}

CK_MECHANISM_TYPE HashMechanism(domain::HashAlgorithm h) {
  switch (h) {
    case domain::HashAlgorithm::kSha384:
      return CKM_SHA384;
    case domain::HashAlgorithm::kSha512:
      return CKM_SHA512;
    default:
      return CKM_SHA256;
  }
}

CK_RSA_PKCS_MGF_TYPE Mgf(domain::HashAlgorithm h) {
  switch (h) {
    case domain::HashAlgorithm::kSha384:
      return CKG_MGF1_SHA384;
    case domain::HashAlgorithm::kSha512:
      return CKG_MGF1_SHA512;
    default:
      return CKG_MGF1_SHA256;
  }
}

CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t size) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}
template <class T>
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const T& value) {
  return Attr(type, &value, sizeof(T));
}

// A failed call: which function, which CK_RV.
struct CkFailure {
  CK_RV rv;
  std::string what;
};
template <class T>
using CkResult = tl::expected<T, CkFailure>;
tl::unexpected<CkFailure> Fail(CK_RV rv, std::string what) {
  return tl::unexpected(CkFailure{rv, std::move(what)});
}

// The loaded library. Not thread-safe by itself: Pkcs11KeySource::Impl guards it.
class Library {
 public:
  static Result<std::unique_ptr<Library>> Load(const std::string& path) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      return MakeError(ErrorCode::kUnavailable, "the PKCS#11 library '" + path +
                                                    "' does not load: " + (why ? why : "unknown"));
    }
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR f = nullptr;
    if (get == nullptr || get(&f) != CKR_OK || f == nullptr) {
      dlclose(handle);
      return MakeError(ErrorCode::kUnavailable,
                       "'" + path + "' is not a PKCS#11 library (no C_GetFunctionList)");
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      dlclose(handle);
      return MakeError(ErrorCode::kUnavailable,
                       "C_Initialize of '" + path + "' failed: " + RvName(rv));
    }
    return std::unique_ptr<Library>(new Library(handle, f));
  }
  ~Library() {
    f_->C_Finalize(nullptr);
    dlclose(handle_);
  }
  CK_FUNCTION_LIST_PTR f() const { return f_; }

 private:
  Library(void* handle, CK_FUNCTION_LIST_PTR f) : handle_(handle), f_(f) {}
  void* handle_;
  CK_FUNCTION_LIST_PTR f_;
};

Bytes KeyIdBytes(const std::string& key_id) {
  std::string hex;
  for (char c : key_id) {
    if (c != '-') hex.push_back(c);
  }
  auto b = HexDecode(hex);
  return b ? *b : Bytes(key_id.begin(), key_id.end());
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class Pkcs11SigningKey;

class Pkcs11KeySource::Impl {
 public:
  Impl(HsmConfig config, store::Store& store, const Clock& clock)
      : config_(std::move(config)), store_(store), clock_(clock) {}

  ~Impl() {
    std::unique_lock lock(conn_mu_);
    CloseAll();
  }

  // Loads the library, finds the token, logs in. Holds conn_mu_ exclusively.
  Status Connect() {
    std::unique_lock lock(conn_mu_);
    return ConnectLocked();
  }

  std::string Describe() const {
    return "HSM token '" + token_label_ + "' (" + config_.module_path + ")";
  }

  // Runs `op` with a logged-in session of the current connection. Reconnects (throttled) when
  // the token was lost, logs in again on CKR_USER_NOT_LOGGED_IN, and retries once.
  template <class T, class Op>
  Result<T> Run(std::string_view what, Op op) {
    std::string last;
    for (int attempt = 0; attempt < 3; ++attempt) {
      SIGNET_TRY(EnsureConnected());
      std::shared_lock lock(conn_mu_);
      if (!connected_) continue;
      auto session = Acquire();
      if (!session) {
        last = session.error().what + ": " + RvName(session.error().rv);
        if (IsConnectionLoss(session.error().rv)) {
          lock.unlock();
          MarkDown(last);
          continue;
        }
        return MakeError(ErrorCode::kUnavailable, Unreachable(last));
      }
      CkResult<T> r = op(lib_->f(), *session, generation_);
      if (r) {
        Release(*session, true);
        return std::move(*r);
      }
      const CK_RV rv = r.error().rv;
      last = r.error().what + ": " + RvName(rv);
      if (rv == CKR_USER_NOT_LOGGED_IN) {
        Release(*session, true);
        if (CK_RV lrv = Login(*session); lrv != CKR_OK) {
          return MakeError(ErrorCode::kUnavailable, Unreachable("C_Login: " + RvName(lrv)));
        }
        continue;
      }
      if (IsConnectionLoss(rv)) {
        Release(*session, false);
        lock.unlock();
        MarkDown(last);
        continue;
      }
      if (rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_KEY_HANDLE_INVALID) {
        // A key that vanished may be a token that did (a module that reports its storage
        // gone object by object): ask the token itself before looking the key up again.
        CK_TOKEN_INFO token{};
        const CK_RV trv = lib_->f()->C_GetTokenInfo(slot_, &token);
        if (trv != CKR_OK && IsConnectionLoss(trv)) {
          Release(*session, false);
          lock.unlock();
          MarkDown(last + "; C_GetTokenInfo: " + RvName(trv));
          continue;
        }
        Release(*session, true);
        continue;
      }
      Release(*session, true);
      return MakeError(ErrorCode::kInternal, std::string(what) + " failed in the HSM: " + last);
    }
    return MakeError(ErrorCode::kUnavailable, Unreachable(last));
  }

  Status Health() {
    SIGNET_TRY(EnsureConnected());
    auto r = Run<bool>(
        "checking the token",
        [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, std::uint64_t) -> CkResult<bool> {
          CK_SESSION_INFO info{};
          if (CK_RV rv = f->C_GetSessionInfo(s, &info); rv != CKR_OK) {
            return Fail(rv, "C_GetSessionInfo");
          }
          CK_TOKEN_INFO token{};
          if (CK_RV rv = f->C_GetTokenInfo(info.slotID, &token); rv != CKR_OK) {
            return Fail(rv, "C_GetTokenInfo");
          }
          return true;
        });
    if (!r) return tl::unexpected(r.error());
    return Ok();
  }

  Result<HsmModuleInfo> ModuleInfo() {
    return Run<HsmModuleInfo>(
        "reading the module information",
        [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE, std::uint64_t) -> CkResult<HsmModuleInfo> {
          CK_INFO info{};
          if (CK_RV rv = f->C_GetInfo(&info); rv != CKR_OK) return Fail(rv, "C_GetInfo");
          CK_TOKEN_INFO t{};
          if (CK_RV rv = f->C_GetTokenInfo(slot_, &t); rv != CKR_OK) {
            return Fail(rv, "C_GetTokenInfo");
          }
          HsmModuleInfo m;
          m.library_manufacturer = Padded(info.manufacturerID, sizeof(info.manufacturerID));
          m.library_description = Padded(info.libraryDescription, sizeof(info.libraryDescription));
          m.library_version = Version(info.libraryVersion);
          m.cryptoki_version = Version(info.cryptokiVersion);
          m.token_label = Padded(t.label, sizeof(t.label));
          m.manufacturer = Padded(t.manufacturerID, sizeof(t.manufacturerID));
          m.model = Padded(t.model, sizeof(t.model));
          m.serial_number = Padded(t.serialNumber, sizeof(t.serialNumber));
          m.hardware_version = Version(t.hardwareVersion);
          m.firmware_version = Version(t.firmwareVersion);
          return m;
        });
  }

  // ---- keys ----

  Result<NewKey> Generate(domain::KeyAlgorithm algorithm) {
    const std::string key_id = NewUuid();
    const std::string label = "signet-" + key_id;
    const Bytes id = KeyIdBytes(key_id);
    const bool rsa = domain::KeyTypeOf(algorithm) == domain::KeyType::kRsa;
    const CK_ULONG bits = RsaBits(algorithm);
    static constexpr std::array<std::uint8_t, 3> kExponent{0x01, 0x00, 0x01};
    const Bytes ec_params = crypto::EcParametersDer(algorithm);
    const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY, priv_class = CKO_PRIVATE_KEY;
    const CK_KEY_TYPE key_type = rsa ? CKK_RSA : CKK_EC;
    std::vector<CK_ATTRIBUTE> pub{Attr(CKA_CLASS, pub_class),
                                  Attr(CKA_KEY_TYPE, key_type),
                                  Attr(CKA_TOKEN, kTrue),
                                  Attr(CKA_PRIVATE, kFalse),
                                  Attr(CKA_VERIFY, kTrue),
                                  Attr(CKA_ENCRYPT, kFalse),
                                  Attr(CKA_WRAP, kFalse),
                                  Attr(CKA_LABEL, label.data(), label.size()),
                                  Attr(CKA_ID, id.data(), id.size())};
    if (rsa) {
      pub.push_back(Attr(CKA_MODULUS_BITS, bits));
      pub.push_back(Attr(CKA_PUBLIC_EXPONENT, kExponent.data(), kExponent.size()));
    } else {
      pub.push_back(Attr(CKA_EC_PARAMS, ec_params.data(), ec_params.size()));
    }
    std::vector<CK_ATTRIBUTE> priv{Attr(CKA_CLASS, priv_class),
                                   Attr(CKA_KEY_TYPE, key_type),
                                   Attr(CKA_TOKEN, kTrue),
                                   Attr(CKA_PRIVATE, kTrue),
                                   Attr(CKA_SENSITIVE, kTrue),
                                   Attr(CKA_EXTRACTABLE, kFalse),
                                   Attr(CKA_SIGN, kTrue),
                                   Attr(CKA_DECRYPT, kFalse),
                                   Attr(CKA_UNWRAP, kFalse),
                                   Attr(CKA_DERIVE, kFalse),
                                   Attr(CKA_LABEL, label.data(), label.size()),
                                   Attr(CKA_ID, id.data(), id.size())};
    CK_MECHANISM mech{rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    SIGNET_ASSIGN_OR_RETURN(
        Bytes spki,
        (Run<Bytes>(
            "generating a " + std::string(domain::KeyAlgorithmName(algorithm)) + " key",
            [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, std::uint64_t) -> CkResult<Bytes> {
              CK_OBJECT_HANDLE hpub = 0, hpriv = 0;
              if (CK_RV rv = f->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(),
                                                  priv.size(), &hpub, &hpriv);
                  rv != CKR_OK) {
                return Fail(rv, "C_GenerateKeyPair");
              }
              auto spki = PublicKeyOf(f, s, hpub, algorithm);
              if (!spki) {
                f->C_DestroyObject(s, hpriv);
                f->C_DestroyObject(s, hpub);
              }
              return spki;
            })));
    NewKey out;
    out.source = domain::KeySourceType::kHsm;
    out.stored = StoredKey{key_id, algorithm, spki};
    domain::HsmKey ref;
    ref.key_id = key_id;
    ref.algorithm = algorithm;
    ref.token_label = token_label_;
    ref.token_serial = token_serial_;
    ref.object_label = label;
    ref.object_id = id;
    ref.public_key_spki = spki;
    ref.adopted = false;
    ref.created_at = clock_.Now();
    out.hsm = ref;
    out.key = MakeKey(std::move(ref));
    return out;
  }

  Result<NewKey> AdoptExisting(const ExistingKeyRef& want) {
    if (!want.label && !want.id) {
      return InvalidArgument("adopting an HSM key needs hsmKeyLabel or hsmKeyId");
    }
    const std::string named =
        want.label ? "label '" + *want.label + "'" : "id '" + HexEncode(*want.id) + "'";
    struct Found {
      std::string label;
      Bytes id;
      domain::KeyAlgorithm algorithm;
      Bytes spki;
      std::size_t count = 0;
    };
    SIGNET_ASSIGN_OR_RETURN(
        Found found,
        (Run<Found>(
             "finding the key with " + named,
             [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, std::uint64_t) -> CkResult<Found> {
               const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
               std::vector<CK_ATTRIBUTE> tmpl{Attr(CKA_CLASS, cls)};
               if (want.label) {
                 tmpl.push_back(Attr(CKA_LABEL, want.label->data(), want.label->size()));
               }
               if (want.id) tmpl.push_back(Attr(CKA_ID, want.id->data(), want.id->size()));
               auto handles = FindAll(f, s, tmpl);
               if (!handles) return tl::unexpected(handles.error());
               Found out;
               out.count = handles->size();
               if (out.count != 1) return out;
               const CK_OBJECT_HANDLE h = handles->front();
               auto label = ReadBytes(f, s, h, CKA_LABEL);
               auto id = ReadBytes(f, s, h, CKA_ID);
               if (!label) return tl::unexpected(label.error());
               if (!id) return tl::unexpected(id.error());
               out.label.assign(label->begin(), label->end());
               out.id = *id;
               CK_KEY_TYPE kt = 0;
               CK_BBOOL can_sign = CK_FALSE;
               CK_ATTRIBUTE a[] = {Attr(CKA_KEY_TYPE, &kt, sizeof kt),
                                   Attr(CKA_SIGN, &can_sign, sizeof can_sign)};
               if (CK_RV rv = f->C_GetAttributeValue(s, h, a, 2); rv != CKR_OK) {
                 return Fail(rv, "C_GetAttributeValue");
               }
               if (can_sign != CK_TRUE) return Fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_SIGN");
               if (kt == CKK_RSA) {
                 auto n = ReadBytes(f, s, h, CKA_MODULUS);
                 auto e = ReadBytes(f, s, h, CKA_PUBLIC_EXPONENT);
                 if (!n) return tl::unexpected(n.error());
                 if (!e) return tl::unexpected(e.error());
                 auto key = crypto::PublicKey::FromRsaComponents(*n, *e);
                 if (!key) return Fail(CKR_KEY_TYPE_INCONSISTENT, key.error().message);
                 out.algorithm = *key->algorithm();
                 out.spki = *key->SpkiDer();
                 return out;
               }
               if (kt != CKK_EC) return Fail(CKR_KEY_TYPE_INCONSISTENT, "neither RSA nor EC");
               auto params = ReadBytes(f, s, h, CKA_EC_PARAMS);
               if (!params) return tl::unexpected(params.error());
               auto alg = crypto::EcAlgorithmFromParameters(*params);
               if (!alg) return Fail(CKR_KEY_TYPE_INCONSISTENT, alg.error().message);
               // The point is on the public key object with the same CKA_ID.
               const CK_OBJECT_CLASS pub_cls = CKO_PUBLIC_KEY;
               std::vector<CK_ATTRIBUTE> pt{Attr(CKA_CLASS, pub_cls),
                                            Attr(CKA_ID, out.id.data(), out.id.size())};
               auto pubs = FindAll(f, s, pt);
               if (!pubs) return tl::unexpected(pubs.error());
               if (pubs->size() != 1) {
                 return Fail(CKR_TEMPLATE_INCOMPLETE,
                             "no single public key object with the private key's CKA_ID");
               }
               auto spki = PublicKeyOf(f, s, pubs->front(), *alg);
               if (!spki) return tl::unexpected(spki.error());
               out.algorithm = *alg;
               out.spki = *spki;
               return out;
             })
             .or_else([&](const Error& e) -> Result<Found> {
               // Unusable objects are the caller's mistake, not the module's.
               if (e.code == ErrorCode::kInternal) {
                 return InvalidArgument("the HSM key with " + named +
                                        " cannot be adopted: " + e.message);
               }
               return tl::unexpected(e);
             })));
    if (found.count != 1) {
      return InvalidArgument(found.count == 0
                                 ? "the HSM token has no private key with " + named
                                 : "the HSM token has " + std::to_string(found.count) +
                                       " private keys with " + named + "; name exactly one");
    }
    if (found.id.empty()) {
      return InvalidArgument("the HSM key with " + named +
                             " has no CKA_ID; give it one so signetd can find it again");
    }
    NewKey out;
    out.source = domain::KeySourceType::kHsm;
    const std::string key_id = NewUuid();
    out.stored = StoredKey{key_id, found.algorithm, found.spki};
    domain::HsmKey ref;
    ref.key_id = key_id;
    ref.algorithm = found.algorithm;
    ref.token_label = token_label_;
    ref.token_serial = token_serial_;
    ref.object_label = found.label;
    ref.object_id = found.id;
    ref.public_key_spki = found.spki;
    ref.adopted = true;
    ref.created_at = clock_.Now();
    out.hsm = ref;
    out.key = MakeKey(std::move(ref));
    return out;
  }

  void Destroy(const domain::HsmKey& ref) {
    auto r = Run<bool>(
        "destroying an unused key",
        [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, std::uint64_t) -> CkResult<bool> {
          std::vector<CK_ATTRIBUTE> tmpl{
              Attr(CKA_LABEL, ref.object_label.data(), ref.object_label.size()),
              Attr(CKA_ID, ref.object_id.data(), ref.object_id.size())};
          auto handles = FindAll(f, s, tmpl);
          if (!handles) return tl::unexpected(handles.error());
          for (CK_OBJECT_HANDLE h : *handles) f->C_DestroyObject(s, h);
          return true;
        });
    if (!r) {
      log::Write(log::Level::kWarn, "",
                 "HSM key objects '" + ref.object_label +
                     "' were left in the token: " + r.error().message);
    }
  }

  Result<std::shared_ptr<const crypto::SigningKey>> Load(std::string_view key_id) {
    const std::string id(key_id);
    {
      std::lock_guard lock(cache_mu_);
      if (auto it = cache_.find(id); it != cache_.end()) return it->second;
    }
    SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(domain::HsmKey ref, tx->GetHsmKey(id));
    auto key = MakeKey(std::move(ref));
    std::lock_guard lock(cache_mu_);
    return cache_.emplace(id, std::move(key)).first->second;
  }

  Result<KeyDescription> Describe(std::string_view key_id) {
    SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(domain::HsmKey ref, tx->GetHsmKey(std::string(key_id)));
    tx.reset();
    KeyDescription d;
    d.source = domain::KeySourceType::kHsm;
    d.key_id = ref.key_id;
    d.algorithm = ref.algorithm;
    d.public_key_spki = ref.public_key_spki;
    d.adopted = ref.adopted;
    SIGNET_ASSIGN_OR_RETURN(d.module, ModuleInfo());
    SIGNET_ASSIGN_OR_RETURN(
        d.attributes,
        (Run<HsmKeyAttributes>("reading the key's attributes",
                               [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
                                   std::uint64_t) -> CkResult<HsmKeyAttributes> {
                                 auto h = FindPrivate(f, s, ref);
                                 if (!h) return tl::unexpected(h.error());
                                 HsmKeyAttributes a;
                                 CK_BBOOL token = 0, priv = 0, sens = 0, extr = 0, sign = 0,
                                          local = 0, never = 0, always = 0;
                                 CK_ATTRIBUTE t[] = {Attr(CKA_TOKEN, &token, 1),
                                                     Attr(CKA_PRIVATE, &priv, 1),
                                                     Attr(CKA_SENSITIVE, &sens, 1),
                                                     Attr(CKA_EXTRACTABLE, &extr, 1),
                                                     Attr(CKA_SIGN, &sign, 1),
                                                     Attr(CKA_LOCAL, &local, 1),
                                                     Attr(CKA_NEVER_EXTRACTABLE, &never, 1),
                                                     Attr(CKA_ALWAYS_SENSITIVE, &always, 1)};
                                 if (CK_RV rv = f->C_GetAttributeValue(s, *h, t, 8); rv != CKR_OK) {
                                   return Fail(rv, "C_GetAttributeValue");
                                 }
                                 a.label = ref.object_label;
                                 a.id = ref.object_id;
                                 a.token = token == CK_TRUE;
                                 a.is_private = priv == CK_TRUE;
                                 a.sensitive = sens == CK_TRUE;
                                 a.extractable = extr == CK_TRUE;
                                 a.sign = sign == CK_TRUE;
                                 a.local = local == CK_TRUE;
                                 a.never_extractable = never == CK_TRUE;
                                 a.always_sensitive = always == CK_TRUE;
                                 return a;
                               })));
    return d;
  }

  // ---- the root key's wrapping key ----

  static CkResult<std::optional<CK_OBJECT_HANDLE>> FindAes(CK_FUNCTION_LIST_PTR f,
                                                           CK_SESSION_HANDLE s,
                                                           std::string_view label) {
    const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    const CK_KEY_TYPE kt = CKK_AES;
    std::vector<CK_ATTRIBUTE> tmpl{Attr(CKA_CLASS, cls), Attr(CKA_KEY_TYPE, kt),
                                   Attr(CKA_LABEL, label.data(), label.size())};
    auto found = FindAll(f, s, tmpl);
    if (!found) return tl::unexpected(found.error());
    if (found->size() > 1)
      return Fail(CKR_TEMPLATE_INCONSISTENT, "more than one AES key labelled so");
    if (found->empty()) return std::optional<CK_OBJECT_HANDLE>();
    return std::optional<CK_OBJECT_HANDLE>(found->front());
  }

  Result<Bytes> Seal(std::string_view label, ByteView plaintext) {
    SIGNET_ASSIGN_OR_RETURN(Bytes iv, crypto::RandomBytes(12));
    static constexpr std::string_view kAad = "signet-root-key:v1";
    return Run<Bytes>(
        "sealing the root key",
        [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, std::uint64_t) -> CkResult<Bytes> {
          auto key = FindAes(f, s, label);
          if (!key) return tl::unexpected(key.error());
          CK_OBJECT_HANDLE h = 0;
          if (*key) {
            h = **key;
          } else {
            const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
            const CK_KEY_TYPE kt = CKK_AES;
            const CK_ULONG len = 32;
            CK_ATTRIBUTE tmpl[] = {
                Attr(CKA_CLASS, cls),          Attr(CKA_KEY_TYPE, kt),
                Attr(CKA_VALUE_LEN, len),      Attr(CKA_TOKEN, kTrue),
                Attr(CKA_PRIVATE, kTrue),      Attr(CKA_SENSITIVE, kTrue),
                Attr(CKA_EXTRACTABLE, kFalse), Attr(CKA_ENCRYPT, kTrue),
                Attr(CKA_DECRYPT, kTrue),      Attr(CKA_WRAP, kFalse),
                Attr(CKA_UNWRAP, kFalse),      Attr(CKA_LABEL, label.data(), label.size())};
            CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
            if (CK_RV rv = f->C_GenerateKey(s, &gen, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &h);
                rv != CKR_OK) {
              return Fail(rv, "C_GenerateKey");
            }
          }
          CK_GCM_PARAMS gcm{
              iv.data(),     iv.size(),
              iv.size() * 8, reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(kAad.data())),
              kAad.size(),   128};
          CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof(gcm)};
          if (CK_RV rv = f->C_EncryptInit(s, &mech, h); rv != CKR_OK)
            return Fail(rv, "C_EncryptInit");
          Bytes out(plaintext.size() + 16);
          CK_ULONG len = out.size();
          if (CK_RV rv = f->C_Encrypt(s, const_cast<CK_BYTE_PTR>(plaintext.data()),
                                      plaintext.size(), out.data(), &len);
              rv != CKR_OK) {
            return Fail(rv, "C_Encrypt");
          }
          out.resize(len);
          out.insert(out.begin(), iv.begin(), iv.end());
          return out;
        });
  }

  Result<SecretBytes> Unseal(std::string_view label, ByteView sealed) {
    static constexpr std::string_view kAad = "signet-root-key:v1";
    if (sealed.size() < 12 + 16) return FailedPrecondition("the sealed root key is too short");
    bool missing = false;
    auto r = Run<SecretBytes>(
        "unsealing the root key",
        [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, std::uint64_t) -> CkResult<SecretBytes> {
          auto key = FindAes(f, s, label);
          if (!key) return tl::unexpected(key.error());
          if (!*key) {
            missing = true;
            return SecretBytes();
          }
          Bytes iv(sealed.begin(), sealed.begin() + 12);
          CK_GCM_PARAMS gcm{
              iv.data(),     iv.size(),
              iv.size() * 8, reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(kAad.data())),
              kAad.size(),   128};
          CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof(gcm)};
          if (CK_RV rv = f->C_DecryptInit(s, &mech, **key); rv != CKR_OK)
            return Fail(rv, "C_DecryptInit");
          SecretBytes out(sealed.size());
          CK_ULONG len = out.size();
          if (CK_RV rv = f->C_Decrypt(s, const_cast<CK_BYTE_PTR>(sealed.data() + 12),
                                      sealed.size() - 12, out.data(), &len);
              rv != CKR_OK) {
            return Fail(rv, "C_Decrypt");
          }
          return SecretBytes(ByteView(out.data(), len));
        });
    if (!r) {
      return FailedPrecondition(
          "the root key sealed in this database does not open with the HSM key '" +
          std::string(label) + "': " + r.error().message);
    }
    if (missing) {
      return FailedPrecondition("the HSM token has no AES key labelled '" + std::string(label) +
                                "', which sealed this database's root key");
    }
    return r;
  }

  // Signs `digest` (already checked by crypto::DigestToSign) with the key `ref`.
  Result<Bytes> SignDigest(const domain::HsmKey& ref, CK_OBJECT_HANDLE& cached,
                           std::uint64_t& cached_generation, std::mutex& cached_mu,
                           domain::SigningAlgorithm algorithm, const Bytes& digest) {
    Bytes input = digest;
    CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
    CK_RSA_PKCS_PSS_PARAMS pss{HashMechanism(algorithm.hash), Mgf(algorithm.hash),
                               static_cast<CK_ULONG>(domain::HashLength(algorithm.hash))};
    switch (algorithm.scheme) {
      case domain::SignatureScheme::kRsaPkcs1v15: {
        SIGNET_ASSIGN_OR_RETURN(input, crypto::EncodeDigestInfo(algorithm.hash, digest));
        mech = {CKM_RSA_PKCS, nullptr, 0};
        break;
      }
      case domain::SignatureScheme::kRsaPss:
        mech = {CKM_RSA_PKCS_PSS, &pss, sizeof(pss)};
        break;
      case domain::SignatureScheme::kEcdsa:
        break;
    }
    SIGNET_ASSIGN_OR_RETURN(
        Bytes raw,
        (Run<Bytes>("signing",
                    [&](CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
                        std::uint64_t generation) -> CkResult<Bytes> {
                      CK_OBJECT_HANDLE h = 0;
                      {
                        std::lock_guard lock(cached_mu);
                        if (cached_generation == generation) h = cached;
                      }
                      if (h == 0) {
                        auto found = FindPrivate(f, s, ref);
                        if (!found) return tl::unexpected(found.error());
                        h = *found;
                        std::lock_guard lock(cached_mu);
                        cached = h;
                        cached_generation = generation;
                      }
                      CK_RV rv = f->C_SignInit(s, &mech, h);
                      if (rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_KEY_HANDLE_INVALID) {
                        std::lock_guard lock(cached_mu);
                        cached_generation = 0;
                      }
                      if (rv != CKR_OK) return Fail(rv, "C_SignInit");
                      Bytes sig(kMaxSignature);
                      CK_ULONG len = sig.size();
                      rv = f->C_Sign(s, input.data(), input.size(), sig.data(), &len);
                      if (rv != CKR_OK) return Fail(rv, "C_Sign");
                      sig.resize(len);
                      return sig;
                    })));
    if (algorithm.scheme == domain::SignatureScheme::kEcdsa) return crypto::EcdsaRawToDer(raw);
    return raw;
  }

 private:
  std::shared_ptr<const crypto::SigningKey> MakeKey(domain::HsmKey ref);

  // ---- connection (conn_mu_ held exclusively) ----

  Status ConnectLocked() {
    CloseAll();
    auto lib = Library::Load(config_.module_path);
    if (!lib) {
      down_reason_ = lib.error().message;
      return tl::unexpected(lib.error());
    }
    lib_ = std::move(*lib);
    CK_FUNCTION_LIST_PTR f = lib_->f();
    CK_ULONG count = 0;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, nullptr, &count);
    std::vector<CK_SLOT_ID> slots(count);
    if (rv == CKR_OK && count > 0) rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv != CKR_OK) return Down(ErrorCode::kUnavailable, "C_GetSlotList: " + RvName(rv));
    slots.resize(count);
    std::optional<CK_SLOT_ID> chosen;
    CK_TOKEN_INFO info{};
    for (CK_SLOT_ID slot : slots) {
      CK_TOKEN_INFO t{};
      if (f->C_GetTokenInfo(slot, &t) != CKR_OK) continue;
      const bool match = config_.slot_id ? slot == *config_.slot_id
                                         : Padded(t.label, sizeof(t.label)) == *config_.token_label;
      if (match) {
        chosen = slot;
        info = t;
        break;
      }
    }
    if (!chosen) {
      return Down(ErrorCode::kUnavailable,
                  config_.slot_id ? "no token in slot " + std::to_string(*config_.slot_id)
                                  : "no token labelled '" + *config_.token_label + "'");
    }
    slot_ = *chosen;
    token_label_ = Padded(info.label, sizeof(info.label));
    token_serial_ = Padded(info.serialNumber, sizeof(info.serialNumber));
    login_required_ = (info.flags & CKF_LOGIN_REQUIRED) != 0;
    protected_path_ = (info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
    cap_ = std::max<std::size_t>(1, config_.max_sessions);
    const CK_ULONG token_max = info.ulMaxRwSessionCount;
    if (token_max != CK_EFFECTIVELY_INFINITE && token_max != CK_UNAVAILABLE_INFORMATION &&
        token_max > 0) {
      cap_ = std::min<std::size_t>(cap_, token_max);
    }
    // The first session logs the application in for every session (PKCS#11 §5.6).
    CK_SESSION_HANDLE s = 0;
    rv = f->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
    if (rv != CKR_OK) return Down(ErrorCode::kUnavailable, "C_OpenSession: " + RvName(rv));
    rv = Login(s);
    if (rv != CKR_OK) {
      f->C_CloseSession(s);
      const bool pin_problem = rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ||
                               rv == CKR_PIN_EXPIRED || rv == CKR_PIN_LEN_RANGE ||
                               rv == CKR_PIN_INVALID || rv == CKR_USER_PIN_NOT_INITIALIZED;
      return Down(pin_problem ? ErrorCode::kFailedPrecondition : ErrorCode::kUnavailable,
                  pin_problem
                      ? "the HSM token '" + token_label_ + "' refused the PIN (" + RvName(rv) + ")"
                      : "C_Login: " + RvName(rv));
    }
    {
      std::lock_guard lock(pool_mu_);
      idle_.push_back(s);
      open_ = 1;
    }
    ++generation_;
    connected_ = true;
    down_reason_.clear();
    return Ok();
  }

  CK_RV Login(CK_SESSION_HANDLE s) {
    if (!login_required_) return CKR_OK;
    CK_RV rv;
    if (config_.pin) {
      rv = lib_->f()->C_Login(s, CKU_USER, const_cast<CK_UTF8CHAR_PTR>(config_.pin->data()),
                              config_.pin->size());
    } else {
      rv = lib_->f()->C_Login(s, CKU_USER, nullptr, 0);
    }
    return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
  }

  Status Down(ErrorCode code, const std::string& reason) {
    down_reason_ = reason;
    connected_ = false;
    return MakeError(code, code == ErrorCode::kFailedPrecondition ? reason : Unreachable(reason));
  }

  void CloseAll() {
    {
      std::lock_guard lock(pool_mu_);
      idle_.clear();
      open_ = 0;
      pool_cv_.notify_all();
    }
    if (lib_) lib_->f()->C_CloseAllSessions(slot_);
    lib_.reset();  // C_Finalize, dlclose
    connected_ = false;
  }

  std::string Unreachable(const std::string& reason) const {
    const std::string name = config_.token_label ? "'" + *config_.token_label + "'"
                                                 : "in slot " + std::to_string(*config_.slot_id);
    return "the HSM token " + name + " is unreachable: " + reason;
  }

  void MarkDown(const std::string& reason) {
    std::unique_lock lock(conn_mu_);
    if (!connected_) return;
    log::Write(log::Level::kError, "", Unreachable(reason));
    CloseAll();
    down_reason_ = reason;
  }

  Status EnsureConnected() {
    {
      std::shared_lock lock(conn_mu_);
      if (connected_) return Ok();
    }
    std::unique_lock lock(conn_mu_);
    if (connected_) return Ok();
    const TimePoint now = clock_.Now();
    if (last_attempt_ && now - *last_attempt_ < 1s) {
      return MakeError(ErrorCode::kUnavailable, Unreachable(down_reason_));
    }
    last_attempt_ = now;
    Status s = ConnectLocked();
    if (s) {
      log::Write(log::Level::kInfo, "", "the HSM token '" + token_label_ + "' is reachable again");
      return s;
    }
    // Down() already phrased token and PIN problems; a library that does not load is not yet.
    const std::string& m = s.error().message;
    return MakeError(ErrorCode::kUnavailable,
                     m.find(" is unreachable: ") != std::string::npos ? m : Unreachable(m));
  }

  // ---- session pool (conn_mu_ held shared) ----

  CkResult<CK_SESSION_HANDLE> Acquire() {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_ < cap_; });
    if (!idle_.empty()) {
      CK_SESSION_HANDLE s = idle_.back();
      idle_.pop_back();
      return s;
    }
    ++open_;
    lock.unlock();
    CK_SESSION_HANDLE s = 0;
    CK_RV rv =
        lib_->f()->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
    if (rv != CKR_OK) {
      lock.lock();
      --open_;
      pool_cv_.notify_one();
      return Fail(rv, "C_OpenSession");
    }
    return s;
  }

  void Release(CK_SESSION_HANDLE s, bool keep) {
    std::lock_guard lock(pool_mu_);
    if (keep) {
      idle_.push_back(s);
    } else {
      if (open_ > 0) --open_;
    }
    pool_cv_.notify_one();
  }

  // ---- objects ----

  static CkResult<std::vector<CK_OBJECT_HANDLE>> FindAll(CK_FUNCTION_LIST_PTR f,
                                                         CK_SESSION_HANDLE s,
                                                         std::vector<CK_ATTRIBUTE>& tmpl) {
    if (CK_RV rv = f->C_FindObjectsInit(s, tmpl.data(), tmpl.size()); rv != CKR_OK) {
      return Fail(rv, "C_FindObjectsInit");
    }
    std::vector<CK_OBJECT_HANDLE> out;
    CK_OBJECT_HANDLE batch[16];
    for (;;) {
      CK_ULONG n = 0;
      CK_RV rv = f->C_FindObjects(s, batch, 16, &n);
      if (rv != CKR_OK) {
        f->C_FindObjectsFinal(s);
        return Fail(rv, "C_FindObjects");
      }
      out.insert(out.end(), batch, batch + n);
      if (n < 16) break;
    }
    f->C_FindObjectsFinal(s);
    return out;
  }

  static CkResult<CK_OBJECT_HANDLE> FindPrivate(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
                                                const domain::HsmKey& ref) {
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    std::vector<CK_ATTRIBUTE> tmpl{Attr(CKA_CLASS, cls),
                                   Attr(CKA_ID, ref.object_id.data(), ref.object_id.size())};
    if (!ref.object_label.empty()) {
      tmpl.push_back(Attr(CKA_LABEL, ref.object_label.data(), ref.object_label.size()));
    }
    auto found = FindAll(f, s, tmpl);
    if (!found) return tl::unexpected(found.error());
    if (found->size() != 1) {
      return Fail(CKR_KEY_HANDLE_INVALID,
                  found->empty()
                      ? "the key '" + ref.object_label + "' is no longer in the token"
                      : "the key '" + ref.object_label + "' is in the token more than once");
    }
    return found->front();
  }

  static CkResult<Bytes> ReadBytes(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                                   CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1); rv != CKR_OK) {
      return Fail(rv, "C_GetAttributeValue");
    }
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
      return Fail(CKR_ATTRIBUTE_TYPE_INVALID, "C_GetAttributeValue");
    }
    Bytes out(a.ulValueLen);
    a.pValue = out.data();
    if (CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1); rv != CKR_OK) {
      return Fail(rv, "C_GetAttributeValue");
    }
    out.resize(a.ulValueLen);
    return out;
  }

  static CkResult<Bytes> PublicKeyOf(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
                                     CK_OBJECT_HANDLE pub, domain::KeyAlgorithm algorithm) {
    Result<crypto::PublicKey> key = MakeError(ErrorCode::kInternal, "");
    if (domain::KeyTypeOf(algorithm) == domain::KeyType::kRsa) {
      auto n = ReadBytes(f, s, pub, CKA_MODULUS);
      auto e = ReadBytes(f, s, pub, CKA_PUBLIC_EXPONENT);
      if (!n) return tl::unexpected(n.error());
      if (!e) return tl::unexpected(e.error());
      key = crypto::PublicKey::FromRsaComponents(*n, *e);
    } else {
      auto point = ReadBytes(f, s, pub, CKA_EC_POINT);
      if (!point) return tl::unexpected(point.error());
      key = crypto::PublicKey::FromEcPoint(algorithm, *point);
    }
    if (!key) return Fail(CKR_FUNCTION_FAILED, "reading the public key: " + key.error().message);
    auto alg = key->algorithm();
    if (!alg || *alg != algorithm) {
      return Fail(CKR_FUNCTION_FAILED, "the token made a key of another size");
    }
    auto spki = key->SpkiDer();
    if (!spki) return Fail(CKR_FUNCTION_FAILED, spki.error().message);
    return *spki;
  }

  const HsmConfig config_;
  store::Store& store_;
  const Clock& clock_;

  mutable std::shared_mutex conn_mu_;
  // guarded by conn_mu_ (written exclusively, read shared)
  std::unique_ptr<Library> lib_;
  CK_SLOT_ID slot_ = 0;
  std::string token_label_, token_serial_;
  bool login_required_ = true, protected_path_ = false;
  bool connected_ = false;
  std::uint64_t generation_ =
      0;  // bumped on every (re)connect; object handles of older ones are stale
  std::string down_reason_;
  std::optional<TimePoint> last_attempt_;
  std::size_t cap_ = 1;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  // guarded by pool_mu_
  std::vector<CK_SESSION_HANDLE> idle_;
  std::size_t open_ = 0;  // sessions open: idle and in use

  std::mutex cache_mu_;
  // guarded by cache_mu_
  std::unordered_map<std::string, std::shared_ptr<const crypto::SigningKey>> cache_;

  friend class Pkcs11KeySource;
};

// A key in the token, for signing. Declared outside the anonymous namespace: Impl names it.
class Pkcs11SigningKey final : public crypto::SigningKey {
 public:
  Pkcs11SigningKey(Pkcs11KeySource::Impl& source, domain::HsmKey ref)
      : source_(source), ref_(std::move(ref)) {}
  domain::KeyAlgorithm algorithm() const override { return ref_.algorithm; }
  const Bytes& public_key_spki() const override { return ref_.public_key_spki; }
  Result<Bytes> Sign(domain::SigningAlgorithm algorithm, ByteView data,
                     bool is_digest) const override {
    SIGNET_ASSIGN_OR_RETURN(Bytes digest,
                            crypto::DigestToSign(ref_.algorithm, algorithm, data, is_digest));
    return source_.SignDigest(ref_, handle_, generation_, mu_, algorithm, digest);
  }

 private:
  Pkcs11KeySource::Impl& source_;
  const domain::HsmKey ref_;
  mutable std::mutex mu_;
  // guarded by mu_: the private key's handle in connection `generation_` (0: not looked up)
  mutable CK_OBJECT_HANDLE handle_ = 0;
  mutable std::uint64_t generation_ = 0;
};

std::shared_ptr<const crypto::SigningKey> Pkcs11KeySource::Impl::MakeKey(domain::HsmKey ref) {
  return std::make_shared<const Pkcs11SigningKey>(*this, std::move(ref));
}

// ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<Pkcs11KeySource>> Pkcs11KeySource::Create(HsmConfig config,
                                                                 store::Store& store,
                                                                 const Clock& clock) {
  if (config.module_path.empty()) return InvalidArgument("--hsm-module must name a library");
  if (config.token_label.has_value() == config.slot_id.has_value()) {
    return InvalidArgument(
        "name the HSM token with exactly one of --hsm-token-label and --hsm-slot");
  }
  auto impl = std::make_unique<Impl>(std::move(config), store, clock);
  if (Status s = impl->Connect(); !s) {
    return MakeError(ErrorCode::kFailedPrecondition, s.error().message);
  }
  return std::unique_ptr<Pkcs11KeySource>(new Pkcs11KeySource(std::move(impl)));
}

Pkcs11KeySource::Pkcs11KeySource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pkcs11KeySource::~Pkcs11KeySource() = default;

std::string Pkcs11KeySource::Describe() const { return impl_->Describe(); }

Result<NewKey> Pkcs11KeySource::Create(domain::KeyAlgorithm algorithm) const {
  return impl_->Generate(algorithm);
}

Result<NewKey> Pkcs11KeySource::Adopt(const crypto::PrivateKey&) const {
  return InvalidArgument(
      "a key from outside cannot go into the HSM: it would not have been generated in the "
      "module");
}

Result<NewKey> Pkcs11KeySource::AdoptExisting(const ExistingKeyRef& ref) const {
  return impl_->AdoptExisting(ref);
}

Status Pkcs11KeySource::Persist(store::Tx& tx, const NewKey& key) const {
  if (!key.hsm || key.source != domain::KeySourceType::kHsm) {
    return Internal("key " + key.stored.key_id + " was not made by the HSM key source");
  }
  return tx.PutHsmKey(*key.hsm);
}

void Pkcs11KeySource::Abandon(const NewKey& key) const {
  if (!key.hsm || key.hsm->adopted) return;
  // A record that did commit after all (the commit's outcome was lost) still needs the key.
  if (auto tx = impl_->store_.BeginRead()) {
    if ((*tx)->GetHsmKey(key.hsm->key_id)) return;
  }
  impl_->Destroy(*key.hsm);
}

Result<std::shared_ptr<const crypto::SigningKey>> Pkcs11KeySource::Load(std::string_view key_id) {
  return impl_->Load(key_id);
}

Result<Bytes> Pkcs11KeySource::Sign(std::string_view key_id, domain::SigningAlgorithm algorithm,
                                    ByteView data, bool is_digest) {
  SIGNET_ASSIGN_OR_RETURN(auto key, Load(key_id));
  return key->Sign(algorithm, data, is_digest);
}

Result<KeyDescription> Pkcs11KeySource::DescribeKey(std::string_view key_id) {
  return impl_->Describe(key_id);
}

Status Pkcs11KeySource::Health() { return impl_->Health(); }

Result<HsmModuleInfo> Pkcs11KeySource::ModuleInfo() const { return impl_->ModuleInfo(); }

Result<Bytes> Pkcs11KeySource::Seal(std::string_view label, ByteView plaintext) {
  return impl_->Seal(label, plaintext);
}

Result<SecretBytes> Pkcs11KeySource::Unseal(std::string_view label, ByteView sealed) {
  return impl_->Unseal(label, sealed);
}

Result<RootKey> HsmRootKey(Pkcs11KeySource& hsm, store::Store& store, std::string_view label) {
  std::optional<std::string> sealed_text, check;
  {
    SIGNET_ASSIGN_OR_RETURN(auto tx, store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(sealed_text, tx->GetSetting(kHsmRootKeySetting));
    SIGNET_ASSIGN_OR_RETURN(check, tx->GetSetting(kRootKeyCheckSetting));
  }
  if (sealed_text) {
    auto sealed = Base64Decode(*sealed_text);
    if (!sealed) return FailedPrecondition("the sealed root key in the database is corrupt");
    SIGNET_ASSIGN_OR_RETURN(SecretBytes key, hsm.Unseal(label, *sealed));
    return RootKey::FromBytes(key.view());
  }
  if (check) {
    return FailedPrecondition(
        "this database's root key is not in the HSM (it came from SIGNET_ROOT_KEY or a key "
        "file); start without --hsm-root-key");
  }
  SIGNET_ASSIGN_OR_RETURN(SecretBytes key, crypto::RandomSecret(32));
  SIGNET_ASSIGN_OR_RETURN(Bytes sealed, hsm.Seal(label, key.view()));
  {
    SIGNET_ASSIGN_OR_RETURN(auto tx, store.BeginWrite());
    // Another node starting at the same time may have sealed one first: that one wins.
    SIGNET_ASSIGN_OR_RETURN(auto raced, tx->GetSetting(kHsmRootKeySetting));
    if (raced) {
      tx.reset();
      return HsmRootKey(hsm, store, label);
    }
    SIGNET_TRY(tx->PutSetting(kHsmRootKeySetting, Base64Encode(sealed)));
    SIGNET_TRY(tx->Commit());
  }
  return RootKey::FromBytes(key.view());
}

}  // namespace signet::keystore
