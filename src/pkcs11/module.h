#pragma once
// Module: everything the PKCS#11 library holds between C_Initialize and C_Finalize — the
// configuration, one API client, the slots (one per signer the caller can see), their token
// objects, the sessions and their find/sign operations. The C entry points (entry.cc) check
// arguments that need no state, then call the member of the same name; every member returns
// the CK_RV of that C function.
//
// Slots: ids are assigned per signer on first sight and never reused while the Module lives,
// so a handle a tool holds stays meaningful when the list refreshes. When the module has no
// credentials configured, slot 0 is a "log in" token (CKF_LOGIN_REQUIRED) on which C_Login
// with the PIN "clientId:clientSecret" logs in; from then on that token holds the objects of
// every signer (each keeps its own handle, label = signer name), so a tool that logs in on the
// first slot and then looks for its key (Java's SunPKCS11, pkcs11-tool --login --label) finds
// it, and the signers' own slots appear in the slot list too.
//
// Credentials: configured client credentials log in at Create; a refusal or an unreachable
// server fails Create (C_Initialize) with one line on stderr. A configured token that the
// server refuses makes C_GetSlotList fail (CKR_FUNCTION_FAILED), not show the login slot.
// After a network failure the same answer is given without asking the server again for
// Config::timeout, so a tool's retries do not wait a timeout each.
//
// Access requests: with Config::approval enabled, a sign call refused with ApprovalRequired
// opens (or finds the same pending) access request scoped to the call and says so on stderr;
// the call still fails (CKR_FUNCTION_REJECTED) and a rerun after approval signs.
//
// Caches: the signer list and each signer's certificate/chain are kept for
// Config::cache_ttl; the bearer token until shortly before it expires. A call that the
// server answers 401 logs in again once with the client credentials and is retried.
//
// Thread safety: every member may be called from several threads at once. mu_ guards the
// slot table, the sessions map and the credentials; each Session has its own mutex for its
// operations. No lock is held across a network call except a session's own.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/client.h"
#include "common/result.h"
#include "crypto/digest.h"
#include "pkcs11/config.h"
#include "pkcs11/cryptoki.h"
#include "pkcs11/errors.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/objects.h"

