#include "notify/notifications.h"

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/log.h"
#include "common/uuid.h"
#include "crypto/aead.h"
#include "notify/render.h"

namespace signet::notify {
namespace {

constexpr std::string_view kSmtpPrefix = "notify.smtp.";
constexpr std::size_t kMaxUrl = 2048;

std::string Aad(std::string_view owner) {
  return "signet notification secret:" + std::string(owner);
}

std::string LinkFor(const std::string& base, std::string_view type, const EventData& d) {
  if (base.empty()) return "";
  if (!d.request_id.empty()) return base + "/approvals/" + d.request_id;
  if (type == kGrantExpiring) return base + "/grants";
  if (type == kCertificateExpiring) return base + "/certificates";
  return base;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  return host.rfind("127.", 0) == 0 &&
         host.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

// ---- SMTP settings ----

Result<std::optional<SmtpSettings>> LoadSmtpSettings(store::Tx& tx) {
  auto get = [&](const char* name) -> Result<std::optional<std::string>> {
    return tx.GetSetting(std::string(kSmtpPrefix) + name);
  };
  SIGNET_ASSIGN_OR_RETURN(auto host, get("host"));
  if (!host || host->empty()) return std::optional<SmtpSettings>();
  SmtpSettings s;
  s.host = *host;
  SIGNET_ASSIGN_OR_RETURN(auto port, get("port"));
  SIGNET_ASSIGN_OR_RETURN(auto security, get("security"));
  SIGNET_ASSIGN_OR_RETURN(auto username, get("username"));
  SIGNET_ASSIGN_OR_RETURN(auto password, get("password"));
  SIGNET_ASSIGN_OR_RETURN(auto from, get("from"));
  SIGNET_ASSIGN_OR_RETURN(auto ca, get("ca"));
  SIGNET_ASSIGN_OR_RETURN(auto updated, get("updated_at"));
  if (port) s.port = std::strtoll(port->c_str(), nullptr, 10);
  s.security = security.value_or("starttls");
  s.username = username.value_or("");
  if (password && !password->empty()) {
    auto sealed = Base64Decode(*password);
    if (!sealed) return Internal("stored SMTP password is corrupt");
    s.password_sealed = std::move(*sealed);
  }
  s.from = from.value_or("");
  s.ca_certificate_pem = ca.value_or("");
  if (updated) s.updated_at = FromUnixMillis(std::strtoll(updated->c_str(), nullptr, 10));
  return std::optional<SmtpSettings>(std::move(s));
}

Status SaveSmtpSettings(store::Tx& tx, const SmtpSettings& s) {
  auto put = [&](const char* name, const std::string& value) {
    return tx.PutSetting(std::string(kSmtpPrefix) + name, value);
  };
  SIGNET_TRY(put("host", s.host));
  SIGNET_TRY(put("port", std::to_string(s.port)));
  SIGNET_TRY(put("security", s.security));
  SIGNET_TRY(put("username", s.username));
  SIGNET_TRY(put("password", s.password_sealed.empty() ? "" : Base64Encode(s.password_sealed)));
  SIGNET_TRY(put("from", s.from));
  SIGNET_TRY(put("ca", s.ca_certificate_pem));
  return put("updated_at", std::to_string(ToUnixMillis(s.updated_at)));
}

Status DeleteSmtpSettings(store::Tx& tx) {
  for (const char* name :
       {"host", "port", "security", "username", "password", "from", "ca", "updated_at"}) {
    SIGNET_TRY(tx.DeleteSetting(std::string(kSmtpPrefix) + name));
  }
  return Ok();
}

Status CheckSmtpSettings(const SmtpSettings& s) {
  if (s.host.empty()) return InvalidArgument("host is required");
  if (s.host.size() > 253 || s.host.find_first_of(" /@\r\n[]") != std::string::npos) {
    return InvalidArgument("host '" + s.host + "' is not a host name or IP address");
  }
  if (s.port < 1 || s.port > 65535) {
    return InvalidArgument("port is " + std::to_string(s.port) + "; it must be 1-65535");
  }
  if (s.security != "none" && s.security != "starttls" && s.security != "tls") {
    return InvalidArgument("security '" + s.security + "' is not one of none, starttls, tls");
  }
  const std::string address = AddressOf(s.from);
  const auto at = address.find('@');
  if (s.from.empty() || at == std::string::npos || at == 0 || at + 1 == address.size() ||
      address.find_first_of(" <>\r\n") != std::string::npos ||
      s.from.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument("from '" + s.from +
                           "' is not an e-mail address (e.g. signet@example.com or "
                           "\"Signet <signet@example.com>\")");
  }
  if (!s.ca_certificate_pem.empty() &&
      s.ca_certificate_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return InvalidArgument("caCertificate must be PEM certificates");
  }
  return Ok();
}

// ---- Notifications ----

Notifications::Notifications(store::Store& store, const Clock& clock, SecretBytes key,
                             std::unique_ptr<Transport> transport, NotificationOptions options)
    : store_(store),
      clock_(clock),
      key_(std::move(key)),
      transport_(std::move(transport)),
      options_(std::move(options)),
      public_url_(options_.public_url) {}

Notifications::~Notifications() { Stop(); }

void Notifications::SetPublicUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::lock_guard<std::mutex> lock(mu_);
  public_url_ = std::move(url);
}

std::string Notifications::PublicUrl() const {
  std::lock_guard<std::mutex> lock(mu_);
  return public_url_;
}

Result<Bytes> Notifications::Seal(std::string_view owner, const SecretBytes& secret) {
  return crypto::AeadSeal(key_.view(), secret.view(), AsBytes(Aad(owner)));
}

Result<SecretBytes> Notifications::Open(std::string_view owner, ByteView sealed) const {
  return crypto::AeadOpen(key_.view(), sealed, AsBytes(Aad(owner)));
}

Status Notifications::CheckWebhookUrl(std::string_view url, std::string_view field) {
  const std::string f(field);
  if (url.size() > kMaxUrl) {
    return InvalidArgument(f + " is " + std::to_string(url.size()) +
                           " characters; the maximum is " + std::to_string(kMaxUrl));
  }
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  if (!https && !http) return InvalidArgument(f + " must start with https://");
  const std::string_view rest = url.substr(https ? 8 : 7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument(f + " must not contain credentials (user:password@)");
  }
  if (url.find_first_of(" \r\n\t") != std::string_view::npos) {
    return InvalidArgument(f + " must not contain spaces or line breaks");
  }
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return InvalidArgument(f + " has no host");
  if (http && !IsLoopbackHost(host) && !options_.allow_http_webhooks) {
    return InvalidArgument(f +
                           " must use https (plain http only to a loopback address, unless "
                           "signetd runs with --notify-allow-http)");
  }
  return Ok();
}

Result<bool> Notifications::Enqueue(store::Tx& tx, const Event& e) {
  const TimePoint now = clock_.Now();
  domain::NotificationEvent ev;
  ev.id = NewUuid();
  ev.event_type = e.type;
  ev.project_id = e.project_id;
  ev.dedup_key = e.dedup_key.empty() ? "event:" + ev.id : e.dedup_key;
  ev.created_at = now;
  EventData data = e.data;
  data.link = LinkFor(PublicUrl(), e.type, data);
  ev.data_json = SignetPayload(ev.id, e.type, now, data);
  SIGNET_ASSIGN_OR_RETURN(bool inserted, tx.InsertNotificationEvent(ev));
  if (!inserted) return false;

  auto delivery = [&](std::string channel, std::string recipient, std::string payload) {
    domain::NotificationDelivery d;
    d.id = NewUuid();
    d.event_id = ev.id;
    d.event_type = ev.event_type;
    d.channel = std::move(channel);
    d.recipient = std::move(recipient);
    d.payload = std::move(payload);
    d.status = "pending";
    d.max_attempts = options_.max_attempts;
    d.next_attempt_at = now;
    d.created_at = now;
    return d;
  };
  SIGNET_ASSIGN_OR_RETURN(auto hooks, tx.ListWebhooks(e.project_id, store::PageRequest{}));
  for (const auto& w : hooks.items) {
    if (!w.enabled) continue;
    if (!w.events.empty() &&
        std::find(w.events.begin(), w.events.end(), e.type) == w.events.end()) {
      continue;
    }
    auto d = delivery("webhook", w.url, WebhookPayload(w.format, ev.id, e.type, now, data));
    d.webhook_id = w.id;
    SIGNET_TRY(tx.InsertDelivery(d));
  }
  if (!e.email_user_ids.empty()) {
    SIGNET_ASSIGN_OR_RETURN(auto smtp, LoadSmtpSettings(tx));
    if (smtp) {
      const Email email = RenderEmail(e.type, data);
      std::set<std::string> seen;
      for (const auto& user_id : e.email_user_ids) {
        if (!seen.insert(user_id).second) continue;
        auto user = tx.GetUser(user_id);
        if (!user) {
          if (user.error().code == ErrorCode::kNotFound) continue;
          return tl::unexpected(user.error());
        }
        if (user->email.find('@') == std::string::npos) continue;
        const std::string message_id = NewUuid();
        SIGNET_TRY(tx.InsertDelivery(delivery(
            "email", user->email, MimeMessage(smtp->from, user->email, email, now, message_id))));
      }
    }
  }
  return true;
}

void Notifications::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

SendOutcome Notifications::Attempt(const domain::NotificationDelivery& d) {
  auto tx = store_.BeginRead();
  if (!tx) return {false, std::nullopt, "database: " + tx.error().message};
  auto event = (*tx)->GetNotificationEvent(d.event_id);
  if (!event) return {false, std::nullopt, "event: " + event.error().message};
  if (d.channel == "webhook") {
    if (!d.webhook_id) return {false, std::nullopt, "the delivery names no webhook"};
    auto w = (*tx)->GetWebhook(*d.webhook_id);
    if (!w) return {false, std::nullopt, "webhook: " + w.error().message};
    if (!w->enabled) return {false, std::nullopt, "the webhook is disabled"};
    HttpPost post;
    post.url = w->url;
    post.body = d.payload;
    post.headers = {{"Content-Type", "application/json"},
                    {"Signet-Event", event->event_type},
                    {"Signet-Event-Id", event->id},
                    {"Signet-Delivery", d.id}};
    if (!w->secret_sealed.empty()) {
      auto secret = Open(w->id, w->secret_sealed);
      if (!secret)
        return {false, std::nullopt, "the webhook's secret cannot be opened with this root key"};
      const auto t =
          std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
      post.headers.emplace_back("Signet-Signature", SignatureHeader(secret->view(), t, post.body));
    }
    tx->reset();
    return transport_->Post(post);
  }
  auto smtp = LoadSmtpSettings(**tx);
  tx->reset();
  if (!smtp) return {false, std::nullopt, "database: " + smtp.error().message};
  if (!*smtp)
    return {false, std::nullopt, "e-mail is not configured (PUT /api/v1/notifications/smtp)"};
  SecretBytes password;
  if (!(*smtp)->password_sealed.empty()) {
    auto opened = Open("smtp", (*smtp)->password_sealed);
    if (!opened)
      return {false, std::nullopt, "the SMTP password cannot be opened with this root key"};
    password = std::move(*opened);
  }
  return transport_->SendMail(**smtp, password,
                              MailMessage{AddressOf((*smtp)->from), d.recipient, d.payload});
}

Result<domain::NotificationDelivery> Notifications::AttemptAndRecord(
    const domain::NotificationDelivery& claimed) {
  const SendOutcome outcome = Attempt(claimed);
  const TimePoint now = clock_.Now();
  SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginWrite());
  SIGNET_ASSIGN_OR_RETURN(domain::NotificationDelivery d, tx->GetDelivery(claimed.id));
  d.attempts += 1;
  d.last_attempt_at = now;
  d.last_status_code = outcome.status_code;
  d.last_error = outcome.error;
  d.lease_until.reset();
  if (outcome.ok) {
    d.status = "delivered";
    d.delivered_at = now;
  } else if (d.attempts >= d.max_attempts) {
    d.status = "failed";
  } else {
    Millis wait = options_.retry_base;
    for (std::int64_t i = 1; i < d.attempts && wait < options_.retry_max; ++i) wait *= 2;
    d.next_attempt_at = now + std::min(wait, options_.retry_max);
  }
  SIGNET_TRY(tx->UpdateDelivery(d));
  SIGNET_TRY(tx->Commit());
  if (!outcome.ok) {
    log::Write(log::Level::kWarn, "",
               "notification " + d.id + " to " +
                   (d.channel == "email" ? d.recipient : "webhook " + d.webhook_id.value_or("")) +
                   " failed (attempt " + std::to_string(d.attempts) + " of " +
                   std::to_string(d.max_attempts) + "): " + outcome.error);
  }
  return d;
}

Result<int> Notifications::DeliverDue() {
  int attempts = 0;
  while (true) {
    const TimePoint now = clock_.Now();
    std::vector<domain::NotificationDelivery> due;
    {
      SIGNET_ASSIGN_OR_RETURN(auto read, store_.BeginRead());
      SIGNET_ASSIGN_OR_RETURN(due, read->ListDueDeliveries(now, options_.batch));
    }
    if (due.empty()) return attempts;
    std::vector<domain::NotificationDelivery> mine;
    {
      SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginWrite());
      for (auto& d : due) {
        SIGNET_ASSIGN_OR_RETURN(bool leased, tx->LeaseDelivery(d.id, now, now + options_.lease));
        if (leased) mine.push_back(std::move(d));
      }
      SIGNET_TRY(tx->Commit());
    }
    if (mine.empty()) return attempts;  // another node took them
    for (const auto& d : mine) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return attempts;
      }
      auto recorded = AttemptAndRecord(d);
      ++attempts;
      if (!recorded && recorded.error().code != ErrorCode::kNotFound) {
        return tl::unexpected(recorded.error());
      }
    }
  }
}

