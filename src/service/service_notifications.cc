// Notifications (issue 20): the events the use cases queue (through notify::Notifier, in the
// transaction of their change), the periodic scan for what the clock makes happen, the
// management of webhooks and SMTP, and waiting for a request's decision.
#include <algorithm>
#include <cmath>
#include <set>

#include "auth/authenticator.h"
#include "common/log.h"
#include "policy/signing_policy.h"
#include "service/request_watcher.h"
#include "service/service_internal.h"

namespace signet::service {
namespace {

using domain::PrincipalType;
using domain::RequestStatus;

constexpr std::size_t kMaxWebhookName = 64;
constexpr std::size_t kMinSecret = 16;
constexpr std::size_t kMaxSecret = 256;
constexpr std::int64_t kScanBatch = 100;

std::string HostOf(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return url;
  const std::string rest = url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

std::string WebhookDetails(const domain::NotificationWebhook& w) {
  JsonWriter events_json;
  std::string events = "[";
  for (std::size_t i = 0; i < w.events.size(); ++i) {
    events += (i > 0 ? "," : "") + JsonWriter::Quote(w.events[i]);
  }
  events += "]";
  // The URL's path may itself be a secret (Slack's and Teams' are): only its host is recorded.
  return JsonWriter()
      .Add("projectId", w.project_id)
      .Add("name", w.name)
      .Add("host", HostOf(w.url))
      .Add("format", w.format)
      .AddRaw("events", events)
      .Add("enabled", w.enabled)
      .Add("hasSecret", !w.secret_sealed.empty())
      .Finish();
}

Status CheckSecret(const SecretBytes& s) {
  if (s.size() < kMinSecret || s.size() > kMaxSecret) {
    return InvalidArgument("secret is " + std::to_string(s.size()) + " characters; it must be " +
                           std::to_string(kMinSecret) + "-" + std::to_string(kMaxSecret));
  }
  return Ok();
}

}  // namespace

// ---- queueing ----

Status Context::Notify(store::Tx& tx, const notify::Event& e) {
  if (d_.notifier == nullptr) return Ok();
  return d_.notifier->Enqueue(tx, e).map([](bool) {});
}

void Context::WakeNotifier() {
  if (d_.notifier != nullptr) d_.notifier->Wake();
}

Status Context::NotifyRequest(store::Tx& tx, std::string_view type, const domain::SigningRequest& r,
                              const std::string& signer_name, const domain::Principal* actor,
                              const std::string& comment, std::vector<std::string> email_users) {
  if (d_.notifier == nullptr) return Ok();
  notify::Event e;
  e.type = std::string(type);
  e.project_id = r.project_id;
  notify::EventData& d = e.data;
  d.request_id = r.id;
  d.signer_id = r.signer_id;
  d.signer_name = signer_name;
  d.requester_type = std::string(domain::PrincipalTypeName(r.requester_type));
  d.requester_id = r.requester_id;
  if (auto who = auth::LoadPrincipal(tx, r.requester_type, r.requester_id))
    d.requester_name = who->name;
  d.justification = r.justification;
  d.requested_signings = r.requested_signings;
  if (actor != nullptr) d.actor_name = actor->name;
  d.comment = comment;
  d.status = std::string(domain::RequestStatusName(r.status));
  d.grant_id = r.grant_id.value_or("");
  if (r.policy_snapshot) {
    const auto& steps = r.policy_snapshot->steps;
    d.steps = static_cast<std::int64_t>(steps.size());
    if (type == notify::kRequestCreated || type == notify::kRequestStepAdvanced) {
      d.step = r.current_step + 1;
      d.expires_at = r.expires_at;
      if (r.current_step < d.steps)
        d.step_name = steps[static_cast<std::size_t>(r.current_step)].name;
    }
  }
  // Nobody is told by e-mail about what they did themselves.
  std::erase_if(email_users, [&](const std::string& id) {
    return actor != nullptr && actor->type == PrincipalType::kUser && actor->id == id;
  });
  e.email_user_ids = std::move(email_users);
  if (type == notify::kRequestExpired) e.dedup_key = "request.expired:" + r.id;
  return Notify(tx, e);
}

// The approvers of the request's current step who want to hear about it (never the requester).
std::vector<std::string> CurrentApprovers(const domain::SigningRequest& r) {
  std::vector<std::string> out;
  if (!r.policy_snapshot) return out;
  const auto& steps = r.policy_snapshot->steps;
  if (r.current_step < 0 || r.current_step >= static_cast<std::int64_t>(steps.size())) return out;
  const auto& step = steps[static_cast<std::size_t>(r.current_step)];
  if (!step.notify_approvers) return out;
  for (const auto& id : step.approver_user_ids) {
    if (!(r.requester_type == PrincipalType::kUser && r.requester_id == id)) out.push_back(id);
  }
  return out;
}

std::vector<std::string> RequesterIfUser(const domain::SigningRequest& r) {
  if (r.requester_type != PrincipalType::kUser) return {};
  return {r.requester_id};
}

// ---- the periodic scan ----

void NotificationUseCases::ScanForNotifications() {
  ScanRequests();
  ScanGrants();
  ScanCertificates();
}

void NotificationUseCases::ScanRequests() {
  const TimePoint now = d_.clock.Now();
  std::vector<domain::SigningRequest> overdue;
  {
    auto tx = d_.store.BeginRead();
    if (!tx) return;
    auto rows = (*tx)->ListOverdueRequests(now, kScanBatch);
    if (!rows) return log::Warn("notification scan: " + rows.error().message);
    overdue = std::move(*rows);
  }
  bool queued = false;
  for (auto& r : overdue) {
    Status s = [&]() -> Status {
      SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
      SIGNET_ASSIGN_OR_RETURN(bool changed, tx->ExpireRequest(r.id, now));
      if (!changed) return Ok();  // decided meanwhile, or expired by another node
      r.status = RequestStatus::kExpired;
      r.updated_at = now;
      auto signer = tx->GetSigner(r.signer_id);
      const std::string signer_name = signer ? signer->name : r.signer_id;
      SIGNET_TRY(AppendAudit(*tx, nullptr,
                             {"signing-request.expire", "signing-request", r.id,
                              JsonWriter()
                                  .Add("signerId", r.signer_id)
                                  .Add("expiresAt", FormatTime(r.expires_at))
                                  .Finish()}));
      SIGNET_TRY(NotifyRequest(*tx, notify::kRequestExpired, r, signer_name, nullptr, "",
                               RequesterIfUser(r)));
      SIGNET_TRY(tx->Commit());
      queued = true;
      watcher_->Touch(r.id);
      return Ok();
    }();
    if (!s) log::Warn("notification scan: expiring request " + r.id + ": " + s.error().message);
  }
  if (queued) WakeNotifier();
}

void NotificationUseCases::ScanGrants() {
  if (d_.notifier == nullptr) return;
  const TimePoint now = d_.clock.Now();
  const Millis before = d_.expiry_notices.grant_before;
  std::vector<domain::Grant> near;
  {
    auto tx = d_.store.BeginRead();
    if (!tx) return;
    auto rows = (*tx)->ListGrantsNearingEnd(now, now + before);
    if (!rows) return log::Warn("notification scan: " + rows.error().message);
    near = std::move(*rows);
  }
  bool queued = false;
  for (const auto& g : near) {
    // Time: within `before` of the end, and within the last quarter of the window (a grant
    // for one hour is not announced as running out when it starts).
    bool time_near = false;
    if (g.expires_at && *g.expires_at > now) {
      const Millis left = std::chrono::duration_cast<Millis>(*g.expires_at - now);
      const Millis window = std::chrono::duration_cast<Millis>(*g.expires_at - g.window_start);
      time_near = left <= std::min(before, window / 4);
    }
    // Count: a tenth or less left (at least the last one), once some were used.
    bool count_near = false;
    std::optional<std::int64_t> remaining;
    if (g.max_signings) {
      remaining = *g.max_signings - g.used_signings;
      count_near = g.used_signings > 0 && *remaining > 0 &&
                   *remaining <= std::max<std::int64_t>(1, *g.max_signings / 10);
    }
    if (!time_near && !count_near) continue;
    Status s = [&]() -> Status {
      SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
      auto signer = tx->GetSigner(g.signer_id);
      if (!signer) return Ok();
      notify::Event e;
      e.type = std::string(notify::kGrantExpiring);
      e.project_id = signer->project_id;
      e.dedup_key = "grant.expiring:" + g.id;
      e.data.grant_id = g.id;
      e.data.signer_id = g.signer_id;
      e.data.signer_name = signer->name;
      e.data.requester_type = std::string(domain::PrincipalTypeName(g.grantee_type));
      e.data.requester_id = g.grantee_id;
      if (auto who = auth::LoadPrincipal(*tx, g.grantee_type, g.grantee_id))
        e.data.requester_name = who->name;
      e.data.request_id = g.request_id.value_or("");
      e.data.remaining_signings = remaining;
      e.data.expires_at = g.expires_at;
      e.data.status = "active";
      if (g.grantee_type == PrincipalType::kUser) e.email_user_ids = {g.grantee_id};
      SIGNET_ASSIGN_OR_RETURN(bool inserted, d_.notifier->Enqueue(*tx, e));
      if (!inserted) return Ok();
      SIGNET_TRY(tx->Commit());
      queued = true;
      return Ok();
    }();
    if (!s) log::Warn("notification scan: grant " + g.id + ": " + s.error().message);
  }
  if (queued) WakeNotifier();
}

void NotificationUseCases::ScanCertificates() {
  if (d_.notifier == nullptr || d_.expiry_notices.certificate_days.empty()) return;
  std::vector<std::int64_t> days = d_.expiry_notices.certificate_days;
  std::sort(days.begin(), days.end());
  const TimePoint now = d_.clock.Now();
  constexpr Millis kDay = std::chrono::hours(24);
  std::vector<domain::Certificate> expiring;
  {
    auto tx = d_.store.BeginRead();
    if (!tx) return;
    auto rows = (*tx)->ListCertificatesExpiring(now, now + days.back() * kDay);
    if (!rows) return log::Warn("notification scan: " + rows.error().message);
    expiring = std::move(*rows);
  }
  bool queued = false;
  for (const auto& cert : expiring) {
    const Millis left = std::chrono::duration_cast<Millis>(*cert.not_after - now);
    const std::int64_t days_left = (left.count() + kDay.count() - 1) / kDay.count();
    const auto threshold =
        std::find_if(days.begin(), days.end(), [&](std::int64_t d) { return days_left <= d; });
    if (threshold == days.end()) continue;
    const std::string key = "certificate.expiring:" + cert.id + ":" + std::to_string(*threshold);
    Status s = [&]() -> Status {
      {
        SIGNET_ASSIGN_OR_RETURN(auto read, d_.store.BeginRead());
        SIGNET_ASSIGN_OR_RETURN(bool done, read->HasNotificationEvent(key));
        if (done) return Ok();
      }
      SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
      notify::Event e;
      e.type = std::string(notify::kCertificateExpiring);
      e.project_id = cert.project_id;
      e.dedup_key = key;
      e.data.certificate_id = cert.id;
      e.data.certificate_name = cert.common_name;
      e.data.days_left = days_left;
      e.data.expires_at = cert.not_after;
      // The project's admins hear about it.
      SIGNET_ASSIGN_OR_RETURN(auto members,
                              tx->ListMemberships(cert.project_id, store::PageRequest{}));
      for (const auto& m : members.items) {
        if (m.principal_type == PrincipalType::kUser && m.role == domain::ProjectRole::kAdmin) {
          e.email_user_ids.push_back(m.principal_id);
        }
      }
      SIGNET_ASSIGN_OR_RETURN(bool inserted, d_.notifier->Enqueue(*tx, e));
      if (!inserted) return Ok();
      SIGNET_TRY(tx->Commit());
      queued = true;
      return Ok();
    }();
    if (!s) log::Warn("notification scan: certificate " + cert.id + ": " + s.error().message);
  }
  if (queued) WakeNotifier();
}

// ---- webhooks ----

Result<domain::NotificationWebhook> NotificationUseCases::LoadWebhook(store::Tx& tx,
                                                                      const domain::Principal& p,
                                                                      const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(domain::NotificationWebhook w,
                          FindById(id, "webhook", [&] { return tx.GetWebhook(id); }));
  SIGNET_ASSIGN_OR_RETURN(auto role, ProjectRoleOf(tx, p, w.project_id));
  if (!policy::IsProjectMember(p, role)) return NotFound("webhook '" + id + "' not found");
  if (!policy::IsProjectAdmin(p, role)) {
    return PermissionDenied("managing a project's webhooks needs the admin role in the project");
  }
  return w;
}

Result<domain::NotificationWebhook> NotificationUseCases::CreateWebhook(const Caller& c,
                                                                        const WebhookInput& in) {
  if (d_.notifier == nullptr)
    return FailedPrecondition("notifications are not enabled on this server");
  if (!in.url) return InvalidArgument("url is required");
  SIGNET_TRY(d_.notifier->CheckWebhookUrl(*in.url, "url"));
  const std::string format = in.format.value_or(std::string(notify::kFormatSignet));
  SIGNET_TRY(notify::CheckFormat(format, "format"));
  if (format == notify::kFormatSignet && !in.secret) {
    return InvalidArgument(
        "secret is required: receivers check the Signet-Signature header with it");
  }
  if (in.secret) SIGNET_TRY(CheckSecret(*in.secret));
  std::vector<std::string> events;
  if (in.events) {
    for (std::size_t i = 0; i < in.events->size(); ++i) {
      SIGNET_TRY(notify::CheckEventName((*in.events)[i], "events[" + std::to_string(i) + "]"));
      if (std::find(events.begin(), events.end(), (*in.events)[i]) == events.end())
        events.push_back((*in.events)[i]);
    }
  }
  // Default name: the URL's host with a short suffix, so several webhooks to one host (all of
  // Slack's are on hooks.slack.com) need no names.
  const std::string id = NewUuid();
  std::string name =
      in.name.value_or(HostOf(*in.url).substr(0, kMaxWebhookName - 9) + "-" + id.substr(0, 8));
  if (name.empty() || name.size() > kMaxWebhookName) {
    return InvalidArgument("name must be 1-" + std::to_string(kMaxWebhookName) + " characters");
  }
  auto created = WriteWithAudit<domain::NotificationWebhook>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::NotificationWebhook> {
        SIGNET_ASSIGN_OR_RETURN(domain::Project project, ResolveProject(tx, in.project));
        SIGNET_TRY(RequireProjectAdmin(tx, c.principal, project.id));
        domain::NotificationWebhook w;
        w.id = id;
        w.project_id = project.id;
        w.name = name;
        w.url = *in.url;
        w.format = format;
        w.events = events;
        w.enabled = in.enabled.value_or(true);
        if (in.secret) {
          SIGNET_ASSIGN_OR_RETURN(w.secret_sealed, d_.notifier->Seal(w.id, *in.secret));
        }
        w.created_at = w.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.InsertWebhook(w));
        e = {"notification-webhook.create", "notification-webhook", w.id, WebhookDetails(w)};
        return w;
      });
  return created;
}

