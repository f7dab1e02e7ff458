#include "pkcs11/module.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "api/client_metadata.h"
#include "common/duration.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/sign.h"

namespace signet::pkcs11 {
namespace {

constexpr std::size_t kMaxRawInput = 1024;  // DigestInfo or digest: far below this
constexpr auto kTokenRefreshMargin = std::chrono::seconds(30);
constexpr CK_ULONG kMaxPinLen = 1024;

// Fills a blank-padded, unterminated PKCS#11 text field.
template <std::size_t N>
void Pad(CK_UTF8CHAR (&field)[N], std::string_view text) {
  std::memset(field, ' ', N);
  std::size_t n = std::min(N, text.size());
  // Do not cut a UTF-8 sequence in half.
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
  std::memcpy(field, text.data(), n);
}

CK_OBJECT_HANDLE HandleOf(CK_SLOT_ID slot, std::size_t index) {
  return (static_cast<CK_OBJECT_HANDLE>(slot) << 8) | static_cast<CK_OBJECT_HANDLE>(index + 1);
}

// Copies a finished signature out under the two-call length protocol.
CK_RV PutLength(std::size_t size, CK_BYTE* out, CK_ULONG* out_len, bool* done) {
  *done = false;
  if (out == nullptr) {
    *out_len = size;
    return CKR_OK;
  }
  if (*out_len < size) {
    *out_len = size;
    return CKR_BUFFER_TOO_SMALL;
  }
  *done = true;
  return CKR_OK;
}

// Copies `items` into `list` under the two-call length protocol: a null list asks for the
// count; a short one gets CKR_BUFFER_TOO_SMALL and the count.
template <class T>
CK_RV CopyList(std::span<const T> items, T* list, CK_ULONG* count) {
  if (list != nullptr && *count < items.size()) {
    *count = items.size();
    return CKR_BUFFER_TOO_SMALL;
  }
  if (list != nullptr) std::copy(items.begin(), items.end(), list);
  *count = items.size();
  return CKR_OK;
}

}  // namespace

Result<std::unique_ptr<Module>> Module::Create(Config config,
                                               std::unique_ptr<client::Client> client,
                                               client::ClientMetadata metadata) {
  if (client == nullptr) return InvalidArgument("no API client");
  std::unique_ptr<Module> m(new Module(std::move(config), std::move(client), std::move(metadata)));
  // A configured token is used as long as the server accepts it; the client credentials log
  // in now when there is no token, and again whenever the server answers 401.
  if (!m->client_id_.empty() && !m->client_->HasToken()) SIGNET_TRY(m->Relogin());
  return m;
}

Module::Module(Config config, std::unique_ptr<client::Client> client,
               client::ClientMetadata metadata)
    : config_(std::move(config)),
      client_(std::move(client)),
      metadata_(std::move(metadata)),
      reporter_(config_.log_file) {
  client_id_ = config_.client_id;
  client_secret_ = config_.client_secret;
  if (!config_.token.empty()) client_->SetToken(config_.token);
}

Status Module::Relogin() {
  std::string id;
  SecretBytes secret;
  {
    std::lock_guard lock(mu_);
    id = client_id_;
    secret = client_secret_;
  }
  if (id.empty()) return Unauthenticated("no client credentials to log in with");
  auto r = client_->LoginWithClientSecret(id, secret);
  if (!r) {
    return MakeError(r.error().code,
                     "login as client id " + id + " failed: " + DescribeError(r.error(), {}));
  }
  std::lock_guard lock(mu_);
  token_expires_at_.reset();
  std::chrono::seconds lifetime = r->expires_in;
  if (config_.token_ttl && (lifetime.count() <= 0 || *config_.token_ttl < lifetime)) {
    lifetime = *config_.token_ttl;  // cache.token_ttl_seconds: log in again sooner
  }
  if (lifetime.count() > 0) token_expires_at_ = SteadyClock::now() + lifetime;
  return Ok();
}

template <class F>
auto Module::Authed(F&& call) -> decltype(call()) {
  bool refresh = false;
  {
    std::lock_guard lock(mu_);
    refresh =
        !client_id_.empty() &&
        (!client_->HasToken() ||
         (token_expires_at_ && SteadyClock::now() + kTokenRefreshMargin >= *token_expires_at_));
  }
  if (refresh) {
    if (Status st = Relogin(); !st) return tl::unexpected(std::move(st).error());
  }
  auto r = call();
  if (!r && r.error().code == ErrorCode::kUnauthenticated) {
    {
      std::lock_guard lock(mu_);
      if (client_id_.empty()) return r;  // only a token: nothing to log in again with
    }
    if (Status st = Relogin(); !st) return tl::unexpected(std::move(st).error());
    r = call();
  }
  return r;
}

// ---- slots and tokens ----

bool Module::LoginSlotOpen() const {
  if (login_slot_logged_in_) return true;
  return std::any_of(sessions_.begin(), sessions_.end(),
                     [](const auto& e) { return e.second->slot == kLoginSlot; });
}

bool Module::IsVisible(CK_SLOT_ID slot) const {
  return std::find(visible_.begin(), visible_.end(), slot) != visible_.end();
}

CK_RV Module::RefreshSlots() {
  bool can_list = false;
  {
    std::lock_guard lock(mu_);
    if (listed_at_ && SteadyClock::now() - *listed_at_ < config_.signer_ttl) return CKR_OK;
    if (unavailable_until_ && SteadyClock::now() < *unavailable_until_) return CKR_DEVICE_ERROR;
    can_list = client_->HasToken() || !client_id_.empty();
  }
  auto show_login_slot = [this] {
    std::lock_guard lock(mu_);
    visible_ = {kLoginSlot};
    listed_at_ = SteadyClock::now();
    return CKR_OK;
  };
  if (!can_list) return show_login_slot();
  auto signers = Authed([&] { return client_->ListSigners(config_.project_id); });
  if (!signers) {
    reporter_.Report("cannot list signers: " + DescribeError(signers.error(), {}));
    if (signers.error().code == ErrorCode::kUnavailable) {
      std::lock_guard lock(mu_);
      unavailable_until_ = SteadyClock::now() + config_.timeout;
      return CKR_DEVICE_ERROR;
    }
    // Credentials the server refuses are an error, not a login slot (that is for none).
    return CKR_FUNCTION_FAILED;
  }
  std::sort(signers->begin(), signers->end(),
            [](const client::SignerInfo& a, const client::SignerInfo& b) {
              return a.name != b.name ? a.name < b.name : a.id < b.id;
            });
  std::lock_guard lock(mu_);
  visible_.clear();
  unavailable_until_.reset();
  // A tool that logged in on the login slot keeps it (it holds every signer's objects).
  if (LoginSlotOpen()) visible_.push_back(kLoginSlot);
  for (client::SignerInfo& s : *signers) {
    auto [it, added] = slot_of_signer_.try_emplace(s.id, next_slot_);
    if (added) ++next_slot_;
    Slot& slot = slots_[it->second];
    if (slot.signer.certificate_id != s.certificate_id) slot.objects.reset();
    slot.signer = std::move(s);
    visible_.push_back(it->second);
  }
  listed_at_ = SteadyClock::now();
  return CKR_OK;
}

CK_RV Module::GetSlotList(CK_BBOOL /*token_present: every slot has its token*/, CK_SLOT_ID* list,
                          CK_ULONG* count) {
  bool listed = false;
  {
    std::lock_guard lock(mu_);
    listed = listed_at_.has_value();
  }
  // The size query refreshes; the second call returns the same snapshot.
  if (list == nullptr || !listed) {
    if (CK_RV rv = RefreshSlots(); rv != CKR_OK) return rv;
  }
  std::lock_guard lock(mu_);
  return CopyList(std::span<const CK_SLOT_ID>(visible_), list, count);
}

CkResult<std::optional<client::SignerInfo>> Module::SlotSigner(CK_SLOT_ID slot) {
  std::lock_guard lock(mu_);
  if (slot == kLoginSlot) {
    if (!IsVisible(kLoginSlot)) return CkError(CKR_SLOT_ID_INVALID);
    return std::optional<client::SignerInfo>();
  }
  auto it = slots_.find(slot);
  if (it == slots_.end()) return CkError(CKR_SLOT_ID_INVALID);
  return std::optional<client::SignerInfo>(it->second.signer);
}

CK_RV Module::GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO* info) {
  auto signer = SlotSigner(slot);
  if (!signer) return signer.error();
  *info = CK_SLOT_INFO{};
  Pad(info->slotDescription, *signer ? "Signet signer " + (*signer)->name
                                     : std::string("Signet (log in with clientId:clientSecret)"));
  Pad(info->manufacturerID, "Signet");
  info->flags = CKF_TOKEN_PRESENT;
  info->hardwareVersion = {0, 1};
  info->firmwareVersion = {0, 1};
  return CKR_OK;
}

