// The Cryptoki C ABI of libsignet-pkcs11.so. Every C_* function has exactly one catch-all
// (through Guard) so no exception crosses into the caller; functions the module does not
// implement return CKR_FUNCTION_NOT_SUPPORTED. Argument checks that need no state live here;
// everything else is Module's.
//
// Library state: the Module created by C_Initialize, shared by all threads. A call holds a
// shared_ptr to it for its duration, so C_Finalize never frees it under a running call. The
// process id at C_Initialize is remembered: in a child after fork() the parent's module is
// "not initialized" until the child calls C_Initialize, and the parent's module (whose
// connections belong to the parent) is set aside, never used nor destroyed, by the child.

#include <pthread.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "pkcs11/config.h"
#include "pkcs11/cryptoki.h"
#include "pkcs11/errors.h"
#include "pkcs11/metadata.h"
#include "pkcs11/module.h"

#define SIGNET_P11_EXPORT extern "C" __attribute__((visibility("default")))

namespace signet::pkcs11 {
namespace {

struct Library {
  std::mutex mu;
  std::shared_ptr<Module> module;  // guarded by mu
  pid_t pid = 0;                   // guarded by mu: the process that created `module`
  // Modules of a parent process, left alone in a forked child. Guarded by mu.
  std::vector<std::shared_ptr<Module>> abandoned;
};

// The library state lives until the process ends and is never destroyed: a tool that exits
// without C_Finalize must not run the client's destructors after OpenSSL's own atexit
// cleanup. Constructed in place on first use.
Library& State() {
  alignas(Library) static unsigned char storage[sizeof(Library)];
  static Library* const lib = ::new (storage) Library();
  return *lib;
}

// fork() while another thread holds Library::mu would leave the child's copy locked forever.
void AtForkPrepare() { State().mu.lock(); }
void AtForkRelease() { State().mu.unlock(); }
std::once_flag g_atfork_once;

std::shared_ptr<Module> Current() {
  Library& lib = State();
  std::lock_guard lock(lib.mu);
  if (lib.module == nullptr || lib.pid != ::getpid()) return nullptr;
  return lib.module;
}

// Runs `f(module)` with the initialized module; the one catch-all of each C_* function.
template <class F>
CK_RV Guard(F&& f) noexcept {
  try {
    std::shared_ptr<Module> m = Current();
    if (m == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    return f(*m);
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

template <std::size_t N>
void PadField(CK_UTF8CHAR (&field)[N], std::string_view text) {
  std::fill(std::begin(field), std::end(field), ' ');
  std::copy_n(text.begin(), std::min(N, text.size()), field);
}

CK_RV Initialize(CK_VOID_PTR init_args) {
  if (init_args != nullptr) {
    const auto* a = static_cast<const CK_C_INITIALIZE_ARGS*>(init_args);
    if (a->pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    const int callbacks = (a->CreateMutex != nullptr) + (a->DestroyMutex != nullptr) +
                          (a->LockMutex != nullptr) + (a->UnlockMutex != nullptr);
    if (callbacks != 0 && callbacks != 4) return CKR_ARGUMENTS_BAD;
    // The module locks with the OS primitives (std::mutex); it cannot use the caller's.
    if (callbacks == 4 && !(a->flags & CKF_OS_LOCKING_OK)) return CKR_CANT_LOCK;
  }
  std::call_once(g_atfork_once,
                 [] { pthread_atfork(AtForkPrepare, AtForkRelease, AtForkRelease); });
  Library& lib = State();
  std::lock_guard lock(lib.mu);
  const pid_t pid = ::getpid();
  if (lib.module != nullptr) {
    if (lib.pid == pid) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    lib.abandoned.push_back(std::move(lib.module));
  }
  auto config = LoadConfig(GetEnv, ReadWholeFile);
  if (!config) {
    Reporter(std::string()).Report("configuration: " + config.error().message);
    return CKR_FUNCTION_FAILED;
  }
  client::ClientOptions options;
  options.server_url = config->server_url;
  options.ca_cert_path = config->ca_cert_path;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config->timeout);
  options.user_agent = "signet-pkcs11/" SIGNET_VERSION;
  auto client = client::Client::Create(std::move(options));
  if (!client) {
    Reporter(config->log_file).Report("configuration: " + client.error().message);
    return CKR_FUNCTION_FAILED;
  }
  auto module = Module::Create(std::move(*config), std::move(*client), CollectClientMetadata());
  if (!module) {
    Reporter(std::string()).Report(module.error().message);
    return CKR_FUNCTION_FAILED;
  }
  lib.module = std::move(*module);
  lib.pid = pid;
  return CKR_OK;
}

CK_RV Finalize(CK_VOID_PTR reserved) {
  if (reserved != nullptr) return CKR_ARGUMENTS_BAD;
  Library& lib = State();
  std::shared_ptr<Module> last;
  {
    std::lock_guard lock(lib.mu);
    if (lib.module == nullptr || lib.pid != ::getpid()) return CKR_CRYPTOKI_NOT_INITIALIZED;
    last = std::move(lib.module);
  }
  // Destroyed outside the lock (or by the last call still running).
  last.reset();
  return CKR_OK;
}

CK_FUNCTION_LIST MakeFunctionList();

}  // namespace
}  // namespace signet::pkcs11

using signet::pkcs11::Guard;
using signet::pkcs11::Module;

SIGNET_P11_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  try {
    return signet::pkcs11::Initialize(pInitArgs);
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

SIGNET_P11_EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  try {
    return signet::pkcs11::Finalize(pReserved);
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

SIGNET_P11_EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module&) {
    *pInfo = CK_INFO{};
    pInfo->cryptokiVersion = {2, 40};
    signet::pkcs11::PadField(pInfo->manufacturerID, "Signet");
    signet::pkcs11::PadField(pInfo->libraryDescription, "Signet remote signing");
    pInfo->libraryVersion = {0, 1};
    pInfo->flags = 0;
    return CKR_OK;
  });
}

SIGNET_P11_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (ppFunctionList == nullptr) return CKR_ARGUMENTS_BAD;
  static CK_FUNCTION_LIST list = signet::pkcs11::MakeFunctionList();
  *ppFunctionList = &list;
  return CKR_OK;
}

SIGNET_P11_EXPORT CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList,
                                      CK_ULONG_PTR pulCount) {
  if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetSlotList(tokenPresent, pSlotList, pulCount); });
}

