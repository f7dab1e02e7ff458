// Signing-scope matching (policy::ScopeMismatch): never crashes, a scope matches itself, and
// an empty scope matches anything. Input: up to 14 NUL-separated values, the declared scope's
// seven fields then the seen ones; a value starting with byte 0x01 means "absent".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "domain/entities.h"
#include "fuzz_util.h"
#include "policy/signing_policy.h"

using signet::fuzz::Check;

namespace {

std::optional<std::string> Field(std::string_view v) {
  if (!v.empty() && v.front() == '\x01') return std::nullopt;  // marks "absent"
  return std::string(v);
}

signet::domain::SigningScope ScopeOf(const std::vector<std::string_view>& parts, std::size_t at) {
  signet::domain::SigningScope s;
  s.command = Field(parts[at + 0]);
  s.signing_application = Field(parts[at + 1]);
  s.signing_application_hash = Field(parts[at + 2]);
  s.hostname = Field(parts[at + 3]);
  s.os_username = Field(parts[at + 4]);
  s.ip_address = Field(parts[at + 5]);
  s.data_hash = Field(parts[at + 6]);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = signet::fuzz::SplitInput(data, size, 14);
  const auto declared = ScopeOf(parts, 0);
  const auto seen = ScopeOf(parts, 7);
  const std::string mismatch = signet::policy::ScopeMismatch(declared, seen);
  Check(signet::policy::ScopeMismatch(declared, declared).empty(), "a scope matches itself");
  Check(signet::policy::ScopeMismatch(signet::domain::SigningScope{}, seen).empty(),
        "an empty scope matches anything");
  static const char* const kNames[] = {"command",  "signingApplication", "signingApplicationHash",
                                       "hostname", "osUsername",         "ipAddress",
                                       "dataHash"};
  if (!mismatch.empty()) {
    bool known = false;
    for (const char* n : kNames) known = known || mismatch == n;
    Check(known, "ScopeMismatch returns a scope field's wire name");
  }
  return 0;
}
