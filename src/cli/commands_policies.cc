// policies create|list|show|update|delete, request, requests list|show|approve|reject|cancel,
// grants list|show|revoke.

#include <map>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "common/duration.h"
#include "common/uuid.h"

namespace signet::cli {
namespace {

constexpr char kPolicies[] = "/api/v1/pki/signing-policies";
constexpr char kRequests[] = "/api/v1/pki/signing-requests";
constexpr char kGrants[] = "/api/v1/pki/signing-grants";
constexpr char kSigners[] = "/api/v1/pki/signers";

Columns PolicyFields() {
  return {{"Name", "name"},
          {"ID", "id"},
          {"Project", "projectId"},
          {"Max signings", "constraints.maxSignings"},
          {"Max window", "constraints.maxWindowDuration"},
          {"Max request TTL", "maxRequestTtl"},
          {"Bypass for machines", "bypassForMachineIdentities"},
          {"Created", "createdAt"},
          {"Updated", "updatedAt"}};
}
Columns RequestFields() {
  return {{"Request", "id"},
          {"Status", "status"},
          {"Signer", "requestData.requestData.signerName"},
          {"Signer ID", "signerId"},
          {"Requester", "requesterName"},
          {"Requester ID", "requesterId"},
          {"Requester type", "requesterType"},
          {"Justification", "justification"},
          {"Signings", "requestedSignings"},
          {"Window", "requestedWindowDuration"},
          {"Current step", "currentStep"},
          {"Grant", "grantId"},
          {"Expires", "expiresAt"},
          {"Created", "createdAt"}};
}
Columns GrantFields() {
  return {{"Grant", "id"},
          {"Status", "status"},
          {"Signer", "signerId"},
          {"Grantee", "granteeId"},
          {"Grantee type", "granteeType"},
          {"Max signings", "maxSignings"},
          {"Used signings", "usedSignings"},
          {"Remaining", "remainingSignings"},
          {"Window start", "windowStart"},
          {"Expires", "expiresAt"},
          {"Request", "requestId"}};
}

struct PolicyOptions {
  std::string id;
  std::string name;
  std::vector<std::string> steps;
  int max_signings = 0;
  std::string max_window;
  std::string max_request_ttl;
  bool bypass = false;
  bool no_bypass = false;
  Paging paging;
  // request
  std::string signer;
  int signings = 0;
  std::string duration;
  std::string justification;
  std::vector<std::string> scope;
  // requests / grants
  std::string status;
  std::string comment;
  std::string reason;
  std::string watch_for;
  int interval = 5;
  // pre-approve
  std::string user;
  std::string identity;
};

// "alice@example.com,bob@example.com:2" -> {requiredApprovals: 2, approvers: [...]}.
Result<api::JsonObject> ParseStep(Context& ctx, const std::string& spec, std::size_t index) {
  std::string approvers = spec;
  std::int64_t required = 1;
  const std::size_t colon = spec.rfind(':');
  if (colon != std::string::npos) {
    const std::string count = spec.substr(colon + 1);
    if (count.empty() || count.size() > 3 ||
        count.find_first_not_of("0123456789") != std::string::npos || std::stoi(count) < 1) {
      return InvalidArgument("--step '" + spec +
                             "': the part after ':' must be the number of approvals (>= 1)");
    }
    required = std::stoi(count);
    approvers = spec.substr(0, colon);
  }
  api::JsonArray list;
  std::size_t start = 0;
  while (start <= approvers.size()) {
    const std::size_t comma = approvers.find(',', start);
    std::string who =
        approvers.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!who.empty()) {
      SIGNET_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx, who));
      list.emplace_back(api::JsonObject{{"type", "user"}, {"id", user_id}});
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (list.empty()) return InvalidArgument("--step '" + spec + "' names no approver");
  return api::JsonObject{{"name", "step " + std::to_string(index + 1)},
                         {"requiredApprovals", required},
                         {"approvers", list}};
}

Result<api::JsonObject> PolicyBody(Context& ctx, const PolicyOptions& o, const CLI::App* cmd,
                                   bool create) {
  api::JsonObject body;
  if (create && !ctx.flags.project.empty()) body["projectId"] = ctx.flags.project;
  if (cmd->count("--name") > 0) body["name"] = o.name;
  if (!o.steps.empty()) {
    api::JsonArray steps;
    for (std::size_t i = 0; i < o.steps.size(); ++i) {
      SIGNET_ASSIGN_OR_RETURN(api::JsonObject step, ParseStep(ctx, o.steps[i], i));
      steps.emplace_back(std::move(step));
    }
    body["steps"] = std::move(steps);
  }
  api::JsonObject constraints;
  if (cmd->count("--max-signings") > 0) constraints["maxSignings"] = o.max_signings;
  if (!o.max_window.empty()) constraints["maxWindowDuration"] = o.max_window;
  if (!constraints.empty()) body["constraints"] = std::move(constraints);
  if (!o.max_request_ttl.empty()) body["maxRequestTtl"] = o.max_request_ttl;
  if (o.bypass && o.no_bypass) {
    return InvalidArgument(
        "give either --bypass-for-machine-identities or "
        "--no-bypass-for-machine-identities");
  }
  if (o.bypass) body["bypassForMachineIdentities"] = true;
  if (o.no_bypass) body["bypassForMachineIdentities"] = false;
  if (create && !body.contains("constraints")) {
    return InvalidArgument("a policy needs --max-signings N or --max-window DURATION (or both)");
  }
  return body;
}

void PrintPolicy(Context& ctx, const api::JsonValue& v, const std::string& heading) {
  if (!heading.empty()) ctx.out() << heading << '\n';
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& [name, field] : PolicyFields()) lines.emplace_back(name, TextAt(v, field));
  const api::JsonValue* steps = v.is_object() ? v.as_object().if_contains("steps") : nullptr;
  if (steps != nullptr && steps->is_array()) {
    std::size_t i = 0;
    for (const auto& step : steps->as_array()) {
      std::string approvers;
      const api::JsonValue* list =
          step.is_object() ? step.as_object().if_contains("approvers") : nullptr;
      if (list != nullptr && list->is_array()) {
        for (const auto& a : list->as_array()) {
          if (!approvers.empty()) approvers += ", ";
          const std::string email = TextAt(a, "email");
          approvers += email != "-" ? email : TextAt(a, "id");
        }
      }
      lines.emplace_back("Step " + std::to_string(++i),
                         TextAt(step, "requiredApprovals") + " of " + approvers);
    }
  }
  PrintFields(ctx.out(), lines);
}