CK_RV Module::GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  auto signer = SlotSigner(slot);
  if (!signer) return signer.error();
  *info = CK_TOKEN_INFO{};
  CK_ULONG sessions = 0;
  CK_ULONG rw_sessions = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& [handle, s] : sessions_) {
      if (s->slot != slot) continue;
      ++sessions;
      if (s->flags & CKF_RW_SESSION) ++rw_sessions;
    }
  }
  info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;
  if (*signer) {
    const client::SignerInfo& s = **signer;
    Pad(info->label, s.name);
    std::string serial;
    for (char c : s.id) {
      if (c != '-') serial.push_back(c);
    }
    Pad(info->serialNumber, serial.substr(0, 16));
  } else {
    Pad(info->label, "Signet (log in)");
    Pad(info->serialNumber, "login");
    info->flags |= CKF_LOGIN_REQUIRED;
  }
  Pad(info->manufacturerID, "Signet");
  Pad(info->model, "remote signer");
  info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulSessionCount = sessions;
  info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulRwSessionCount = rw_sessions;
  info->ulMaxPinLen = kMaxPinLen;
  info->ulMinPinLen = 0;
  info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->hardwareVersion = {0, 1};
  info->firmwareVersion = {0, 1};
  std::memset(info->utcTime, ' ', sizeof(info->utcTime));
  return CKR_OK;
}

