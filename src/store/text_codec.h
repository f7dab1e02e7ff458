#pragma once
// Text encodings of the list- and struct-valued entity fields that backends store in one
// TEXT column: string lists, policy steps and policy snapshots. The format is JSON so that
// operators can read it with the database's own JSON functions (SQLite json_each, PostgreSQL
// jsonb). Shared by every backend; pure functions, thread-safe.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/entities.h"

namespace signet::store {

// ["a","b"]
std::string EncodeStringList(const std::vector<std::string>& items);
[[nodiscard]] Result<std::vector<std::string>> DecodeStringList(std::string_view text);

// {"name":"value",…}
std::string EncodeStringMap(const std::map<std::string, std::string>& items);
[[nodiscard]] Result<std::map<std::string, std::string>> DecodeStringMap(std::string_view text);

// [{"name":"…","requiredApprovals":1,"approverUserIds":["…"],"notifyApprovers":true}]
// (notifyApprovers may be absent: true)
std::string EncodePolicySteps(const std::vector<domain::PolicyStep>& steps);
[[nodiscard]] Result<std::vector<domain::PolicyStep>> DecodePolicySteps(std::string_view text);

// Every field of the policy, times as unix milliseconds, durations in milliseconds:
// {"id":…,"projectId":…,"name":…,"steps":[…],"maxWindowDurationMs":…|null,
//  "maxSignings":…|null,"maxRequestTtlMs":…,"bypassForMachineIdentities":bool,
//  "createdAt":…,"updatedAt":…}
std::string EncodePolicy(const domain::SigningPolicy& policy);
[[nodiscard]] Result<domain::SigningPolicy> DecodePolicy(std::string_view text);

}  // namespace signet::store
