#pragma once
// The seam between the use cases (service/) and notifications (ARCHITECTURE.md "Where wave 2
// goes"): the service reports what happened through Notifier::Enqueue inside the write
// transaction of the change, so an event is queued if and only if its change commits (the
// outbox). Delivery happens later, on a background thread of notify::Notifications, never on
// a request's thread: a slow or failing receiver cannot delay or fail a request.
//
// Event names and payloads: docs/notifications.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/entities.h"
#include "store/store.h"

namespace signet::notify {

inline constexpr std::string_view kRequestCreated = "request.created";
inline constexpr std::string_view kRequestStepAdvanced = "request.step_advanced";
inline constexpr std::string_view kRequestApproved = "request.approved";
inline constexpr std::string_view kRequestRejected = "request.rejected";
inline constexpr std::string_view kRequestCancelled = "request.cancelled";
inline constexpr std::string_view kRequestExpired = "request.expired";
inline constexpr std::string_view kGrantExpiring = "grant.expiring";
inline constexpr std::string_view kCertificateExpiring = "certificate.expiring";
// Sent only by POST /api/v1/notifications/webhooks/{id}/test.
inline constexpr std::string_view kWebhookTest = "webhook.test";

// The events a webhook may subscribe to, in documentation order.
const std::vector<std::string>& EventNames();
// InvalidArgument "<field>: 'x' is not an event; use one of …" unless `name` is one of them.
[[nodiscard]] Status CheckEventName(std::string_view name, std::string_view field);

// Webhook formats: Signet's signed JSON, Slack's and Microsoft Teams' incoming webhooks.
inline constexpr std::string_view kFormatSignet = "signet";
inline constexpr std::string_view kFormatSlack = "slack";
inline constexpr std::string_view kFormatTeams = "teams";
[[nodiscard]] Status CheckFormat(std::string_view format, std::string_view field);

// What happened, as receivers see it: the `data` object of the payload and the text of
// e-mails and chat messages. Empty strings and absent values are left out of `data`.
struct EventData {
  std::string request_id;
  std::string signer_id;
  std::string signer_name;
  std::string requester_type;  // "user" | "identity"
  std::string requester_id;
  std::string requester_name;  // a user's e-mail, an identity's name
  std::string justification;
  std::int64_t step = 0;   // 1-based; the step that needs approval (created, step_advanced)
  std::int64_t steps = 0;  // how many steps the request's policy has
  std::string step_name;
  std::string actor_name;  // who approved, rejected or cancelled
  std::string comment;
  std::string status;  // the request's or grant's status after the event
  std::optional<std::int64_t> requested_signings;
  std::string grant_id;
  std::optional<std::int64_t> remaining_signings;
  std::optional<TimePoint> expires_at;  // the request's, grant's or certificate's end
  std::string certificate_id;
  std::string certificate_name;
  std::optional<std::int64_t> days_left;
  std::string link;  // the console page of the request (filled in by Enqueue)
};

struct Event {
  std::string type;  // one of the names above
  std::string project_id;
  // Events with the same key are queued once, whichever node or thread reports them first
  // (e.g. "request.expired:<id>"). Empty: never de-duplicated.
  std::string dedup_key;
  EventData data;
  // Users who get an e-mail (when SMTP is configured): duplicates and users without an
  // address are skipped.
  std::vector<std::string> email_user_ids;
};

// E-mail delivery settings (PUT /api/v1/notifications/smtp), kept in the settings table.
struct SmtpSettings {
  std::string host;
  std::int64_t port = 587;
  std::string security = "starttls";  // "none" | "starttls" | "tls"
  std::string username;               // empty: no authentication
  Bytes password_sealed;              // sealed like webhook secrets; empty: none
  std::string from;                   // "Signet <signet@example.com>" or an address
  std::string ca_certificate_pem;     // trust these instead of the system's CAs (optional)
  TimePoint updated_at;
};
// nullopt when e-mail is not configured.
[[nodiscard]] Result<std::optional<SmtpSettings>> LoadSmtpSettings(store::Tx& tx);
[[nodiscard]] Status SaveSmtpSettings(store::Tx& tx, const SmtpSettings& s);
[[nodiscard]] Status DeleteSmtpSettings(store::Tx& tx);
// Checks host, port, security and from (InvalidArgument naming the field).
[[nodiscard]] Status CheckSmtpSettings(const SmtpSettings& s);

class Notifier {
 public:
  virtual ~Notifier() = default;

  // Queues `e` in `tx`: the event row and one delivery per enabled webhook of the project
  // that subscribes to it and per e-mail recipient (when SMTP is configured), each with its
  // payload rendered now. Returns false, writing nothing, when an event with the same dedup
  // key was queued before. Errors are the store's.
  [[nodiscard]] virtual Result<bool> Enqueue(store::Tx& tx, const Event& e) = 0;
  // Called after a commit that may have queued something: deliver soon. Thread-safe and
  // never blocks.
  virtual void Wake() = 0;

  // Webhook secrets and the SMTP password are kept sealed (AES-256-GCM under a key derived
  // from the root key), bound to what they belong to (`owner`: a webhook id, "smtp").
  [[nodiscard]] virtual Result<Bytes> Seal(std::string_view owner, const SecretBytes& secret) = 0;
  // InvalidArgument unless `url` is an absolute https URL (http only to a loopback host, or
  // anywhere when the server allows plain-HTTP webhooks); names `field`.
  [[nodiscard]] virtual Status CheckWebhookUrl(std::string_view url, std::string_view field) = 0;
  // Queues a "webhook.test" event for `w` alone and delivers it at once on the calling thread
  // (at most the send timeout); returns the delivery as recorded (delivered or failed; a
  // test is not retried). Its audit event is the caller's.
  [[nodiscard]] virtual Result<domain::NotificationDelivery> SendTest(
      const domain::NotificationWebhook& w, const std::string& actor_name) = 0;
};

}  // namespace signet::notify