Status PolicyCall(Context& ctx, client::HttpMethod method, const std::string& path,
                  const std::optional<api::JsonValue>& body, const std::string& heading) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, api->Call(method, path, body));
  ctx.Show(reply, [&](const api::JsonValue& v) { PrintPolicy(ctx, v, heading); });
  return Ok();
}

// "2 of 3": the step a request is at (or was decided at), counted from 1.
std::string StepOf(const api::JsonValue& r) {
  const api::JsonValue* steps = r.is_object() ? r.as_object().if_contains("steps") : nullptr;
  const std::string current = TextAt(r, "currentStep");
  if (current == "-" || current.find_first_not_of("0123456789") != std::string::npos) return "-";
  std::int64_t k = std::stoll(current) + 1;
  if (steps == nullptr || !steps->is_array() || steps->as_array().empty()) {
    return std::to_string(k);
  }
  const auto total = static_cast<std::int64_t>(steps->as_array().size());
  if (TextAt(r, "status") == "approved" || k > total) k = total;
  return std::to_string(k) + " of " + std::to_string(total);
}

Status RequestAccess(Context& ctx, const PolicyOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o.signer));
  api::JsonObject body{{"justification", o.justification}};
  if (o.signings > 0) body["requestedSignings"] = o.signings;
  if (!o.duration.empty()) body["requestedWindowDuration"] = o.duration;
  if (!o.scope.empty()) {
    api::JsonObject scope;
    for (const std::string& kv : o.scope) {
      const std::size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return InvalidArgument("--scope '" + kv + "' must be KEY=VALUE");
      }
      scope[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    body["scope"] = std::move(scope);
  }
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kPost, PathOf({kSigners, id, "requests"}),
                                    api::JsonValue(body)));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    // The reply is the request, or {request, grant} when it was approved at once.
    const bool wrapped = v.is_object() && v.as_object().contains("request");
    const api::JsonValue& request = wrapped ? v.as_object().at("request") : v;
    ctx.out() << "Requested access to signer " << o.signer << ":\n";
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& [name, field] : RequestFields()) {
      lines.emplace_back(field == "currentStep" ? "Step" : name,
                         field == "currentStep" ? StepOf(request) : TextAt(request, field));
    }
    PrintFields(ctx.out(), lines);
    if (TextAt(request, "status") == "pending") {
      ctx.out() << "An approver runs: signet requests approve " << TextAt(request, "id") << '\n';
    }
  });
  return Ok();
}

