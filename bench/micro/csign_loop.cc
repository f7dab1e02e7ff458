// The token's own signing speed, for `make bench` to set Signet's HSM-backed signing next to
// (bench/hsm_bench.py): loads a PKCS#11 library, logs in to a token, generates a session key
// pair and calls C_SignInit + C_Sign over a 32-byte digest in T threads (one session each)
// for S seconds. Prints one JSON line: {"mechanism": …, "threads": T, "signs": N, "per_s": R}.
//
//   signet_csign_loop MODULE TOKEN_LABEL PIN (p256|rsa3072) THREADS SECONDS
//
// A measuring tool, not part of signetd: it stops at the first error with a message.
#include <dlfcn.h>

#include <p11-kit/pkcs11.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& what, CK_RV rv) {
  std::fprintf(stderr, "signet_csign_loop: %s failed: 0x%08lx\n", what.c_str(),
               static_cast<unsigned long>(rv));
  std::exit(1);
}

void Check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) Die(what, rv);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s MODULE TOKEN_LABEL PIN p256|rsa3072 THREADS SECONDS\n",
                 argv[0]);
    return 2;
  }
  const std::string label = argv[2];
  const std::string pin = argv[3];
  const bool rsa = std::string(argv[4]) == "rsa3072";
  const int threads = std::atoi(argv[5]);
  const int seconds = std::atoi(argv[6]);
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "signet_csign_loop: %s\n", dlerror());
    return 1;
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR f = nullptr;
  if (get == nullptr) Die("C_GetFunctionList lookup", CKR_GENERAL_ERROR);
  Check(get(&f), "C_GetFunctionList");
  CK_C_INITIALIZE_ARGS init{};
  init.flags = CKF_OS_LOCKING_OK;
  Check(f->C_Initialize(&init), "C_Initialize");
  CK_ULONG n = 0;
  Check(f->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(n);
  Check(f->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
  CK_SLOT_ID slot = 0;
  bool found = false;
  for (CK_ULONG i = 0; i < n && !found; ++i) {
    CK_TOKEN_INFO t{};
    if (f->C_GetTokenInfo(slots[i], &t) != CKR_OK) continue;
    std::string l(reinterpret_cast<char*>(t.label), sizeof(t.label));
    while (!l.empty() && l.back() == ' ') l.pop_back();
    if (l == label) {
      slot = slots[i];
      found = true;
    }
  }
  if (!found) Die("finding token '" + label + "'", CKR_TOKEN_NOT_PRESENT);
  CK_SESSION_HANDLE admin = 0;
  Check(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &admin),
        "C_OpenSession");
  Check(f->C_Login(admin, CKU_USER,
                   reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size()),
        "C_Login");

  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_ULONG bits = 3072;
  CK_BYTE exponent[] = {1, 0, 1};
  CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  std::vector<CK_ATTRIBUTE> pub{{CKA_TOKEN, &no, sizeof no}, {CKA_VERIFY, &yes, sizeof yes}};
  if (rsa) {
    pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
    pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
  } else {
    pub.push_back({CKA_EC_PARAMS, p256, sizeof p256});
  }
  std::vector<CK_ATTRIBUTE> priv{{CKA_TOKEN, &no, sizeof no},
                                 {CKA_PRIVATE, &yes, sizeof yes},
                                 {CKA_SENSITIVE, &yes, sizeof yes},
                                 {CKA_EXTRACTABLE, &no, sizeof no},
                                 {CKA_SIGN, &yes, sizeof yes}};
  CK_MECHANISM gen{rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE hpub = 0, hpriv = 0;
  Check(f->C_GenerateKeyPair(admin, &gen, pub.data(), pub.size(), priv.data(), priv.size(), &hpub,
                             &hpriv),
        "C_GenerateKeyPair");

  // What Signet sends for RSASSA_PKCS1_V1_5_SHA256 (DigestInfo) and ECDSA_SHA256 (the hash).
  std::vector<CK_BYTE> input;
  if (rsa) {
    const CK_BYTE prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                              0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    input.assign(prefix, prefix + sizeof prefix);
  }
  input.resize(input.size() + 32, 0x5a);

  std::atomic<bool> stop{false};
  std::atomic<long> signs{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      CK_SESSION_HANDLE s = 0;
      Check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
      CK_MECHANISM mech{rsa ? CKM_RSA_PKCS : CKM_ECDSA, nullptr, 0};
      CK_BYTE sig[512];
      long mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        Check(f->C_SignInit(s, &mech, hpriv), "C_SignInit");
        CK_ULONG len = sizeof sig;
        Check(f->C_Sign(s, input.data(), input.size(), sig, &len), "C_Sign");
        ++mine;
      }
      signs += mine;
      f->C_CloseSession(s);
    });
  }
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"mechanism\": \"%s\", \"threads\": %d, \"signs\": %ld, \"per_s\": %.1f}\n",
              rsa ? "CKM_RSA_PKCS (RSA-3072)" : "CKM_ECDSA (P-256)", threads, signs.load(),
              signs.load() / took);
  f->C_CloseAllSessions(slot);
  f->C_Finalize(nullptr);
  return 0;
}
