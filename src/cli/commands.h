#pragma once
// The command families of `signet` and the helpers they share. Each Add*Commands registers
// its subcommands on `app`; a subcommand's callback stores its work in ctx.action.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "api/json.h"
#include "cli/context.h"
#include "client/client.h"
#include "crypto/timestamp.h"
#include "domain/algorithms.h"

namespace signet::cli {

void AddAuthCommands(CLI::App& app, Context& ctx);       // login, logout, whoami
void AddSignerCommands(CLI::App& app, Context& ctx);     // signers, operations
void AddPkiCommands(CLI::App& app, Context& ctx);        // ca, certificates
void AddPolicyCommands(CLI::App& app, Context& ctx);     // policies, request, requests, grants
void AddSignCommands(CLI::App& app, Context& ctx);       // sign, verify
void AddAdminCommands(CLI::App& app, Context& ctx);      // users, identities, projects, audit
void AddTimestampCommands(CLI::App& app, Context& ctx);  // timestamp

// An RFC 3161 timestamp of `imprint` (the `hash` of the data) from the TSA at `url`, with a
// fresh nonce; `auth` sends the login token. FailedPrecondition naming the PKIFailureInfo
// when the TSA refuses; InvalidArgument when the token does not answer the query.
struct TimestampRequest {
  std::string url;
  domain::HashAlgorithm hash = domain::HashAlgorithm::kSha256;
  Bytes imprint;
  std::string policy_oid;  // empty: the TSA's choice
  bool cert_req = true;
  bool auth = false;
};
struct TimestampFetch {
  Bytes reply;  // the DER TimeStampResp as received
  crypto::TimestampResponse response;
};
[[nodiscard]] Result<TimestampFetch> FetchTimestamp(Context& ctx, const TimestampRequest& request);

// Makes `cmd` run `fn` once parsing has succeeded.
void OnRun(CLI::App* cmd, Context& ctx, std::function<Status()> fn);

struct Paging {
  int offset = 0;
  int limit = 50;
};
void AddPagingOptions(CLI::App* cmd, Paging& paging);

// Header, dotted path. The commands' fixed tables are functions returning one, not
// namespace-scope constants: those would be built before main, where an exception cannot be
// caught (cert-err58-cpp).
using Columns = std::vector<std::pair<std::string, std::string>>;

// GET `path` + query (with paging) and print the `key` array as a table (or the JSON).
[[nodiscard]] Status ListCommand(Context& ctx, const std::string& path, client::QueryParams query,
                                 const Paging& paging, const std::string& key,
                                 const Columns& columns);
// One call whose reply is an object; printed as "Key: value" lines of `fields` (or the JSON).
[[nodiscard]] Status ObjectCommand(Context& ctx, client::HttpMethod method, const std::string& path,
                                   const std::optional<api::JsonValue>& body, const Columns& fields,
                                   const std::string& heading = {});

// Ids from names: a UUID is used as it is; anything else is looked up by exact match of
// `field` among the items of the list at `path` (key `items_key`). NotFound
// "no <what> named 'x'"; several matches are InvalidArgument.
[[nodiscard]] Result<std::string> ResolveId(Context& ctx, const std::string& path,
                                            const client::QueryParams& query,
                                            const std::string& items_key, const std::string& field,
                                            const std::string& value, const std::string& what);
[[nodiscard]] Result<std::string> SignerId(Context& ctx, const std::string& name_or_id);
[[nodiscard]] Result<std::string> UserId(Context& ctx, const std::string& email_or_id);
[[nodiscard]] Result<std::string> IdentityId(Context& ctx, const std::string& name_or_id);
[[nodiscard]] Result<std::string> PolicyId(Context& ctx, const std::string& name_or_id);
[[nodiscard]] Result<std::string> CaId(Context& ctx, const std::string& name_or_id);

// Reads a secret from standard input: with a terminal, prompts on stderr with echo off;
// otherwise reads everything and drops one trailing newline. InvalidArgument when empty.
[[nodiscard]] Result<SecretBytes> ReadSecret(Context& ctx, const std::string& prompt);

// Whole file contents; InvalidArgument naming the file when it cannot be read or is larger
// than `max_bytes`.
[[nodiscard]] Result<std::string> ReadTextFile(const std::string& path,
                                               std::size_t max_bytes = 1 << 20);
[[nodiscard]] Status WriteFile(const std::string& path, std::string_view data, int mode = 0644);

// Follows signing request `id` with GET …/signing-requests/{id}?waitSeconds=N (re-polling
// within the client timeout) until it is no longer pending or `deadline` passes; calls
// `changed` with each new state (status or approvals changed). Returns the last state read.
[[nodiscard]] Result<api::JsonValue> WaitForDecision(
    Context& ctx, const std::string& id, std::chrono::steady_clock::time_point deadline,
    const std::function<void(const api::JsonValue&)>& changed);
// The console page of a request: <server>/approvals/<id>.
std::string RequestLink(Context& ctx, const std::string& id);

// "/api/v1/pki/signers/<id>" style paths with each segment percent-encoded.
std::string PathOf(std::initializer_list<std::string_view> segments);

}  // namespace signet::cli