// A signer for a list filter: an id is passed on as it is (an approver may filter by a signer
// they cannot read); a name is resolved.
Result<std::string> SignerFilter(Context& ctx, const std::string& name_or_id) {
  if (name_or_id.empty() || IsUuid(name_or_id)) return name_or_id;
  return SignerId(ctx, name_or_id);
}

// Names for user and identity ids, from the lists the caller may read (org admins: all;
// others: none, and the ids are shown). Filled on first use.
class Names {
 public:
  explicit Names(Context& ctx) : ctx_(ctx) {}
  std::string Of(const std::string& type, const std::string& id) {
    if (ctx_.flags.ids || id.empty() || id == "-") return id;
    Load(type == "identity" ? "identities" : "users", type == "identity" ? "name" : "email");
    auto it = names_.find(id);
    return it != names_.end() ? it->second : id;
  }

 private:
  void Load(const std::string& key, const char* field) {
    if (!loaded_.insert(key).second) return;
    auto api = ctx_.Api();
    if (!api) return;
    for (int offset = 0; offset < 10000; offset += 100) {
      auto reply = (*api)->Call(
          client::HttpMethod::kGet,
          "/api/v1/" + key + client::Query({{"offset", std::to_string(offset)}, {"limit", "100"}}));
      if (!reply) return;  // not an org admin: ids stay ids
      const api::JsonValue* items =
          reply->is_object() ? reply->as_object().if_contains(key) : nullptr;
      if (items == nullptr || !items->is_array() || items->as_array().empty()) return;
      for (const auto& item : items->as_array()) names_[TextAt(item, "id")] = TextAt(item, field);
      if (items->as_array().size() < 100) return;
    }
  }
  Context& ctx_;
  std::set<std::string> loaded_;
  std::map<std::string, std::string> names_;
};

