#pragma once
// Use cases of notifications (issue 20): webhooks and SMTP, the periodic scan for what the
// clock makes happen, and waiting for a request's decision. The events themselves are queued
// by the use cases that change things (Context::Notify, NotifyRequest).

#include <chrono>
#include <functional>

#include "service/context.h"

namespace signet::service {

// A webhook to create (url, and secret for the signet format, required) or a patch (absent
// fields keep their value).
struct WebhookInput {
  std::optional<std::string> project;  // create only; id or slug, default project when absent
  std::optional<std::string> name;     // default: the URL's host
  std::optional<std::string> url;
  std::optional<SecretBytes> secret;
  bool clear_secret = false;                       // "secret": null on a patch (slack/teams only)
  std::optional<std::vector<std::string>> events;  // empty: every event
  std::optional<std::string> format;               // signet (default) | slack | teams
  std::optional<bool> enabled;
};

struct SmtpInput {
  std::string host;
  std::int64_t port = 587;
  std::string security = "starttls";
  std::string username;
  std::optional<SecretBytes> password;  // absent: keep the stored one
  bool clear_password = false;          // "password": null
  std::string from;
  std::string ca_certificate_pem;
};

class NotificationUseCases : public virtual Context {
 public:
  // ---- notifications (project admins manage their project's webhooks; org admins SMTP) ----
  [[nodiscard]] Result<domain::NotificationWebhook> CreateWebhook(const Caller& c,
                                                                  const WebhookInput& in);
  [[nodiscard]] Result<store::Page<domain::NotificationWebhook>> ListWebhooks(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::NotificationWebhook> GetWebhook(const Caller& c,
                                                               const std::string& id);
  [[nodiscard]] Result<domain::NotificationWebhook> UpdateWebhook(const Caller& c,
                                                                  const std::string& id,
                                                                  const WebhookInput& in);
  [[nodiscard]] Result<domain::NotificationWebhook> DeleteWebhook(const Caller& c,
                                                                  const std::string& id);

  // Newest first.
  [[nodiscard]] Result<store::Page<domain::NotificationDelivery>> ListWebhookDeliveries(
      const Caller& c, const std::string& id, Paging p);

  // Sends a test event to the webhook now (on this thread) and returns its delivery.
  [[nodiscard]] Result<domain::NotificationDelivery> TestWebhook(const Caller& c,
                                                                 const std::string& id);
  [[nodiscard]] Result<notify::SmtpSettings> PutSmtp(const Caller& c, const SmtpInput& in);

  // NotFound when e-mail is not configured.
  [[nodiscard]] Result<notify::SmtpSettings> GetSmtp(const Caller& c);
  [[nodiscard]] Result<notify::SmtpSettings> DeleteSmtp(const Caller& c);

  // Reports what the clock made happen, once across nodes: pending requests past their expiry
  // are marked expired (with their audit event), grants that run out soon and certificates
  // that expire within the configured days are announced. Called by the notification thread.
  void ScanForNotifications();

  // ---- waiting for a decision (GET …/signing-requests/{id}?waitSeconds=N) ----
  // The service's clock.
  TimePoint Now() const { return d_.clock.Now(); }

  // The request's state as a waiter compares it: effective status and last change.
  using RequestVersion = std::pair<domain::RequestStatus, TimePoint>;
  [[nodiscard]] static RequestVersion VersionOf(const domain::SigningRequest& r, TimePoint now);

  // Calls `done` once, from the request watcher's thread, when request `id` no longer has
  // version `seen` (it changed here or on another node: the row is polled), or at
  // `deadline`. `done` must be quick (it may post work elsewhere). The caller has read the
  // request already (visibility is its check).
  void WatchRequest(const std::string& id, RequestVersion seen,
                    std::chrono::steady_clock::time_point deadline, std::function<void()> done);

 protected:
  explicit NotificationUseCases(const Deps& deps) : Context(deps) {}

 private:
  Result<domain::NotificationWebhook> LoadWebhook(store::Tx& tx, const domain::Principal& p,
                                                  const std::string& id);
  void ScanRequests();
  void ScanGrants();
  void ScanCertificates();
};

}  // namespace signet::service