CkResult<std::shared_ptr<const TokenObjects>> Module::Objects(CK_SLOT_ID slot, bool allow_stale) {
  client::SignerInfo signer;
  std::shared_ptr<const TokenObjects> cached;
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(slot);
    if (it == slots_.end()) return CkError(CKR_SLOT_ID_INVALID);
    cached = it->second.objects;
    if (cached && (allow_stale || SteadyClock::now() - it->second.objects_at < config_.cert_ttl)) {
      return cached;
    }
    signer = it->second.signer;
  }
  auto certificate = Authed([&] { return client_->GetSignerCertificate(signer.id); });
  Result<std::shared_ptr<const TokenObjects>> built =
      certificate
          ? BuildTokenObjects(signer, *certificate)
          : Result<std::shared_ptr<const TokenObjects>>(tl::unexpected(certificate.error()));
  if (!built) {
    reporter_.Report("cannot load the certificate of signer " + signer.name + ": " +
                     DescribeError(built.error(), {}));
    if (cached) return cached;
    return CkError(built.error().code == ErrorCode::kUnavailable ? CKR_DEVICE_ERROR
                                                                 : CKR_FUNCTION_FAILED);
  }
  std::lock_guard lock(mu_);
  Slot& s = slots_[slot];
  s.objects = *built;
  s.objects_at = SteadyClock::now();
  return *built;
}

CK_RV Module::GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count) {
  auto signer = SlotSigner(slot);
  if (!signer) return signer.error();
  std::vector<CK_MECHANISM_TYPE> mechs;
  if (*signer) {
    auto objects = Objects(slot, /*allow_stale=*/true);
    if (!objects) return objects.error();
    const auto m = MechanismsFor((*objects)->key.type);
    mechs.assign(m.begin(), m.end());
  } else {
    // Logged in, the login token holds keys of both types. Tools read the list before they
    // log in (Java's SunPKCS11 registers its signature services from it), so it is the list
    // of what the token will offer.
    for (domain::KeyType type : {domain::KeyType::kRsa, domain::KeyType::kEc}) {
      const auto m = MechanismsFor(type);
      mechs.insert(mechs.end(), m.begin(), m.end());
    }
  }
  return CopyList(std::span<const CK_MECHANISM_TYPE>(mechs), list, count);
}

CK_RV Module::GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO* info) {
  auto signer = SlotSigner(slot);
  if (!signer) return signer.error();
  if (!*signer) {
    for (domain::KeyType key_type : {domain::KeyType::kRsa, domain::KeyType::kEc}) {
      if (auto mech = MechanismInfo(key_type, type)) {
        *info = *mech;
        return CKR_OK;
      }
    }
    return CKR_MECHANISM_INVALID;
  }
  auto objects = Objects(slot, /*allow_stale=*/true);
  if (!objects) return objects.error();
  auto mech = MechanismInfo((*objects)->key.type, type);
  if (!mech) return mech.error();
  *info = *mech;
  return CKR_OK;
}

// ---- sessions and login ----

CK_RV Module::OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE* session) {
  if (!(flags & CKF_SERIAL_SESSION)) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
  auto signer = SlotSigner(slot);
  if (!signer) return signer.error();
  auto s = std::make_shared<Session>();
  s->slot = slot;
  s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
  std::lock_guard lock(mu_);
  s->handle = next_session_++;
  sessions_[s->handle] = s;
  *session = s->handle;
  return CKR_OK;
}

CK_RV Module::CloseSession(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return CKR_SESSION_HANDLE_INVALID;
  const CK_SLOT_ID slot = it->second->slot;
  sessions_.erase(it);
  // Closing the last session of a token logs the application out of it.
  const bool last = std::none_of(sessions_.begin(), sessions_.end(),
                                 [slot](const auto& e) { return e.second->slot == slot; });
  if (last) {
    if (slot == kLoginSlot) login_slot_logged_in_ = false;
    if (auto sl = slots_.find(slot); sl != slots_.end()) sl->second.user_logged_in = false;
  }
  return CKR_OK;
}