Result<store::Page<domain::NotificationWebhook>> NotificationUseCases::ListWebhooks(
    const Caller& c, const std::optional<std::string>& project, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::Project proj, ResolveProject(*tx, project));
  SIGNET_TRY(RequireProjectAdmin(*tx, c.principal, proj.id));
  return tx->ListWebhooks(proj.id, ToPage(p));
}

Result<domain::NotificationWebhook> NotificationUseCases::GetWebhook(const Caller& c,
                                                                     const std::string& id) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  return LoadWebhook(*tx, c.principal, id);
}

Result<domain::NotificationWebhook> NotificationUseCases::UpdateWebhook(const Caller& c,
                                                                        const std::string& id,
                                                                        const WebhookInput& in) {
  if (d_.notifier == nullptr)
    return FailedPrecondition("notifications are not enabled on this server");
  if (in.url) SIGNET_TRY(d_.notifier->CheckWebhookUrl(*in.url, "url"));
  if (in.format) SIGNET_TRY(notify::CheckFormat(*in.format, "format"));
  if (in.secret) SIGNET_TRY(CheckSecret(*in.secret));
  if (in.events) {
    for (std::size_t i = 0; i < in.events->size(); ++i) {
      SIGNET_TRY(notify::CheckEventName((*in.events)[i], "events[" + std::to_string(i) + "]"));
    }
  }
  if (in.name && (in.name->empty() || in.name->size() > kMaxWebhookName)) {
    return InvalidArgument("name must be 1-" + std::to_string(kMaxWebhookName) + " characters");
  }
  return WriteWithAudit<domain::NotificationWebhook>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::NotificationWebhook> {
        SIGNET_ASSIGN_OR_RETURN(domain::NotificationWebhook w, LoadWebhook(tx, c.principal, id));
        if (in.name) w.name = *in.name;
        if (in.url) w.url = *in.url;
        if (in.format) w.format = *in.format;
        if (in.events) {
          w.events.clear();
          for (const auto& ev : *in.events) {
            if (std::find(w.events.begin(), w.events.end(), ev) == w.events.end())
              w.events.push_back(ev);
          }
        }
        if (in.enabled) w.enabled = *in.enabled;
        if (in.secret) {
          SIGNET_ASSIGN_OR_RETURN(w.secret_sealed, d_.notifier->Seal(w.id, *in.secret));
        }
        if (in.clear_secret) w.secret_sealed.clear();
        if (w.format == notify::kFormatSignet && w.secret_sealed.empty()) {
          return InvalidArgument("a webhook in the signet format needs a secret");
        }
        w.updated_at = d_.clock.Now();
        SIGNET_TRY(tx.UpdateWebhook(w));
        e = {"notification-webhook.update", "notification-webhook", w.id, WebhookDetails(w)};
        return w;
      });
}

