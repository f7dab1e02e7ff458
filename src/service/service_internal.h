#pragma once
// Private helpers shared by the service_*.cc files.

#include "common/json_writer.h"
#include "common/uuid.h"
#include "policy/access.h"
#include "service/service.h"

namespace signet::service {

inline constexpr const char* kDefaultProjectSlug = "default";

inline store::PageRequest ToPage(Paging p) { return store::PageRequest{p.offset, p.limit}; }

Result<std::optional<domain::ProjectRole>> ProjectRoleOf(store::Tx& tx, const domain::Principal& p,
                                                         const std::string& project_id);

template <class T, class Fn>
Result<T> Service::WriteWithAudit(const domain::Principal* actor, Fn&& fn) {
  SIGNET_ASSIGN_OR_RETURN(auto tx, d_.store.BeginWrite());
  AuditEntry entry;
  Result<T> result = fn(*tx, entry);
  if (!result) return result;
  SIGNET_TRY(AppendAudit(*tx, actor, entry));
  SIGNET_TRY(tx->Commit());
  return result;
}

}  // namespace signet::service