CK_RV Module::CloseAllSessions(CK_SLOT_ID slot) {
  auto signer = SlotSigner(slot);
  if (!signer) return signer.error();
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [slot](const auto& e) { return e.second->slot == slot; });
  if (slot == kLoginSlot) login_slot_logged_in_ = false;
  if (auto sl = slots_.find(slot); sl != slots_.end()) sl->second.user_logged_in = false;
  return CKR_OK;
}

CkResult<std::shared_ptr<Module::Session>> Module::FindSession(CK_SESSION_HANDLE handle) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return CkError(CKR_SESSION_HANDLE_INVALID);
  return it->second;
}

CK_RV Module::GetSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO* info) {
  auto s = FindSession(session);
  if (!s) return s.error();
  std::lock_guard lock(mu_);
  const bool logged_in =
      (*s)->slot == kLoginSlot ? login_slot_logged_in_ : slots_[(*s)->slot].user_logged_in;
  const bool rw = ((*s)->flags & CKF_RW_SESSION) != 0;
  *info = CK_SESSION_INFO{};
  info->slotID = (*s)->slot;
  info->flags = (*s)->flags;
  info->state = logged_in ? (rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS)
                          : (rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION);
  info->ulDeviceError = 0;
  return CKR_OK;
}

CK_RV Module::Login(CK_SESSION_HANDLE session, CK_USER_TYPE user_type, const CK_UTF8CHAR* pin,
                    CK_ULONG pin_len) {
  auto s = FindSession(session);
  if (!s) return s.error();
  const CK_SLOT_ID slot = (*s)->slot;
  if (user_type == CKU_CONTEXT_SPECIFIC) return CKR_OPERATION_NOT_INITIALIZED;
  if (user_type != CKU_USER) return CKR_USER_TYPE_INVALID;
  if (pin == nullptr && pin_len != 0) return CKR_ARGUMENTS_BAD;
  if (pin_len > kMaxPinLen) return CKR_PIN_LEN_RANGE;
  {
    std::lock_guard lock(mu_);
    if (slot == kLoginSlot ? login_slot_logged_in_ : slots_[slot].user_logged_in) {
      return CKR_USER_ALREADY_LOGGED_IN;
    }
  }
  SecretBytes pin_bytes(ByteView(pin, pin_len));
  const std::string_view text = pin_bytes.string_view();
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos && colon > 0 && colon + 1 < text.size()) {
    // "clientId:clientSecret": Universal Auth; the module uses these credentials from now on.
    const std::string id(text.substr(0, colon));
    SecretBytes secret = SecretBytes::FromString(text.substr(colon + 1));
    auto r = client_->LoginWithClientSecret(id, secret);
    if (!r) {
      reporter_.Report("login as client id " + id + " failed: " + DescribeError(r.error(), {}));
      const ErrorCode c = r.error().code;
      return c == ErrorCode::kUnauthenticated || c == ErrorCode::kInvalidArgument ||
                     c == ErrorCode::kNotFound || c == ErrorCode::kPermissionDenied
                 ? CKR_PIN_INCORRECT
                 : CKR_DEVICE_ERROR;
    }
    std::lock_guard lock(mu_);
    const bool changed = id != client_id_;
    client_id_ = id;
    client_secret_ = std::move(secret);
    token_expires_at_.reset();
    if (r->expires_in.count() > 0) token_expires_at_ = SteadyClock::now() + r->expires_in;
    if (changed) {
      // Another identity may see other signers and certificates.
      listed_at_.reset();
      for (auto& [id_, sl] : slots_) sl.objects.reset();
    }
  } else if (!client_->HasToken()) {
    reporter_.Report(
        "no credentials are configured; log in with the PIN clientId:clientSecret or set "
        "SIGNET_CLIENT_ID and SIGNET_CLIENT_SECRET (or SIGNET_TOKEN)");
    return CKR_PIN_INCORRECT;
  }
  // Otherwise the configured credentials authenticate the module; the PIN is not checked.
  std::lock_guard lock(mu_);
  if (slot == kLoginSlot) {
    login_slot_logged_in_ = true;
  } else {
    slots_[slot].user_logged_in = true;
  }
  return CKR_OK;
}

CK_RV Module::Logout(CK_SESSION_HANDLE session) {
  auto s = FindSession(session);
  if (!s) return s.error();
  std::lock_guard lock(mu_);
  bool& flag = (*s)->slot == kLoginSlot ? login_slot_logged_in_ : slots_[(*s)->slot].user_logged_in;
  if (!flag) return CKR_USER_NOT_LOGGED_IN;
  flag = false;
  return CKR_OK;
}

// ---- objects ----