// A request's fields, then per step who approved (or rejected) and who still must.
void PrintRequest(Context& ctx, const api::JsonValue& r, const std::string& heading) {
  if (!heading.empty()) ctx.out() << heading << '\n';
  Names names(ctx);
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& [name, field] : RequestFields()) {
    if (field == "currentStep") {
      lines.emplace_back("Step", StepOf(r));
    } else {
      lines.emplace_back(name, TextAt(r, field));
    }
  }
  const api::JsonValue* steps = r.is_object() ? r.as_object().if_contains("steps") : nullptr;
  if (steps != nullptr && steps->is_array()) {
    for (const auto& step : steps->as_array()) {
      std::set<std::string> decided;
      std::string approved, rejected;
      const api::JsonValue* approvals =
          step.is_object() ? step.as_object().if_contains("approvals") : nullptr;
      if (approvals != nullptr && approvals->is_array()) {
        for (const auto& a : approvals->as_array()) {
          const std::string who = TextAt(a, "approverUserId");
          decided.insert(who);
          std::string& list = TextAt(a, "decision") == "rejected" ? rejected : approved;
          list += (list.empty() ? "" : ", ") + names.Of("user", who);
        }
      }
      std::string waiting;
      const api::JsonValue* approvers =
          step.is_object() ? step.as_object().if_contains("approvers") : nullptr;
      if (approvers != nullptr && approvers->is_array()) {
        for (const auto& a : approvers->as_array()) {
          const std::string id = TextAt(a, "id");
          if (decided.count(id) == 0)
            waiting += (waiting.empty() ? "" : ", ") + names.Of("user", id);
        }
      }
      const std::string status = TextAt(step, "status");
      std::string text = status + ", " + TextAt(step, "requiredApprovals") + " approval(s) needed";
      if (!approved.empty()) text += "; approved by " + approved;
      if (!rejected.empty()) text += "; rejected by " + rejected;
      if (status == "in-progress" && !waiting.empty())
        text += "; still to approve: one of " + waiting;
      std::string title = "Step " + TextAt(step, "stepNumber");
      const std::string step_name = TextAt(step, "name");
      // Steps the CLI made are named "step N"; other names are shown.
      if (step_name != "-" && !step_name.empty() &&
          step_name != "step " + TextAt(step, "stepNumber")) {
        title += " (" + step_name + ")";
      }
      lines.emplace_back(title, text);
    }
  }
  PrintFields(ctx.out(), lines);
}

Status ShowRequest(Context& ctx, client::HttpMethod method, const std::string& path,
                   const std::optional<api::JsonValue>& body, const std::string& heading) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, api->Call(method, path, body));
  ctx.Show(reply, [&](const api::JsonValue& v) { PrintRequest(ctx, v, heading); });
  return Ok();
}

// A list of requests or grants as a table; the step counted from 1, and grantees by name.
Status ListTable(Context& ctx, const std::string& path, client::QueryParams query,
                 const Paging& paging, const std::string& key, const Columns& columns) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  query.emplace_back("offset", std::to_string(paging.offset));
  query.emplace_back("limit", std::to_string(paging.limit));
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kGet, path + client::Query(query)));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    const api::JsonValue* items = v.is_object() ? v.as_object().if_contains(key) : nullptr;
    if (items == nullptr || !items->is_array() || items->as_array().empty()) {
      ctx.out() << "No " << key << ".\n";
      return;
    }
    Names names(ctx);
    api::JsonArray rows = items->as_array();
    for (auto& row : rows) {
      if (!row.is_object()) continue;
      auto& o = row.as_object();
      if (key == "requests") o["stepOfSteps"] = StepOf(row);
      if (key == "grants") {
        o["granteeDisplay"] = names.Of(TextAt(row, "granteeType"), TextAt(row, "granteeId"));
      }
    }
    PrintItems(ctx.out(), rows, columns);
    const std::string total = TextAt(v, "totalCount");
    const std::size_t shown = rows.size();
    if (total != "-" && total != std::to_string(paging.offset + shown) &&
        total != std::to_string(shown)) {
      ctx.err() << "(" << shown << " shown from offset " << paging.offset << " of " << total
                << "; use --offset and --limit for more)\n";
    }
  });
  return Ok();
}

