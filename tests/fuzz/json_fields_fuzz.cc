// Strict JSON decoding of request bodies (api/json.h): api::ParseObject, then api::Fields read
// the way signetd's handlers read their bodies — a policy with nested steps and approvers, a
// sign request with clientMetadata, a PATCH with nullable and aliased fields, a signing
// request with a scope — always ending with Finish().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/json.h"
#include "fuzz_util.h"

using signet::Status;
using signet::api::Fields;

namespace {

// policy: {name, projectId, maxRequestTtl, bypassForMachineIdentities,
//          steps: [{name?, requiredApprovals, approvers: [{type, id}], notifyApprovers?}],
//          constraints: {maxWindowDuration?, maxSignings?}}
Status Policy(const Fields& f) {
  SIGNET_TRY(f.String("name", 128));
  SIGNET_TRY(f.OptString("projectId", 64));
  SIGNET_TRY(f.OptNullableString("maxRequestTtl", 16));
  SIGNET_TRY(f.Bool("bypassForMachineIdentities", false));
  SIGNET_ASSIGN_OR_RETURN(auto steps, f.OptArray("steps"));
  if (steps) {
    for (std::size_t i = 0; i < steps->size(); ++i) {
      const std::string prefix = "steps[" + std::to_string(i) + "].";
      if (!(*steps)[i].is_object()) return signet::InvalidArgument(prefix + " must be an object");
      Fields step((*steps)[i].as_object(), prefix);
      SIGNET_TRY(step.OptString("name", 128));
      SIGNET_TRY(step.Int("requiredApprovals", 1, 100));
      SIGNET_TRY(step.OptBool("notifyApprovers"));
      SIGNET_ASSIGN_OR_RETURN(auto approvers, step.OptArray("approvers"));
      if (approvers) {
        for (std::size_t j = 0; j < approvers->size(); ++j) {
          if (!(*approvers)[j].is_object()) return signet::InvalidArgument("approver");
          Fields a((*approvers)[j].as_object(), prefix + "approvers[" + std::to_string(j) + "].");
          SIGNET_TRY(a.String("type", 16));
          SIGNET_TRY(a.String("id", 64));
          SIGNET_TRY(a.Finish());
        }
      }
      SIGNET_TRY(step.Finish());
    }
  }
  SIGNET_ASSIGN_OR_RETURN(auto constraints, f.OptNested("constraints"));
  if (constraints) {
    SIGNET_TRY(constraints->OptString("maxWindowDuration", 16));
    SIGNET_TRY(constraints->OptInt("maxSignings", 1, 1'000'000));
    SIGNET_TRY(constraints->Finish());
  }
  return f.Finish();
}

// sign: {data, dataEncoding?, hashAlgorithm?, signingAlgorithm, isDigest?, clientMetadata?}
Status Sign(const Fields& f) {
  SIGNET_TRY(f.String("data", 1 << 20));
  SIGNET_TRY(f.OptString("dataEncoding", 16));
  SIGNET_TRY(f.OptString("hashAlgorithm", 16));
  SIGNET_TRY(f.String("signingAlgorithm", 32));
  SIGNET_TRY(f.Bool("isDigest", false));
  SIGNET_ASSIGN_OR_RETURN(auto meta, f.OptNested("clientMetadata"));
  if (meta) {
    for (const char* name : {"tool", "command", "hostname", "osUsername", "applicationHash"}) {
      SIGNET_TRY(meta->OptString(name, 1024));
    }
    SIGNET_TRY(meta->Finish());
  }
  return f.Finish();
}

// PATCH-like: nullable, aliased, string arrays, refused fields.
Status Patch(const Fields& f) {
  if (f.IsNull("description")) {
    // cleared
  } else {
    SIGNET_TRY(f.OptNullableString("description", 256));
  }
  SIGNET_TRY(f.OptNullableAliased("signingPolicyId", "approvalPolicyId", 64));
  SIGNET_TRY(f.OptStringArray("userIds", 100, 64));
  SIGNET_TRY(f.OptObject("metadata"));
  SIGNET_TRY(f.Refuse("tags", "set tags in the console"));
  return f.Finish();
}

// request: {justification, requestedSignings, requestedWindowDuration, scope: {...}}
Status Request(const Fields& f) {
  SIGNET_TRY(f.OptNullableString("justification", 1024));
  SIGNET_TRY(f.OptInt("requestedSignings", 1, 1'000'000));
  SIGNET_TRY(f.OptString("requestedWindowDuration", 16));
  SIGNET_ASSIGN_OR_RETURN(auto scope, f.OptNested("scope"));
  if (scope) {
    for (const char* name : {"command", "signingApplication", "signingApplicationHash", "hostname",
                             "osUsername", "ipAddress", "dataHash"}) {
      if (!scope->IsNull(name)) SIGNET_TRY(scope->OptString(name, 1024));
    }
    SIGNET_TRY(scope->Finish());
  }
  return f.Finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto object = signet::api::ParseObject(body);
  (void)signet::api::NoFields(body);
  (void)signet::api::CheckText(body, "name", 256);
  if (!object) return 0;
  for (auto decode : {Policy, Sign, Patch, Request}) {
    Status s = decode(Fields(*object));
    signet::fuzz::Check(s || !s.error().message.empty(), "a refusal has a message");
  }
  // Serialising never crashes. Its output is not required to parse back to the same value:
  // Boost.JSON turns numbers beyond int64 into doubles (digits are lost) and overflowing ones
  // such as -99e9991 into infinities, which it writes as text no parser reads back
  // (corpus/json_fields/big-number, infinity). Signet never re-parses what it serialises of
  // request input: handlers keep the decoded fields.
  (void)signet::api::Serialize(*object);
  return 0;
}