CkResult<std::pair<CK_SLOT_ID, std::shared_ptr<const TokenObjects>>> Module::ObjectsOfHandle(
    CK_SLOT_ID session_slot, CK_OBJECT_HANDLE handle) {
  const CK_SLOT_ID slot = static_cast<CK_SLOT_ID>(handle >> 8);
  if (slot == kLoginSlot) return CkError(CKR_OBJECT_HANDLE_INVALID);
  if (slot != session_slot) {
    std::lock_guard lock(mu_);
    if (session_slot != kLoginSlot || !login_slot_logged_in_ || !slots_.contains(slot)) {
      return CkError(CKR_OBJECT_HANDLE_INVALID);
    }
  }
  auto objects = Objects(slot, /*allow_stale=*/true);
  if (!objects) return CkError(objects.error());
  return std::pair{slot, std::move(*objects)};
}

CkResult<const TokenObject*> Module::ObjectOf(const TokenObjects& objects, CK_SLOT_ID slot,
                                              CK_OBJECT_HANDLE handle) const {
  if ((handle >> 8) != slot) return CkError(CKR_OBJECT_HANDLE_INVALID);
  const CK_OBJECT_HANDLE index = handle & 0xff;
  if (index == 0 || index > objects.objects.size()) return CkError(CKR_OBJECT_HANDLE_INVALID);
  return &objects.objects[index - 1];
}

CK_RV Module::FindObjectsInit(CK_SESSION_HANDLE session, const CK_ATTRIBUTE* templ,
                              CK_ULONG count) {
  auto s = FindSession(session);
  if (!s) return s.error();
  Session& sess = **s;
  std::lock_guard lock(sess.mu);
  if (sess.find) return CKR_OPERATION_ACTIVE;
  for (CK_ULONG i = 0; i < count; ++i) {
    if (templ[i].pValue == nullptr && templ[i].ulValueLen != 0) return CKR_ARGUMENTS_BAD;
  }
  FindOperation op;
  std::vector<CK_SLOT_ID> slots;
  if (sess.slot != kLoginSlot) {
    slots.push_back(sess.slot);
  } else {
    bool open = false;
    {
      std::lock_guard module_lock(mu_);
      open = login_slot_logged_in_;
    }
    if (open) {
      // Logged in on the login token: every signer's objects, under their own handles.
      if (CK_RV rv = RefreshSlots(); rv != CKR_OK) return rv;
      std::lock_guard module_lock(mu_);
      for (CK_SLOT_ID id : visible_) {
        if (id != kLoginSlot) slots.push_back(id);
      }
    }
  }
  for (CK_SLOT_ID slot : slots) {
    auto objects = Objects(slot, /*allow_stale=*/false);
    if (!objects) return objects.error();
    for (std::size_t i = 0; i < (*objects)->objects.size(); ++i) {
      if ((*objects)->objects[i].Matches(templ, count)) op.results.push_back(HandleOf(slot, i));
    }
  }
  sess.find = std::move(op);
  return CKR_OK;
}

CK_RV Module::FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* objects, CK_ULONG max,
                          CK_ULONG* count) {
  auto s = FindSession(session);
  if (!s) return s.error();
  Session& sess = **s;
  std::lock_guard lock(sess.mu);
  if (!sess.find) return CKR_OPERATION_NOT_INITIALIZED;
  FindOperation& op = *sess.find;
  CK_ULONG n = 0;
  while (n < max && op.next < op.results.size()) objects[n++] = op.results[op.next++];
  *count = n;
  return CKR_OK;
}

CK_RV Module::FindObjectsFinal(CK_SESSION_HANDLE session) {
  auto s = FindSession(session);
  if (!s) return s.error();
  std::lock_guard lock((*s)->mu);
  if (!(*s)->find) return CKR_OPERATION_NOT_INITIALIZED;
  (*s)->find.reset();
  return CKR_OK;
}

CK_RV Module::GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                CK_ATTRIBUTE* templ, CK_ULONG count) {
  auto s = FindSession(session);
  if (!s) return s.error();
  auto objects = ObjectsOfHandle((*s)->slot, object);
  if (!objects) return objects.error();
  auto o = ObjectOf(*objects->second, objects->first, object);
  if (!o) return o.error();
  return (*o)->GetAttributes(templ, count);
}

CK_RV Module::GetObjectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG* size) {
  auto s = FindSession(session);
  if (!s) return s.error();
  auto objects = ObjectsOfHandle((*s)->slot, object);
  if (!objects) return objects.error();
  auto o = ObjectOf(*objects->second, objects->first, object);
  if (!o) return o.error();
  CK_ULONG total = 0;
  for (const auto& [type, value] : (*o)->attributes) total += value.size();
  *size = total;
  return CKR_OK;
}