// signet pre-approve: a signer admin grants a user or machine identity access without a request
// to approve (POST …/signers/{id}/requests/pre-approve; never for oneself).
Status PreApprove(Context& ctx, const PolicyOptions& o) {
  if (o.user.empty() == o.identity.empty()) {
    return InvalidArgument("give exactly one of --user and --identity (who gets the grant)");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string signer_id, SignerId(ctx, o.signer));
  api::JsonObject body{{"justification", o.justification}};
  if (!o.user.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string id, UserId(ctx, o.user));
    body["granteeUserId"] = id;
  } else {
    SIGNET_ASSIGN_OR_RETURN(std::string id, IdentityId(ctx, o.identity));
    body["granteeIdentityId"] = id;
  }
  if (o.signings > 0) body["requestedSignings"] = o.signings;
  if (!o.duration.empty()) body["requestedWindowDuration"] = o.duration;
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(
      api::JsonValue reply,
      api->Call(client::HttpMethod::kPost, PathOf({kSigners, signer_id, "requests", "pre-approve"}),
                api::JsonValue(body)));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    const api::JsonValue grant =
        v.is_object() && v.as_object().contains("grant") ? v.as_object().at("grant") : v;
    ctx.out() << "Pre-approved " << (o.user.empty() ? o.identity : o.user) << " on signer "
              << o.signer << ":\n";
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& [name, field] : GrantFields()) lines.emplace_back(name, TextAt(grant, field));
    PrintFields(ctx.out(), lines);
  });
  return Ok();
}

Status RequestAction(Context& ctx, const std::string& id, const char* action,
                     const api::JsonObject& body, const std::string& heading) {
  return ShowRequest(ctx, client::HttpMethod::kPost, PathOf({kRequests, id, action}),
                     api::JsonValue(body), heading);
}

// One line per change of a request: "<time>  <id>  <status> step N/M  <signer>  <requester>".
void PrintRequestLine(Context& ctx, const api::JsonValue& v) {
  std::string step = TextAt(v, "currentStep");
  const api::JsonValue* steps = v.is_object() ? v.as_object().if_contains("steps") : nullptr;
  if (steps != nullptr && steps->is_array() && TextAt(v, "status") == "pending") {
    step = "step " + std::to_string(std::stoll(step == "-" ? "0" : step) + 1) + " of " +
           std::to_string(steps->as_array().size());
  } else {
    step.clear();
  }
  ctx.out() << FormatTime(std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()))
            << "  " << TextAt(v, "id") << "  " << TextAt(v, "status")
            << (step.empty() ? "" : " (" + step + ")") << "  signer "
            << TextAt(v, "requestData.requestData.signerName") << "  requester "
            << TextAt(v, "requesterName") << '\n';
  ctx.out().flush();
}

// `requests watch ID`: follow one request until it is decided; `requests watch`: print
// pending requests (that you can see) as they appear, until --for runs out or Ctrl-C.
Status WatchRequests(Context& ctx, const PolicyOptions& o) {
  Millis limit = std::chrono::hours(24 * 365);
  if (!o.watch_for.empty()) {
    SIGNET_ASSIGN_OR_RETURN(
        limit, ParseDuration(o.watch_for, "--for", Millis(1000), std::chrono::hours(24 * 365)));
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  if (!o.id.empty()) {
    if (!IsUuid(o.id)) return InvalidArgument("request '" + o.id + "' is not a request id");
    SIGNET_ASSIGN_OR_RETURN(api::JsonValue last,
                            WaitForDecision(ctx, o.id, deadline, [&](const api::JsonValue& v) {
                              if (ctx.flags.json) {
                                PrintJson(ctx.out(), v);
                              } else {
                                PrintRequestLine(ctx, v);
                              }
                            }));
    const std::string status = TextAt(last, "status");
    if (status == "approved") return Ok();
    if (status == "pending") {
      ctx.failure_exit_code = kExitWaitTimedOut;
      return MakeError(ErrorCode::kApprovalRequired, "request " + o.id + " is still pending");
    }
    ctx.failure_exit_code = kExitRequestDenied;
    return MakeError(ErrorCode::kPermissionDenied, "request " + o.id + " was " + status);
  }
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  std::set<std::string> seen;
  while (true) {
    SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                            api->Call(client::HttpMethod::kGet,
                                      std::string(kRequests) + client::Query({{"status", "pending"},
                                                                              {"limit", "100"}})));
    const api::JsonValue* items =
        reply.is_object() ? reply.as_object().if_contains("requests") : nullptr;
    if (items != nullptr && items->is_array()) {
      for (const auto& r : items->as_array()) {
        if (!seen.insert(TextAt(r, "id")).second) continue;
        if (ctx.flags.json) {
          PrintJson(ctx.out(), r);
        } else {
          PrintRequestLine(ctx, r);
        }
      }
    }
    if (std::chrono::steady_clock::now() + std::chrono::seconds(o.interval) >= deadline)
      return Ok();
    std::this_thread::sleep_for(std::chrono::seconds(o.interval));
  }
}

}  // namespace

void AddPolicyCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<PolicyOptions>();

  // ---- policies ----
  CLI::App* policies = app.add_subcommand(
      "policies", "Manage signing policies (approval before signing, limited grants)");
  policies->require_subcommand(1);

  auto add_policy_options = [o](CLI::App* cmd) {
    cmd->add_option("--step", o->steps,
                    "Approval step, in order (repeatable): APPROVERS[:N] where APPROVERS are "
                    "user e-mails or ids separated by commas and N the approvals needed "
                    "(default 1)");
    cmd->add_option("--max-signings", o->max_signings, "Most signatures per grant")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-window", o->max_window, "Longest grant window, e.g. 8h (1m to 30d)");
    cmd->add_option("--max-request-ttl", o->max_request_ttl,
                    "Pending requests expire after this (default 7d)");
    cmd->add_flag("--bypass-for-machine-identities", o->bypass,
                  "Machine identities sign without approval");
    cmd->add_flag("--no-bypass-for-machine-identities", o->no_bypass,
                  "Machine identities need approval too");
  };

  CLI::App* create = policies->add_subcommand("create", "Create a signing policy");
  create->add_option("--name", o->name, "Policy name")->required();
  add_policy_options(create);
  OnRun(create, ctx, [&ctx, o, create]() -> Status {
    if (o->steps.empty()) return InvalidArgument("a policy needs at least one --step");
    SIGNET_ASSIGN_OR_RETURN(api::JsonObject body, PolicyBody(ctx, *o, create, true));
    return PolicyCall(ctx, client::HttpMethod::kPost, kPolicies, api::JsonValue(body),
                      "Created signing policy:");
  });

  CLI::App* list = policies->add_subcommand("list", "List signing policies");
  AddPagingOptions(list, o->paging);
  OnRun(list, ctx, [&ctx, o] {
    return ListCommand(ctx, kPolicies, {{"projectId", ctx.flags.project}}, o->paging, "policies",
                       {{"NAME", "name"},
                        {"ID", "id"},
                        {"MAX SIGNINGS", "constraints.maxSignings"},
                        {"MAX WINDOW", "constraints.maxWindowDuration"},
                        {"BYPASS MACHINES", "bypassForMachineIdentities"}});
  });

  CLI::App* show = policies->add_subcommand("show", "Show a signing policy");
  show->add_option("policy", o->id, "Policy name or id")->required();
  OnRun(show, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, PolicyId(ctx, o->id));
    return PolicyCall(ctx, client::HttpMethod::kGet, PathOf({kPolicies, id}), std::nullopt, "");
  });

  CLI::App* update =
      policies->add_subcommand("update", "Change a signing policy (applies to new requests only)");
  update->add_option("policy", o->id, "Policy name or id")->required();
  update->add_option("--name", o->name, "New name");
  add_policy_options(update);
  OnRun(update, ctx, [&ctx, o, update]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, PolicyId(ctx, o->id));
    SIGNET_ASSIGN_OR_RETURN(api::JsonObject body, PolicyBody(ctx, *o, update, false));
    if (body.empty()) return InvalidArgument("nothing to update");
    return PolicyCall(ctx, client::HttpMethod::kPatch, PathOf({kPolicies, id}),
                      api::JsonValue(body), "Updated signing policy:");
  });

  CLI::App* del = policies->add_subcommand("delete", "Delete a signing policy");
  del->add_option("policy", o->id, "Policy name or id")->required();
  OnRun(del, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, PolicyId(ctx, o->id));
    return PolicyCall(ctx, client::HttpMethod::kDelete, PathOf({kPolicies, id}), std::nullopt,
                      "Deleted signing policy:");
  });

  // ---- request ----
  CLI::App* request =
      app.add_subcommand("request", "Ask for access to a signer that has a signing policy");
  request->add_option("--signer", o->signer, "Signer name or id")->required();
  request->add_option("--justification", o->justification, "Why you need to sign")->required();
  request->add_option("--signings", o->signings, "Number of signatures wanted")
      ->check(CLI::PositiveNumber);
  request->add_option("--duration", o->duration, "Length of the signing window, e.g. 1h");
  request->add_option("--scope", o->scope,
                      "Restrict the grant (repeatable): command=, signingApplication=, "
                      "signingApplicationHash=, hostname=, osUsername=, ipAddress=, dataHash=");
  OnRun(request, ctx, [&ctx, o] { return RequestAccess(ctx, *o); });

  // ---- pre-approve ----
  CLI::App* preapprove =
      app.add_subcommand("pre-approve",
                         "Grant a user or machine identity access to a signer without a request to "
                         "approve (signer admins; never for yourself)");
  preapprove->add_option("--signer", o->signer, "Signer name or id")->required();
  preapprove->add_option("--user", o->user, "The grantee: a user's e-mail or id");
  preapprove->add_option("--identity", o->identity, "The grantee: a machine identity's name or id");
  preapprove->add_option("--justification", o->justification, "Why (recorded with the grant)")
      ->required();
  preapprove->add_option("--signings", o->signings, "Number of signatures granted")
      ->check(CLI::PositiveNumber);
  preapprove->add_option("--duration", o->duration, "Length of the signing window, e.g. 8h");
  OnRun(preapprove, ctx, [&ctx, o] { return PreApprove(ctx, *o); });

  // ---- requests ----
  CLI::App* requests = app.add_subcommand("requests", "List and decide signing requests");
  requests->require_subcommand(1);
  CLI::App* rlist = requests->add_subcommand("list", "List signing requests you can see");
  rlist->add_option("--status", o->status, "pending, approved, rejected, cancelled or expired")
      ->check(CLI::IsMember({"pending", "approved", "rejected", "cancelled", "expired"}));
  rlist->add_option("--signer", o->signer, "Only requests for this signer (name or id)");
  AddPagingOptions(rlist, o->paging);
  OnRun(rlist, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string signer_id, SignerFilter(ctx, o->signer));
    return ListTable(ctx, kRequests, {{"status", o->status}, {"signerId", signer_id}}, o->paging,
                     "requests",
                     {{"ID", "id"},
                      {"STATUS", "status"},
                      {"SIGNER", ctx.flags.ids ? "signerId" : "requestData.requestData.signerName"},
                      {"REQUESTER", ctx.flags.ids ? "requesterId" : "requesterName"},
                      {"SIGNINGS", "requestedSignings"},
                      {"WINDOW", "requestedWindowDuration"},
                      {"STEP", "stepOfSteps"},
                      {"CREATED", "createdAt"},
                      {"JUSTIFICATION", "justification"}});
  });
  CLI::App* rshow = requests->add_subcommand("show", "Show a signing request");
  rshow->add_option("request", o->id, "Request id")->required();
  OnRun(rshow, ctx, [&ctx, o] {
    return ShowRequest(ctx, client::HttpMethod::kGet, PathOf({kRequests, o->id}), std::nullopt, "");
  });
  CLI::App* approve = requests->add_subcommand("approve", "Approve a signing request");
  approve->add_option("request", o->id, "Request id")->required();
  approve->add_option("--comment", o->comment, "Comment recorded with the approval");
  OnRun(approve, ctx, [&ctx, o] {
    api::JsonObject body;
    if (!o->comment.empty()) body["comment"] = o->comment;
    return RequestAction(ctx, o->id, "approve", body, "Approved:");
  });
  CLI::App* reject = requests->add_subcommand("reject", "Reject a signing request");
  reject->add_option("request", o->id, "Request id")->required();
  reject->add_option("--comment", o->comment, "Comment recorded with the rejection");
  OnRun(reject, ctx, [&ctx, o] {
    api::JsonObject body;
    if (!o->comment.empty()) body["comment"] = o->comment;
    return RequestAction(ctx, o->id, "reject", body, "Rejected:");
  });
  CLI::App* cancel = requests->add_subcommand("cancel", "Cancel your own pending request");
  cancel->add_option("request", o->id, "Request id")->required();
  OnRun(cancel, ctx,
        [&ctx, o] { return RequestAction(ctx, o->id, "cancel", api::JsonObject{}, "Cancelled:"); });

  CLI::App* watch = requests->add_subcommand(
      "watch",
      "Follow a request until it is decided (exit 0 approved, 6 rejected/cancelled/expired, 7 "
      "still pending after --for), or without REQUEST print pending requests as they arrive");
  watch->add_option("request", o->id, "Request id");
  watch->add_option("--for", o->watch_for, "Stop after this long, e.g. 30m (default: no limit)");
  watch->add_option("--interval", o->interval, "Seconds between looks for new requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  OnRun(watch, ctx, [&ctx, o] { return WatchRequests(ctx, *o); });

  // ---- grants ----
  CLI::App* grants = app.add_subcommand("grants", "List and revoke signing grants");
  grants->require_subcommand(1);
  CLI::App* glist = grants->add_subcommand("list", "List grants you can see");
  glist->add_option("--signer", o->signer, "Only grants for this signer (name or id)");
  glist->add_option("--status", o->status, "active, expired or revoked")
      ->check(CLI::IsMember({"active", "expired", "revoked"}));
  AddPagingOptions(glist, o->paging);
  OnRun(glist, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string signer_id, SignerFilter(ctx, o->signer));
    return ListTable(ctx, kGrants, {{"signerId", signer_id}, {"status", o->status}}, o->paging,
                     "grants",
                     {{"ID", "id"},
                      {"STATUS", "status"},
                      {"SIGNER", ctx.flags.ids ? "signerId" : "attributes.signerName"},
                      {"GRANTEE", "granteeDisplay"},
                      {"USED", "usedSignings"},
                      {"MAX", "maxSignings"},
                      {"EXPIRES", "expiresAt"}});
  });
  CLI::App* gshow = grants->add_subcommand("show", "Show a grant");
  gshow->add_option("grant", o->id, "Grant id")->required();
  OnRun(gshow, ctx, [&ctx, o] {
    return ObjectCommand(ctx, client::HttpMethod::kGet, PathOf({kGrants, o->id}), std::nullopt,
                         GrantFields());
  });
  CLI::App* grevoke = grants->add_subcommand("revoke", "Revoke a grant (effective at once)");
  grevoke->add_option("grant", o->id, "Grant id")->required();
  grevoke->add_option("--reason", o->reason, "Reason recorded with the revocation");
  OnRun(grevoke, ctx, [&ctx, o] {
    api::JsonObject body;
    if (!o->reason.empty()) body["reason"] = o->reason;
    return ObjectCommand(ctx, client::HttpMethod::kPost, PathOf({kGrants, o->id, "revoke"}),
                         api::JsonValue(body), GrantFields(), "Revoked grant:");
  });
}

}  // namespace signet::cli