Result<domain::NotificationDelivery> Notifications::SendTest(const domain::NotificationWebhook& w,
                                                             const std::string& actor_name) {
  const TimePoint now = clock_.Now();
  domain::NotificationEvent ev;
  ev.id = NewUuid();
  ev.event_type = kWebhookTest;
  ev.project_id = w.project_id;
  ev.dedup_key = "event:" + ev.id;
  ev.created_at = now;
  EventData data;
  data.actor_name = actor_name;
  data.link = PublicUrl();
  ev.data_json = SignetPayload(ev.id, kWebhookTest, now, data);
  domain::NotificationDelivery d;
  d.id = NewUuid();
  d.event_id = ev.id;
  d.event_type = ev.event_type;
  d.channel = "webhook";
  d.webhook_id = w.id;
  d.recipient = w.url;
  d.payload = WebhookPayload(w.format, ev.id, kWebhookTest, now, data);
  d.status = "pending";
  d.max_attempts = 1;
  d.next_attempt_at = now;
  d.lease_until = now + options_.lease;  // this thread sends it, not the worker
  d.created_at = now;
  {
    SIGNET_ASSIGN_OR_RETURN(auto tx, store_.BeginWrite());
    SIGNET_ASSIGN_OR_RETURN(bool inserted, tx->InsertNotificationEvent(ev));
    (void)inserted;
    SIGNET_TRY(tx->InsertDelivery(d));
    SIGNET_TRY(tx->Commit());
  }
  return AttemptAndRecord(d);
}

void Notifications::Start(std::function<void()> periodic, Millis scan_interval) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread(
      [this, periodic = std::move(periodic), scan_interval] { Run(periodic, scan_interval); });
}

void Notifications::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Notifications::Run(const std::function<void()>& periodic, Millis scan_interval) {
  auto next_scan = std::chrono::steady_clock::now();
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    if (periodic && std::chrono::steady_clock::now() >= next_scan) {
      periodic();
      next_scan = std::chrono::steady_clock::now() + scan_interval;
    }
    auto delivered = DeliverDue();
    if (!delivered)
      log::Write(log::Level::kWarn, "", "notifications: " + delivered.error().message);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.poll_interval, [this] { return woken_ || stopping_; });
  }
}

}  // namespace signet::notify