CK_RV Module::NoRandom(CK_SESSION_HANDLE session) {
  auto s = FindSession(session);
  if (!s) return s.error();
  return CKR_RANDOM_NO_RNG;
}

// ---- signing ----

CK_RV Module::SignInit(CK_SESSION_HANDLE session, const CK_MECHANISM* mechanism,
                       CK_OBJECT_HANDLE key) {
  auto s = FindSession(session);
  if (!s) return s.error();
  Session& sess = **s;
  std::lock_guard lock(sess.mu);
  if (sess.sign) return CKR_OPERATION_ACTIVE;
  auto found = ObjectsOfHandle(sess.slot, key);
  if (!found) {
    return found.error() == CKR_OBJECT_HANDLE_INVALID ? CKR_KEY_HANDLE_INVALID : found.error();
  }
  const CK_SLOT_ID key_slot = found->first;
  const std::shared_ptr<const TokenObjects>* objects = &found->second;
  auto o = ObjectOf(**objects, key_slot, key);
  if (!o) return CKR_KEY_HANDLE_INVALID;
  if ((*o)->object_class == CKO_PUBLIC_KEY) return CKR_KEY_FUNCTION_NOT_PERMITTED;
  if ((*o)->object_class != CKO_PRIVATE_KEY) return CKR_KEY_HANDLE_INVALID;
  auto plan = PlanSign(*mechanism, (*objects)->key.type);
  if (!plan) return plan.error();
  SignOperation op;
  op.plan = *plan;
  op.signature_size = (*objects)->key.signature_size;
  {
    std::lock_guard module_lock(mu_);
    op.signer_id = slots_[key_slot].signer.id;
    op.signer_name = slots_[key_slot].signer.name;
  }
  if (plan->input == InputKind::kHashHere) {
    auto hasher = crypto::Hasher::Create(*plan->hash);
    if (!hasher) return CKR_HOST_MEMORY;
    op.hasher.emplace(std::move(*hasher));
  }
  sess.sign = std::move(op);
  return CKR_OK;
}

CkResult<Bytes> Module::Complete(SignOperation& op, ByteView single_part_data) {
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;
  Bytes digest;
  switch (op.plan.input) {
    case InputKind::kHashHere: {
      if (!op.multipart && !op.hasher->Update(single_part_data)) return CkError(CKR_GENERAL_ERROR);
      auto d = op.hasher->Finish();
      if (!d) return CkError(CKR_GENERAL_ERROR);
      hash = *op.plan.hash;
      digest = std::move(*d);
      break;
    }
    case InputKind::kDigestInfo: {
      const ByteView input = op.multipart ? ByteView(op.buffer) : single_part_data;
      auto info = crypto::ParseDigestInfo(input);
      if (!info) {
        reporter_.Report("CKM_RSA_PKCS signs a DigestInfo for SHA-256, SHA-384 or SHA-512; the " +
                         std::to_string(input.size()) + "-byte input is not one");
        return CkError(input.size() + 11 > op.signature_size ? CKR_DATA_LEN_RANGE
                                                             : CKR_DATA_INVALID);
      }
      hash = info->hash;
      digest = std::move(info->digest);
      break;
    }
    case InputKind::kDigest: {
      const ByteView input = op.multipart ? ByteView(op.buffer) : single_part_data;
      if (op.plan.hash) {
        hash = *op.plan.hash;
        if (input.size() != domain::HashLength(hash)) {
          reporter_.Report(std::string(MechanismName(op.plan.mechanism)) + " input is " +
                           std::to_string(input.size()) + " bytes; the " +
                           std::string(domain::HashName(hash)) + " digest is " +
                           std::to_string(domain::HashLength(hash)));
          return CkError(CKR_DATA_LEN_RANGE);
        }
      } else {
        auto h = HashForDigestLength(input.size());
        if (!h) {
          reporter_.Report(std::string(MechanismName(op.plan.mechanism)) + " input is " +
                           std::to_string(input.size()) +
                           " bytes; it must be a SHA-256, SHA-384 or SHA-512 digest (32, 48 or "
                           "64 bytes)");
          return CkError(h.error());
        }
        hash = *h;
      }
      digest.assign(input.begin(), input.end());
      break;
    }
  }
  const std::string algorithm(domain::SigningAlgorithmName({op.plan.scheme, hash}));
  auto signed_ =
      Authed([&] { return client_->SignDigest(op.signer_id, algorithm, digest, metadata_); });
  if (!signed_) {
    reporter_.Report(DescribeError(signed_.error(), op.signer_name));
    // No grant, or none whose scope covers this call (the server then names the mismatch):
    // this call needs an approval of its own.
    const Error& e = signed_.error();
    const bool needs_approval = e.code == ErrorCode::kApprovalRequired ||
                                (e.code == ErrorCode::kPermissionDenied &&
                                 e.message.find("scope does not match") != std::string::npos);
    if (needs_approval && config_.approval.enabled()) RequestAccess(op, digest);
    return CkError(CkrFromError(signed_.error().code));
  }
  if (op.plan.scheme == domain::SignatureScheme::kEcdsa) {
    auto raw = crypto::EcdsaDerToRaw(signed_->signature, op.signature_size / 2);
    if (!raw) {
      reporter_.Report("signer " + op.signer_name +
                       ": the server's ECDSA signature is malformed: " + raw.error().message);
      return CkError(CKR_DEVICE_ERROR);
    }
    return std::move(*raw);
  }
  if (signed_->signature.size() != op.signature_size) {
    reporter_.Report("signer " + op.signer_name + ": the server's signature is " +
                     std::to_string(signed_->signature.size()) + " bytes; the key needs " +
                     std::to_string(op.signature_size));
    return CkError(CKR_DEVICE_ERROR);
  }
  return std::move(signed_->signature);
}