Result<domain::NotificationWebhook> NotificationUseCases::DeleteWebhook(const Caller& c,
                                                                        const std::string& id) {
  return WriteWithAudit<domain::NotificationWebhook>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<domain::NotificationWebhook> {
        SIGNET_ASSIGN_OR_RETURN(domain::NotificationWebhook w, LoadWebhook(tx, c.principal, id));
        SIGNET_TRY(tx.DeleteWebhook(w.id));
        e = {"notification-webhook.delete", "notification-webhook", w.id, WebhookDetails(w)};
        return w;
      });
}

Result<store::Page<domain::NotificationDelivery>> NotificationUseCases::ListWebhookDeliveries(
    const Caller& c, const std::string& id, Paging p) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(domain::NotificationWebhook w, LoadWebhook(*tx, c.principal, id));
  return tx->ListDeliveries(w.id, ToPage(p));
}

Result<domain::NotificationDelivery> NotificationUseCases::TestWebhook(const Caller& c,
                                                                       const std::string& id) {
  if (d_.notifier == nullptr)
    return FailedPrecondition("notifications are not enabled on this server");
  domain::NotificationWebhook w;
  {
    SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(w, LoadWebhook(*tx, c.principal, id));
  }
  return d_.notifier->SendTest(w, c.principal.name);
}