SIGNET_P11_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetSlotInfo(slotID, pInfo); });
}

SIGNET_P11_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetTokenInfo(slotID, pInfo); });
}

SIGNET_P11_EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                                           CK_ULONG_PTR pulCount) {
  if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetMechanismList(slotID, pMechanismList, pulCount); });
}

SIGNET_P11_EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
                                           CK_MECHANISM_INFO_PTR pInfo) {
  if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetMechanismInfo(slotID, type, pInfo); });
}

SIGNET_P11_EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR /*app*/,
                                      CK_NOTIFY /*notify*/, CK_SESSION_HANDLE_PTR phSession) {
  if (phSession == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.OpenSession(slotID, flags, phSession); });
}

SIGNET_P11_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  return Guard([&](Module& m) { return m.CloseSession(hSession); });
}

SIGNET_P11_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  return Guard([&](Module& m) { return m.CloseAllSessions(slotID); });
}

SIGNET_P11_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetSessionInfo(hSession, pInfo); });
}

SIGNET_P11_EXPORT CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
                                CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return Guard([&](Module& m) { return m.Login(hSession, userType, pPin, ulPinLen); });
}

SIGNET_P11_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  return Guard([&](Module& m) { return m.Logout(hSession); });
}

SIGNET_P11_EXPORT CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ULONG_PTR pulSize) {
  if (pulSize == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.GetObjectSize(hSession, hObject, pulSize); });
}

SIGNET_P11_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                            CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  if (pTemplate == nullptr && ulCount != 0) return CKR_ARGUMENTS_BAD;
  return Guard(
      [&](Module& m) { return m.GetAttributeValue(hSession, hObject, pTemplate, ulCount); });
}

SIGNET_P11_EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                          CK_ULONG ulCount) {
  if (pTemplate == nullptr && ulCount != 0) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.FindObjectsInit(hSession, pTemplate, ulCount); });
}

SIGNET_P11_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                                      CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount) {
  if (pulObjectCount == nullptr || (phObject == nullptr && ulMaxObjectCount != 0)) {
    return CKR_ARGUMENTS_BAD;
  }
  return Guard([&](Module& m) {
    return m.FindObjects(hSession, phObject, ulMaxObjectCount, pulObjectCount);
  });
}