void Module::RequestAccess(const SignOperation& op, ByteView data) {
  const ApprovalConfig& a = config_.approval;
  // The scope of this call, with exactly the values the sign call reports (fitted the same way).
  const api::JsonObject seen = client::EncodeClientMetadata(metadata_);
  api::JsonObject scope;
  auto put = [&](const char* key, const api::JsonValue* value) {
    if (value != nullptr && value->is_string() && !value->as_string().empty() &&
        !a.exclude_scope_fields.contains(key)) {
      scope[key] = *value;
    }
  };
  put("command", seen.if_contains("command"));
  put("signingApplication", seen.if_contains("tool"));
  put("signingApplicationHash", seen.if_contains("signingApplicationHash"));
  put("hostname", seen.if_contains("hostname"));
  put("osUsername", seen.if_contains("osUsername"));
  const api::JsonValue data_hash(HexEncode(crypto::Sha256(data)));
  put("dataHash", &data_hash);
  if (a.exclude_scope_fields.contains("ipAddress")) {
    scope["ipAddress"] = nullptr;  // the server then leaves the address free
  } else if (a.ip_address) {
    scope["ipAddress"] = *a.ip_address;
  }
  const std::string tool = metadata_.tool.value_or("a signing tool");
  const std::string host = metadata_.hostname.value_or("this host");
  api::JsonObject body{
      {"justification", "Requested by the PKCS#11 module for " + tool + " on " + host}};
  std::string terms;
  if (a.signing_count) {
    body["requestedSignings"] = *a.signing_count;
    terms = std::to_string(*a.signing_count) + " signing" + (*a.signing_count == 1 ? "" : "s");
  }
  if (a.signing_duration) {
    body["requestedWindowDuration"] = FormatDuration(*a.signing_duration);
    terms += (terms.empty() ? "" : ", ") + FormatDuration(*a.signing_duration);
  }
  body["scope"] = scope;

  // A rerun before approval finds its own pending request instead of opening another.
  auto same_pending = [&]() -> std::optional<std::string> {
    auto perms = Authed([&] {
      return client_->Call(client::HttpMethod::kGet,
                           "/api/v1/cert-manager/signers/" + op.signer_id + "/permissions");
    });
    if (!perms || !perms->is_object()) return std::nullopt;
    std::string me;
    if (const auto* d = perms->as_object().if_contains("data"); d != nullptr && d->is_object()) {
      if (const auto* ms = d->as_object().if_contains("memberships");
          ms != nullptr && ms->is_array()) {
        for (const auto& m : ms->as_array()) {
          for (const char* key : {"actorIdentityId", "actorUserId"}) {
            const auto* v = m.as_object().if_contains(key);
            if (v != nullptr && v->is_string()) me = std::string(v->as_string());
          }
        }
      }
    }
    if (me.empty()) return std::nullopt;
    auto list = Authed([&] {
      return client_->Call(
          client::HttpMethod::kGet,
          "/api/v1/pki/signing-requests" +
              client::Query({{"signerId", op.signer_id}, {"status", "pending"}, {"limit", "100"}}));
    });
    if (!list || !list->is_object()) return std::nullopt;
    const auto* items = list->as_object().if_contains("requests");
    if (items == nullptr || !items->is_array()) return std::nullopt;
    for (const auto& item : items->as_array()) {
      if (!item.is_object()) continue;
      const auto& r = item.as_object();
      auto text = [&](const char* key) -> std::string {
        const auto* v = r.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      if (text("requesterId") != me) continue;
      if (a.signing_count) {
        const auto* n = r.if_contains("requestedSignings");
        if (n == nullptr || !n->is_number()) continue;
        boost::system::error_code ec;
        if (n->to_number<std::int64_t>(ec) != *a.signing_count || ec) continue;
      }
      if (a.signing_duration &&
          text("requestedWindowDuration") != FormatDuration(*a.signing_duration)) {
        continue;
      }
      // The stored scope, compared without the address the server may have filled in.
      api::JsonObject stored;
      if (const auto* sc = r.if_contains("scope"); sc != nullptr && sc->is_object())
        stored = sc->as_object();
      api::JsonObject wanted = scope;
      if (!wanted.contains("ipAddress") || wanted.at("ipAddress").is_null()) {
        stored.erase("ipAddress");
        wanted.erase("ipAddress");
      }
      if (stored == wanted) return text("id");
    }
    return std::nullopt;
  };
  if (auto pending = same_pending()) {
    reporter_.Report("access request " + *pending + " for signer " + op.signer_name +
                     " is waiting for approval; run again once it is approved");
    return;
  }
  auto made = Authed([&] {
    return client_->Call(client::HttpMethod::kPost,
                         "/api/v1/pki/signers/" + op.signer_id + "/requests", api::JsonValue(body));
  });
  if (!made) {
    reporter_.Report("could not open an access request for signer " + op.signer_name + ": " +
                     DescribeError(made.error(), {}));
    return;
  }
  std::string id;
  if (made->is_object()) {
    if (const auto* v = made->as_object().if_contains("id"); v != nullptr && v->is_string()) {
      id = std::string(v->as_string());
    }
  }
  reporter_.Report("opened access request " + id + " for signer " + op.signer_name +
                   (terms.empty() ? "" : " (" + terms + ")") + "; run again once it is approved");
}

CK_RV Module::Sign(CK_SESSION_HANDLE session, const CK_BYTE* data, CK_ULONG data_len,
                   CK_BYTE* signature, CK_ULONG* signature_len) {
  auto s = FindSession(session);
  if (!s) return s.error();
  Session& sess = **s;
  std::lock_guard lock(sess.mu);
  if (!sess.sign) return CKR_OPERATION_NOT_INITIALIZED;
  if (sess.sign->multipart) return CKR_OPERATION_ACTIVE;
  if ((data == nullptr && data_len != 0) || signature_len == nullptr) {
    sess.sign.reset();
    return CKR_ARGUMENTS_BAD;
  }
  if (sess.sign->plan.input != InputKind::kHashHere && data_len > kMaxRawInput) {
    sess.sign.reset();
    return CKR_DATA_LEN_RANGE;
  }
  bool go = false;
  const CK_RV rv = PutLength(sess.sign->signature_size, signature, signature_len, &go);
  if (!go) return rv;
  auto result = Complete(*sess.sign, ByteView(data, data_len));
  sess.sign.reset();
  if (!result) return result.error();
  std::memcpy(signature, result->data(), result->size());
  *signature_len = result->size();
  return CKR_OK;
}

CK_RV Module::SignUpdate(CK_SESSION_HANDLE session, const CK_BYTE* part, CK_ULONG part_len) {
  auto s = FindSession(session);
  if (!s) return s.error();
  Session& sess = **s;
  std::lock_guard lock(sess.mu);
  if (!sess.sign) return CKR_OPERATION_NOT_INITIALIZED;
  SignOperation& op = *sess.sign;
  if (part == nullptr && part_len != 0) {
    sess.sign.reset();
    return CKR_ARGUMENTS_BAD;
  }
  op.multipart = true;
  if (op.plan.input == InputKind::kHashHere) {
    if (!op.hasher->Update(ByteView(part, part_len))) {
      sess.sign.reset();
      return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
  }
  if (op.buffer.size() + part_len > kMaxRawInput) {
    sess.sign.reset();
    return CKR_DATA_LEN_RANGE;
  }
  op.buffer.insert(op.buffer.end(), part, part + part_len);
  return CKR_OK;
}

CK_RV Module::SignFinal(CK_SESSION_HANDLE session, CK_BYTE* signature, CK_ULONG* signature_len) {
  auto s = FindSession(session);
  if (!s) return s.error();
  Session& sess = **s;
  std::lock_guard lock(sess.mu);
  if (!sess.sign) return CKR_OPERATION_NOT_INITIALIZED;
  if (signature_len == nullptr) {
    sess.sign.reset();
    return CKR_ARGUMENTS_BAD;
  }
  bool go = false;
  const CK_RV rv = PutLength(sess.sign->signature_size, signature, signature_len, &go);
  if (!go) return rv;
  sess.sign->multipart = true;  // C_SignFinal right after C_SignInit signs empty input
  auto result = Complete(*sess.sign, {});
  sess.sign.reset();
  if (!result) return result.error();
  std::memcpy(signature, result->data(), result->size());
  *signature_len = result->size();
  return CKR_OK;
}

}  // namespace signet::pkcs11