// ---- SMTP ----

Result<notify::SmtpSettings> NotificationUseCases::PutSmtp(const Caller& c, const SmtpInput& in) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  if (d_.notifier == nullptr)
    return FailedPrecondition("notifications are not enabled on this server");
  notify::SmtpSettings s;
  s.host = in.host;
  s.port = in.port;
  s.security = in.security;
  s.username = in.username;
  s.from = in.from;
  s.ca_certificate_pem = in.ca_certificate_pem;
  SIGNET_TRY(notify::CheckSmtpSettings(s));
  if (in.password && in.username.empty()) {
    return InvalidArgument("password goes with username (SMTP AUTH)");
  }
  if (in.password && in.password->size() > 1024) {
    return InvalidArgument("password is longer than 1024 characters");
  }
  return WriteWithAudit<notify::SmtpSettings>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<notify::SmtpSettings> {
        SIGNET_ASSIGN_OR_RETURN(auto old, notify::LoadSmtpSettings(tx));
        if (in.password) {
          SIGNET_ASSIGN_OR_RETURN(s.password_sealed, d_.notifier->Seal("smtp", *in.password));
        } else if (old && !in.clear_password && !s.username.empty()) {
          s.password_sealed = old->password_sealed;  // kept: the password is never sent back
        }
        s.updated_at = d_.clock.Now();
        SIGNET_TRY(notify::SaveSmtpSettings(tx, s));
        e = {"notification-smtp.update", "settings", "smtp",
             JsonWriter()
                 .Add("host", s.host)
                 .Add("port", s.port)
                 .Add("security", s.security)
                 .Add("username", s.username)
                 .Add("from", s.from)
                 .Add("hasPassword", !s.password_sealed.empty())
                 .Finish()};
        return s;
      });
}