SIGNET_P11_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  return Guard([&](Module& m) { return m.FindObjectsFinal(hSession); });
}

SIGNET_P11_EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                   CK_OBJECT_HANDLE hKey) {
  if (pMechanism == nullptr) return CKR_ARGUMENTS_BAD;
  return Guard([&](Module& m) { return m.SignInit(hSession, pMechanism, hKey); });
}

SIGNET_P11_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                               CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return Guard(
      [&](Module& m) { return m.Sign(hSession, pData, ulDataLen, pSignature, pulSignatureLen); });
}

SIGNET_P11_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                     CK_ULONG ulPartLen) {
  return Guard([&](Module& m) { return m.SignUpdate(hSession, pPart, ulPartLen); });
}

SIGNET_P11_EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                                    CK_ULONG_PTR pulSignatureLen) {
  return Guard([&](Module& m) { return m.SignFinal(hSession, pSignature, pulSignatureLen); });
}

// ---- not supported: a signing token offers no key management, encryption or verification ----

#define SIGNET_P11_UNSUPPORTED(name, params) \
  SIGNET_P11_EXPORT CK_RV name params { return CKR_FUNCTION_NOT_SUPPORTED; }

SIGNET_P11_UNSUPPORTED(C_InitToken, (CK_SLOT_ID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR))
SIGNET_P11_UNSUPPORTED(C_InitPIN, (CK_SESSION_HANDLE, CK_UTF8CHAR_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_SetPIN,
                       (CK_SESSION_HANDLE, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_GetOperationState, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_SetOperationState, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG,
                                             CK_OBJECT_HANDLE, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_CreateObject,
                       (CK_SESSION_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
SIGNET_P11_UNSUPPORTED(C_CopyObject, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR,
                                      CK_ULONG, CK_OBJECT_HANDLE_PTR))
SIGNET_P11_UNSUPPORTED(C_DestroyObject, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_SetAttributeValue,
                       (CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_EncryptInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_Encrypt,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_EncryptUpdate,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_EncryptFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DecryptInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_Decrypt,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DecryptUpdate,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DecryptFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DigestInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR))
SIGNET_P11_UNSUPPORTED(C_Digest,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DigestUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_DigestKey, (CK_SESSION_HANDLE, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_DigestFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_SignRecoverInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_SignRecover,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_VerifyInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_Verify, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_VerifyUpdate, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_VerifyFinal, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG))
SIGNET_P11_UNSUPPORTED(C_VerifyRecoverInit, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE))
SIGNET_P11_UNSUPPORTED(C_VerifyRecover,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DigestEncryptUpdate,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DecryptDigestUpdate,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_SignEncryptUpdate,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_DecryptVerifyUpdate,
                       (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_GenerateKey, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR,
                                       CK_ULONG, CK_OBJECT_HANDLE_PTR))
SIGNET_P11_UNSUPPORTED(C_GenerateKeyPair,
                       (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG,
                        CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR, CK_OBJECT_HANDLE_PTR))
SIGNET_P11_UNSUPPORTED(C_WrapKey, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE,
                                   CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
SIGNET_P11_UNSUPPORTED(C_UnwrapKey,
                       (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR,
                        CK_ULONG, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
SIGNET_P11_UNSUPPORTED(C_DeriveKey, (CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE,
                                     CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR))
// The token has no random number generator of its own (and must not pretend to): tools that
// probe for one (OpenSC's p11test) are told so.
SIGNET_P11_EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG) {
  return Guard([&](Module& m) { return m.NoRandom(hSession); });
}
SIGNET_P11_EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG) {
  return Guard([&](Module& m) { return m.NoRandom(hSession); });
}
SIGNET_P11_UNSUPPORTED(C_GetFunctionStatus, (CK_SESSION_HANDLE))
SIGNET_P11_UNSUPPORTED(C_CancelFunction, (CK_SESSION_HANDLE))
SIGNET_P11_UNSUPPORTED(C_WaitForSlotEvent, (CK_FLAGS, CK_SLOT_ID_PTR, CK_VOID_PTR))

namespace signet::pkcs11 {
namespace {

CK_FUNCTION_LIST MakeFunctionList() {
  CK_FUNCTION_LIST f{};
  f.version = {2, 40};
#define SIGNET_P11_SET(name) f.name = ::name
  SIGNET_P11_SET(C_Initialize);
  SIGNET_P11_SET(C_Finalize);
  SIGNET_P11_SET(C_GetInfo);
  SIGNET_P11_SET(C_GetFunctionList);
  SIGNET_P11_SET(C_GetSlotList);
  SIGNET_P11_SET(C_GetSlotInfo);
  SIGNET_P11_SET(C_GetTokenInfo);
  SIGNET_P11_SET(C_GetMechanismList);
  SIGNET_P11_SET(C_GetMechanismInfo);
  SIGNET_P11_SET(C_InitToken);
  SIGNET_P11_SET(C_InitPIN);
  SIGNET_P11_SET(C_SetPIN);
  SIGNET_P11_SET(C_OpenSession);
  SIGNET_P11_SET(C_CloseSession);
  SIGNET_P11_SET(C_CloseAllSessions);
  SIGNET_P11_SET(C_GetSessionInfo);
  SIGNET_P11_SET(C_GetOperationState);
  SIGNET_P11_SET(C_SetOperationState);
  SIGNET_P11_SET(C_Login);
  SIGNET_P11_SET(C_Logout);
  SIGNET_P11_SET(C_CreateObject);
  SIGNET_P11_SET(C_CopyObject);
  SIGNET_P11_SET(C_DestroyObject);
  SIGNET_P11_SET(C_GetObjectSize);
  SIGNET_P11_SET(C_GetAttributeValue);
  SIGNET_P11_SET(C_SetAttributeValue);
  SIGNET_P11_SET(C_FindObjectsInit);
  SIGNET_P11_SET(C_FindObjects);
  SIGNET_P11_SET(C_FindObjectsFinal);
  SIGNET_P11_SET(C_EncryptInit);
  SIGNET_P11_SET(C_Encrypt);
  SIGNET_P11_SET(C_EncryptUpdate);
  SIGNET_P11_SET(C_EncryptFinal);
  SIGNET_P11_SET(C_DecryptInit);
  SIGNET_P11_SET(C_Decrypt);
  SIGNET_P11_SET(C_DecryptUpdate);
  SIGNET_P11_SET(C_DecryptFinal);
  SIGNET_P11_SET(C_DigestInit);
  SIGNET_P11_SET(C_Digest);
  SIGNET_P11_SET(C_DigestUpdate);
  SIGNET_P11_SET(C_DigestKey);
  SIGNET_P11_SET(C_DigestFinal);
  SIGNET_P11_SET(C_SignInit);
  SIGNET_P11_SET(C_Sign);
  SIGNET_P11_SET(C_SignUpdate);
  SIGNET_P11_SET(C_SignFinal);
  SIGNET_P11_SET(C_SignRecoverInit);
  SIGNET_P11_SET(C_SignRecover);
  SIGNET_P11_SET(C_VerifyInit);
  SIGNET_P11_SET(C_Verify);
  SIGNET_P11_SET(C_VerifyUpdate);
  SIGNET_P11_SET(C_VerifyFinal);
  SIGNET_P11_SET(C_VerifyRecoverInit);
  SIGNET_P11_SET(C_VerifyRecover);
  SIGNET_P11_SET(C_DigestEncryptUpdate);
  SIGNET_P11_SET(C_DecryptDigestUpdate);
  SIGNET_P11_SET(C_SignEncryptUpdate);
  SIGNET_P11_SET(C_DecryptVerifyUpdate);
  SIGNET_P11_SET(C_GenerateKey);
  SIGNET_P11_SET(C_GenerateKeyPair);
  SIGNET_P11_SET(C_WrapKey);
  SIGNET_P11_SET(C_UnwrapKey);
  SIGNET_P11_SET(C_DeriveKey);
  SIGNET_P11_SET(C_SeedRandom);
  SIGNET_P11_SET(C_GenerateRandom);
  SIGNET_P11_SET(C_GetFunctionStatus);
  SIGNET_P11_SET(C_CancelFunction);
  SIGNET_P11_SET(C_WaitForSlotEvent);
#undef SIGNET_P11_SET
  return f;
}

}  // namespace
}  // namespace signet::pkcs11
