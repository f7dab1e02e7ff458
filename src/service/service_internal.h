#pragma once
// Private helpers shared by the service_*.cc files.

#include "common/json_writer.h"
#include "common/uuid.h"
#include "policy/access.h"
#include "service/compliance.h"
#include "service/service.h"

namespace signet::service {

inline constexpr const char* kDefaultProjectSlug = "default";

inline store::PageRequest ToPage(Paging p) { return store::PageRequest{p.offset, p.limit}; }

Result<std::optional<domain::ProjectRole>> ProjectRoleOf(store::Tx& tx, const domain::Principal& p,
                                                         const std::string& project_id);

// The caller's project and signer roles for `signer` (no visibility decision).
Result<policy::SignerAccess> AccessTo(store::Tx& tx, const domain::Principal& p,
                                      const domain::Signer& signer);

// Loads a row by id; a malformed id or a missing row is NotFound("<what> '<id>' not found"),
// the same answer either way. Other store errors pass through.
template <class Get>
auto FindById(const std::string& id, std::string_view what, Get get) -> decltype(get()) {
  auto not_found = [&] { return NotFound(std::string(what) + " '" + id + "' not found"); };
  if (!IsUuid(id)) return not_found();
  auto row = get();
  if (!row && row.error().code == ErrorCode::kNotFound) return not_found();
  return row;
}

// One page of an already filtered list.
template <class T>
store::Page<T> Paginate(std::vector<T> items, Paging p) {
  store::Page<T> page;
  page.total_count = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = p.offset; i < page.total_count && i < p.offset + p.limit; ++i) {
    page.items.push_back(std::move(items[static_cast<std::size_t>(i)]));
  }
  return page;
}

// Why `cert` cannot sign at `now` ("is revoked", "has expired", ...), or empty when it can.
std::string CertificateUnusableReason(const domain::Certificate& cert, TimePoint now);

// Who hears about a request by e-mail: the approvers of its current step (when the step
// notifies; never the requester), and the requester (users only).
std::vector<std::string> CurrentApprovers(const domain::SigningRequest& r);
std::vector<std::string> RequesterIfUser(const domain::SigningRequest& r);

template <class T, class Fn>
Result<T> Context::WriteWithAudit(const domain::Principal* actor, Fn&& fn) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
  AuditEntry entry;
  Result<T> result = fn(*tx, entry);
  if (!result) return result;
  SIGNET_TRY(AppendAudit(*tx, actor, entry));
  Status committed = tx->Commit();
  // Any change may concern a signer, its certificate or a membership; the next sign call
  // reads them again. Also when the commit failed: its outcome may be unknown.
  signer_cache_.Invalidate();
  SIGNET_TRY(committed);
  return result;
}

template <class T>
Result<T> Context::AuditRefusal(const Caller& c, std::string_view action,
                                std::string_view target_type, const std::string& target_id,
                                Result<T> r) {
  if (r || !compliance::IsComplianceRefusal(r.error())) return r;
  auto tx = d_.store.BeginWrite();
  if (!tx) return r;  // the refusal stands; the database may be down
  const Status appended = AppendAudit(**tx, &c.principal,
                                      {"compliance.refusal", std::string(target_type), target_id,
                                       JsonWriter()
                                           .Add("profile", "csbr")
                                           .Add("action", action)
                                           .Add("rule", r.error().message)
                                           .Add("sourceIp", c.source_ip)
                                           .Finish()});
  if (appended) (void)(*tx)->Commit();
  return r;
}

}  // namespace signet::service