Result<notify::SmtpSettings> NotificationUseCases::GetSmtp(const Caller& c) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginRead());
  SIGNET_ASSIGN_OR_RETURN(auto s, notify::LoadSmtpSettings(*tx));
  if (!s) return NotFound("e-mail is not configured; PUT /api/v1/notifications/smtp sets it up");
  return *s;
}

Result<notify::SmtpSettings> NotificationUseCases::DeleteSmtp(const Caller& c) {
  SIGNET_TRY(RequireOrgAdmin(c.principal));
  return WriteWithAudit<notify::SmtpSettings>(
      &c.principal, [&](store::Tx& tx, AuditEntry& e) -> Result<notify::SmtpSettings> {
        SIGNET_ASSIGN_OR_RETURN(auto s, notify::LoadSmtpSettings(tx));
        if (!s) return NotFound("e-mail is not configured");
        SIGNET_TRY(notify::DeleteSmtpSettings(tx));
        e = {"notification-smtp.delete", "settings", "smtp",
             JsonWriter().Add("host", s->host).Finish()};
        return *s;
      });
}

// ---- waiting ----

NotificationUseCases::RequestVersion NotificationUseCases::VersionOf(
    const domain::SigningRequest& r, TimePoint now) {
  return {policy::EffectiveRequestStatus(r, now), r.updated_at};
}

void NotificationUseCases::WatchRequest(const std::string& id, RequestVersion seen,
                                        std::chrono::steady_clock::time_point deadline,
                                        std::function<void()> done) {
  watcher_->Watch(id, seen, deadline, std::move(done));
}

}  // namespace signet::service