namespace signet::pkcs11 {

inline constexpr CK_SLOT_ID kLoginSlot = 0;

class Module {
 public:
  // Uses the configured token, else logs in with the client credentials; a failure is
  // reported on stderr and retried by later calls, so C_Initialize itself does not fail on a
  // server that is briefly unreachable.
  [[nodiscard]] static Result<std::unique_ptr<Module>> Create(
      Config config, std::unique_ptr<client::Client> client, client::ClientMetadata metadata);

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_RV GetSlotList(CK_BBOOL token_present, CK_SLOT_ID* list, CK_ULONG* count);
  CK_RV GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO* info);
  CK_RV GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO* info);
  CK_RV GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count);
  CK_RV GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO* info);

  CK_RV OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE* session);
  CK_RV CloseSession(CK_SESSION_HANDLE session);
  CK_RV CloseAllSessions(CK_SLOT_ID slot);
  CK_RV GetSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO* info);
  CK_RV Login(CK_SESSION_HANDLE session, CK_USER_TYPE user_type, const CK_UTF8CHAR* pin,
              CK_ULONG pin_len);
  CK_RV Logout(CK_SESSION_HANDLE session);

  CK_RV FindObjectsInit(CK_SESSION_HANDLE session, const CK_ATTRIBUTE* templ, CK_ULONG count);
  CK_RV FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* objects, CK_ULONG max,
                    CK_ULONG* count);
  CK_RV FindObjectsFinal(CK_SESSION_HANDLE session);
  CK_RV GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE* templ,
                          CK_ULONG count);
  CK_RV GetObjectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG* size);

  CK_RV SignInit(CK_SESSION_HANDLE session, const CK_MECHANISM* mechanism, CK_OBJECT_HANDLE key);
  CK_RV Sign(CK_SESSION_HANDLE session, const CK_BYTE* data, CK_ULONG data_len, CK_BYTE* signature,
             CK_ULONG* signature_len);
  CK_RV SignUpdate(CK_SESSION_HANDLE session, const CK_BYTE* part, CK_ULONG part_len);
  CK_RV SignFinal(CK_SESSION_HANDLE session, CK_BYTE* signature, CK_ULONG* signature_len);

  // C_GenerateRandom and C_SeedRandom: CKR_SESSION_HANDLE_INVALID or CKR_RANDOM_NO_RNG.
  CK_RV NoRandom(CK_SESSION_HANDLE session);

  // For diagnostics and tests.
  client::ClientStats client_stats() const { return client_->stats(); }

 private:
  using SteadyClock = std::chrono::steady_clock;

  struct Slot {
    client::SignerInfo signer;
    std::shared_ptr<const TokenObjects> objects;
    SteadyClock::time_point objects_at;
    bool user_logged_in = false;
  };

  struct SignOperation {
    SignPlan plan;
    std::string signer_id;
    std::string signer_name;
    std::size_t signature_size = 0;
    std::optional<crypto::Hasher> hasher;  // kHashHere
    Bytes buffer;                          // the raw input of kDigestInfo / kDigest
    bool multipart = false;
  };

  struct FindOperation {
    std::vector<CK_OBJECT_HANDLE> results;
    std::size_t next = 0;
  };

  struct Session {
    CK_SESSION_HANDLE handle = 0;
    CK_SLOT_ID slot = 0;
    CK_FLAGS flags = 0;
    std::mutex mu;
    std::optional<FindOperation> find;  // guarded by mu
    std::optional<SignOperation> sign;  // guarded by mu
  };

  Module(Config config, std::unique_ptr<client::Client> client, client::ClientMetadata metadata);

  // Logs in with the stored client credentials; an error ("login as client id X failed: …")
  // when there are none or the server refuses or cannot be reached.
  Status Relogin();
  // Runs a client call; on 401 logs in again once and retries. Logs in first when the token
  // is about to expire.
  template <class F>
  auto Authed(F&& call) -> decltype(call());

  CK_RV RefreshSlots();
  bool IsVisible(CK_SLOT_ID slot) const;  // mu_ held
  // The slot's signer, CKR_SLOT_ID_INVALID when unknown; nullopt for the login slot.
  CkResult<std::optional<client::SignerInfo>> SlotSigner(CK_SLOT_ID slot);
  // The slot's objects, fetched when missing or older than the cache lifetime (a stale copy
  // is used when the refresh fails). `allow_stale`: any cached copy will do.
  CkResult<std::shared_ptr<const TokenObjects>> Objects(CK_SLOT_ID slot, bool allow_stale);
  CkResult<std::shared_ptr<Session>> FindSession(CK_SESSION_HANDLE handle);
  CkResult<const TokenObject*> ObjectOf(const TokenObjects& objects, CK_SLOT_ID slot,
                                        CK_OBJECT_HANDLE handle) const;
  // Hashes/validates the operation's input, asks the server, converts the signature.
  CkResult<Bytes> Complete(SignOperation& op, ByteView single_part_data);
  // After ApprovalRequired: opens (or finds) the access request for this call; reports it.
  void RequestAccess(const SignOperation& op, ByteView data);
  // The slot an object handle belongs to and its objects: the session's own slot, or, on the
  // logged-in login slot, any signer slot.
  CkResult<std::pair<CK_SLOT_ID, std::shared_ptr<const TokenObjects>>> ObjectsOfHandle(
      CK_SLOT_ID session_slot, CK_OBJECT_HANDLE handle);
  bool LoginSlotOpen() const;  // mu_ held: logged in on the login slot

  const Config config_;
  const std::unique_ptr<client::Client> client_;
  const client::ClientMetadata metadata_;
  Reporter reporter_;

  mutable std::mutex mu_;
  std::map<CK_SLOT_ID, Slot> slots_;                                // guarded by mu_
  std::map<std::string, CK_SLOT_ID> slot_of_signer_;                // guarded by mu_
  std::vector<CK_SLOT_ID> visible_;                                 // guarded by mu_
  std::optional<SteadyClock::time_point> listed_at_;                // guarded by mu_
  CK_SLOT_ID next_slot_ = 1;                                        // guarded by mu_
  std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;  // guarded by mu_
  CK_SESSION_HANDLE next_session_ = 1;                              // guarded by mu_
  bool login_slot_logged_in_ = false;                               // guarded by mu_
  std::string client_id_;                                           // guarded by mu_
  SecretBytes client_secret_;                                       // guarded by mu_
  std::optional<SteadyClock::time_point> token_expires_at_;         // guarded by mu_
  // A slot refresh that failed on the network: its answer until then.
  std::optional<SteadyClock::time_point> unavailable_until_;  // guarded by mu_
};

}  // namespace signet::pkcs11
