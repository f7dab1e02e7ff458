// users, identities, projects, audit.

#include "cli/commands.h"
#include "cli/output.h"
#include "common/encoding.h"
#include "common/uuid.h"
#include "crypto/ed25519.h"

namespace signet::cli {
namespace {

constexpr char kUsers[] = "/api/v1/users";
constexpr char kIdentities[] = "/api/v1/identities";
constexpr char kProjects[] = "/api/v1/projects";
constexpr char kAudit[] = "/api/v1/audit-logs";

Columns UserFields() {
  return {{"E-mail", "email"},
          {"ID", "id"},
          {"Org role", "orgRole"},
          {"Created", "createdAt"},
          {"Updated", "updatedAt"}};
}
Columns IdentityFields() {
  return {{"Name", "name"}, {"ID", "id"}, {"Client ID", "clientId"}, {"Created", "createdAt"}};
}

struct AdminOptions {
  std::string id;
  std::string email;
  std::string name;
  std::string description;
  std::string role;
  bool password_stdin = false;
  bool current_password_stdin = false;
  Paging paging;
  std::string user;
  std::string identity;
  std::string secret_id;
  // audit
  std::string event_type;
  std::string actor;
  std::string since;
  std::string until;
  std::string checkpoint_file;
  std::string out_file;
};

Status CreateUser(Context& ctx, const AdminOptions& o) {
  if (!o.password_stdin) {
    return InvalidArgument("give the new user's password on standard input with --password-stdin");
  }
  SIGNET_ASSIGN_OR_RETURN(SecretBytes password, ReadSecret(ctx, "Password"));
  api::JsonValue body = api::JsonObject{{"email", o.email},
                                        {"password", password.string_view()},
                                        {"orgRole", o.role.empty() ? "member" : o.role}};
  Status s =
      ObjectCommand(ctx, client::HttpMethod::kPost, kUsers, body, UserFields(), "Created user:");
  auto& pw = body.as_object()["password"].as_string();
  SecureWipe(pw.data(), pw.size());
  return s;
}

Status UpdateUser(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, UserId(ctx, o.id));
  api::JsonValue body = api::JsonObject{};
  if (!o.role.empty()) body.as_object()["orgRole"] = o.role;
  if (o.current_password_stdin && !o.password_stdin) {
    return InvalidArgument("--current-password-stdin goes with --password-stdin");
  }
  if (o.password_stdin && o.current_password_stdin && !ctx.terminal().stdin_is_tty) {
    // Two lines on standard input: the current password, then the new one.
    SIGNET_ASSIGN_OR_RETURN(SecretBytes both, ReadSecret(ctx, "Current and new password"));
    const std::string_view text = both.string_view();
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos || newline == 0 || newline + 1 == text.size()) {
      return InvalidArgument(
          "give the current password and the new one on two lines of standard input");
    }
    std::string_view current = text.substr(0, newline);
    if (!current.empty() && current.back() == '\r') current.remove_suffix(1);
    body.as_object()["currentPassword"] = current;
    body.as_object()["password"] = text.substr(newline + 1);
  } else if (o.password_stdin) {
    if (o.current_password_stdin) {
      SIGNET_ASSIGN_OR_RETURN(SecretBytes current, ReadSecret(ctx, "Current password"));
      body.as_object()["currentPassword"] = current.string_view();
    }
    SIGNET_ASSIGN_OR_RETURN(SecretBytes password, ReadSecret(ctx, "New password"));
    body.as_object()["password"] = password.string_view();
  }
  if (body.as_object().empty())
    return InvalidArgument("nothing to update: give --role or --password-stdin");
  Status s = ObjectCommand(ctx, client::HttpMethod::kPatch, PathOf({kUsers, id}), body,
                           UserFields(), "Updated user:");
  for (const char* key : {"password", "currentPassword"}) {
    if (auto* pw = body.as_object().if_contains(key)) {
      SecureWipe(pw->as_string().data(), pw->as_string().size());
    }
  }
  return s;
}

Status CreateSecret(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, IdentityId(ctx, o.id));
  api::JsonObject body;
  if (!o.description.empty()) body["description"] = o.description;
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kPost,
                                    PathOf({kIdentities, id, "universal-auth", "client-secrets"}),
                                    api::JsonValue(body)));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    PrintFields(ctx.out(), {{"Client ID", TextAt(v, "clientId")},
                            {"Client secret", TextAt(v, "clientSecret")},
                            {"Secret ID", TextAt(v, "clientSecretId")}});
    ctx.err() << "The client secret is shown only now; store it safely. Log in with:\n"
              << "  signet login --client-id " << TextAt(v, "clientId")
              << " --client-secret-stdin\n";
  });
  if (reply.is_object()) {
    if (auto* s = reply.as_object().if_contains("clientSecret"); s && s->is_string()) {
      SecureWipe(s->as_string().data(), s->as_string().size());
    }
  }
  return Ok();
}

Result<std::string> ProjectId(Context& ctx, const std::string& name_or_id) {
  return ResolveId(ctx, kProjects, {}, "projects", "slug", name_or_id, "project");
}

Status AddProjectMember(Context& ctx, const AdminOptions& o) {
  if (o.user.empty() == o.identity.empty()) {
    return InvalidArgument("give exactly one of --user and --identity");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string project, ProjectId(ctx, o.id));
  api::JsonObject body{{"role", o.role.empty() ? "member" : o.role}};
  if (!o.user.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx, o.user));
    body["userId"] = user_id;
  } else {
    SIGNET_ASSIGN_OR_RETURN(std::string identity_id, IdentityId(ctx, o.identity));
    body["identityId"] = identity_id;
  }
  return ObjectCommand(ctx, client::HttpMethod::kPost, PathOf({kProjects, project, "memberships"}),
                       api::JsonValue(body),
                       {{"Membership", "id"},
                        {"Project", "projectId"},
                        {"User", "userId"},
                        {"Identity", "identityId"},
                        {"Role", "role"}},
                       "Added project member:");
}

// The membership of --user or --identity in a project (its id for DELETE …/memberships/{id}).
Result<std::string> MembershipOf(Context& ctx, const std::string& project, const AdminOptions& o) {
  if (o.user.empty() == o.identity.empty()) {
    return InvalidArgument("give exactly one of --user and --identity");
  }
  std::string principal_id;
  const char* field = o.user.empty() ? "identityId" : "userId";
  if (!o.user.empty()) {
    SIGNET_ASSIGN_OR_RETURN(principal_id, UserId(ctx, o.user));
  } else {
    SIGNET_ASSIGN_OR_RETURN(principal_id, IdentityId(ctx, o.identity));
  }
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  for (int offset = 0;; offset += 100) {
    SIGNET_ASSIGN_OR_RETURN(
        api::JsonValue reply,
        api->Call(client::HttpMethod::kGet,
                  PathOf({kProjects, project, "memberships"}) +
                      client::Query({{"offset", std::to_string(offset)}, {"limit", "100"}})));
    const api::JsonValue* items =
        reply.is_object() ? reply.as_object().if_contains("memberships") : nullptr;
    if (items == nullptr || !items->is_array() || items->as_array().empty()) break;
    for (const auto& m : items->as_array()) {
      if (TextAt(m, field) == principal_id) return TextAt(m, "id");
    }
    if (items->as_array().size() < 100) break;
  }
  return NotFound((o.user.empty() ? "identity '" + o.identity : "user '" + o.user) +
                  "' is not a member of project '" + o.id + "'");
}

Status RemoveProjectMember(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string project, ProjectId(ctx, o.id));
  SIGNET_ASSIGN_OR_RETURN(std::string membership, MembershipOf(ctx, project, o));
  return ObjectCommand(ctx, client::HttpMethod::kDelete,
                       PathOf({kProjects, project, "memberships", membership}), std::nullopt,
                       {{"Membership", "id"},
                        {"Project", "projectId"},
                        {"User", "userId"},
                        {"Identity", "identityId"},
                        {"Role", "role"}},
                       "Removed project member (and their roles on the project's signers):");
}

Status ChangeProjectMemberRole(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string project, ProjectId(ctx, o.id));
  SIGNET_ASSIGN_OR_RETURN(std::string membership, MembershipOf(ctx, project, o));
  return ObjectCommand(ctx, client::HttpMethod::kPatch,
                       PathOf({kProjects, project, "memberships", membership}),
                       api::JsonValue(api::JsonObject{{"role", o.role}}),
                       {{"Membership", "id"},
                        {"Project", "projectId"},
                        {"User", "userId"},
                        {"Identity", "identityId"},
                        {"Role", "role"}},
                       "Changed project role:");
}

Status ListSecrets(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, IdentityId(ctx, o.id));
  return ListCommand(ctx, PathOf({kIdentities, id, "universal-auth", "client-secrets"}), {},
                     Paging{0, 100}, "clientSecrets",
                     {{"SECRET ID", "id"},
                      {"DESCRIPTION", "description"},
                      {"CREATED", "createdAt"},
                      {"REVOKED", "revoked"}});
}

Status RevokeSecret(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, IdentityId(ctx, o.id));
  if (!IsUuid(o.secret_id)) {
    return InvalidArgument("'" + o.secret_id +
                           "' is not a client secret id (see signet identities secrets " + o.id +
                           ")");
  }
  return ObjectCommand(
      ctx, client::HttpMethod::kPost,
      PathOf({kIdentities, id, "universal-auth", "client-secrets", o.secret_id, "revoke"}),
      api::JsonValue(api::JsonObject{}),
      {{"Secret ID", "id"},
       {"Description", "description"},
       {"Created", "createdAt"},
       {"Revoked", "revoked"}},
      "Revoked client secret (logins with it are refused; tokens it got run until they expire):");
}

// Checks a saved checkpoint before handing it to the server: its signature must verify with
// the public key saved in it, and that key must still be the server's (a server that
// changed its key — a new root key — cannot vouch for checkpoints made before).
Status CheckSavedCheckpoint(Context& ctx, const api::JsonValue& checkpoint) {
  if (!checkpoint.is_object())
    return InvalidArgument("the checkpoint file does not hold a JSON object");
  const auto& o = checkpoint.as_object();
  auto text = [&](const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto key = Base64Decode(text("publicKey"));
  auto sig = Base64Decode(text("signature"));
  const std::string payload = text("payload");
  if (!key || !sig || payload.empty()) {
    return InvalidArgument("the checkpoint file lacks publicKey, signature or payload");
  }
  if (!crypto::Ed25519Verify(*key, AsBytes(payload), *sig)) {
    return FailedPrecondition("the checkpoint file's signature does not verify: it was altered");
  }
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue server_key,
                          api->Call(client::HttpMethod::kGet, std::string(kAudit) + "/public-key"));
  if (TextAt(server_key, "publicKey") != text("publicKey")) {
    return FailedPrecondition(
        "the server's checkpoint key is not the one that signed this checkpoint");
  }
  return Ok();
}

Status SaveCheckpoint(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kGet, std::string(kAudit) + "/checkpoint"));
  const std::string text = api::Serialize(reply) + "\n";
  if (o.out_file.empty() || o.out_file == "-") {
    ctx.out() << text;
    return Ok();
  }
  SIGNET_TRY(WriteFile(o.out_file, text));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    std::size_t chains = 0;
    if (const auto* heads = v.as_object().if_contains("heads");
        heads != nullptr && heads->is_array()) {
      chains = heads->as_array().size();
    }
    ctx.out() << "Checkpoint of " << TextAt(v, "time") << " (" << chains << " chain"
              << (chains == 1 ? "" : "s") << ") saved to " << o.out_file
              << ". Keep it outside the server; check it later with\n"
              << "  signet audit verify --checkpoint " << o.out_file << "\n";
  });
  return Ok();
}

Status VerifyAudit(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  api::JsonValue reply;
  if (o.checkpoint_file.empty()) {
    SIGNET_ASSIGN_OR_RETURN(reply,
                            api->Call(client::HttpMethod::kGet, std::string(kAudit) + "/verify"));
  } else {
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadTextFile(o.checkpoint_file));
    auto checkpoint = api::ParseJson(text);
    if (!checkpoint) return InvalidArgument(o.checkpoint_file + ": " + checkpoint.error().message);
    SIGNET_TRY(CheckSavedCheckpoint(ctx, *checkpoint));
    SIGNET_ASSIGN_OR_RETURN(
        reply, api->Call(client::HttpMethod::kPost, std::string(kAudit) + "/verify",
                         api::JsonValue(api::JsonObject{{"checkpoint", *checkpoint}})));
  }
  const bool valid = TextAt(reply, "valid") == "true";
  const bool with_checkpoint = !o.checkpoint_file.empty();
  const bool extends = TextAt(reply, "extendsCheckpoint") == "true";
  ctx.Show(reply, [&](const api::JsonValue& v) {
    if (valid && (!with_checkpoint || extends)) {
      ctx.out() << "Audit log intact: " << TextAt(v, "checked") << " events checked"
                << (with_checkpoint ? "; it extends the checkpoint" : "") << ".\n";
    }
  });
  if (!valid) {
    std::string where = "sequence " + TextAt(reply, "firstBadSeq");
    if (TextAt(reply, "firstBadNodeId") != "-")
      where += " of node " + TextAt(reply, "firstBadNodeId");
    std::string reason = TextAt(reply, "reason");
    return FailedPrecondition("the audit log is broken at " + where +
                              (reason != "-" ? ": " + reason : "") + " (" +
                              TextAt(reply, "checked") + " events checked)");
  }
  if (with_checkpoint && !extends) {
    return FailedPrecondition("the audit log does not extend the checkpoint: " +
                              TextAt(reply, "checkpointProblem"));
  }
  return Ok();
}

}  // namespace

void AddAdminCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<AdminOptions>();

  // ---- users ----
  CLI::App* users = app.add_subcommand("users", "Manage users (org admins)");
  users->require_subcommand(1);
  CLI::App* ulist = users->add_subcommand("list", "List users");
  AddPagingOptions(ulist, o->paging);
  OnRun(ulist, ctx, [&ctx, o] {
    return ListCommand(
        ctx, kUsers, {}, o->paging, "users",
        {{"EMAIL", "email"}, {"ID", "id"}, {"ORG ROLE", "orgRole"}, {"CREATED", "createdAt"}});
  });
  CLI::App* ucreate = users->add_subcommand("create", "Create a user");
  ucreate->add_option("--email", o->email, "E-mail address")->required();
  ucreate->add_flag("--password-stdin", o->password_stdin, "Read the password from standard input");
  ucreate->add_option("--role", o->role, "Org role: member (default) or admin")
      ->check(CLI::IsMember({"member", "admin"}));
  OnRun(ucreate, ctx, [&ctx, o] { return CreateUser(ctx, *o); });
  CLI::App* ushow = users->add_subcommand("show", "Show a user");
  ushow->add_option("user", o->id, "E-mail or id")->required();
  OnRun(ushow, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, UserId(ctx, o->id));
    return ObjectCommand(ctx, client::HttpMethod::kGet, PathOf({kUsers, id}), std::nullopt,
                         UserFields());
  });
  CLI::App* uupdate = users->add_subcommand("update", "Change a user's role or password");
  uupdate->add_option("user", o->id, "E-mail or id")->required();
  uupdate->add_option("--role", o->role, "Org role: member or admin")
      ->check(CLI::IsMember({"member", "admin"}));
  uupdate->add_flag("--password-stdin", o->password_stdin,
                    "Read a new password from standard input");
  uupdate->add_flag("--current-password-stdin", o->current_password_stdin,
                    "Changing your own password: read the current one first (two lines on "
                    "standard input: current, then new)");
  OnRun(uupdate, ctx, [&ctx, o] { return UpdateUser(ctx, *o); });
  CLI::App* udelete = users->add_subcommand("delete", "Delete a user");
  udelete->add_option("user", o->id, "E-mail or id")->required();
  OnRun(udelete, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, UserId(ctx, o->id));
    return ObjectCommand(ctx, client::HttpMethod::kDelete, PathOf({kUsers, id}), std::nullopt,
                         UserFields(), "Deleted user:");
  });

  // ---- identities ----
  CLI::App* identities = app.add_subcommand("identities", "Manage machine identities");
  identities->require_subcommand(1);
  CLI::App* ilist = identities->add_subcommand("list", "List machine identities");
  AddPagingOptions(ilist, o->paging);
  OnRun(ilist, ctx, [&ctx, o] {
    return ListCommand(
        ctx, kIdentities, {}, o->paging, "identities",
        {{"NAME", "name"}, {"ID", "id"}, {"CLIENT ID", "clientId"}, {"CREATED", "createdAt"}});
  });
  CLI::App* icreate = identities->add_subcommand("create", "Create a machine identity");
  icreate->add_option("--name", o->name, "Name")->required();
  OnRun(icreate, ctx, [&ctx, o] {
    return ObjectCommand(
        ctx, client::HttpMethod::kPost, kIdentities,
        api::JsonValue(api::JsonObject{{"name", o->name}}), IdentityFields(),
        "Created machine identity (next: signet identities create-secret " + o->name + "):");
  });
  CLI::App* isecret = identities->add_subcommand(
      "create-secret", "Create a Universal Auth client secret (shown once)");
  isecret->add_option("identity", o->id, "Identity name or id")->required();
  isecret->add_option("--description", o->description, "What the secret is for");
  OnRun(isecret, ctx, [&ctx, o] { return CreateSecret(ctx, *o); });
  CLI::App* isecrets = identities->add_subcommand(
      "secrets", "List an identity's client secrets (ids and descriptions; never the secrets)");
  isecrets->add_option("identity", o->id, "Identity name or id")->required();
  OnRun(isecrets, ctx, [&ctx, o] { return ListSecrets(ctx, *o); });
  CLI::App* irevoke = identities->add_subcommand(
      "revoke-secret", "Revoke a client secret: logins with it are refused from now on");
  irevoke->add_option("identity", o->id, "Identity name or id")->required();
  irevoke->add_option("secret", o->secret_id, "Client secret id (signet identities secrets)")
      ->required();
  OnRun(irevoke, ctx, [&ctx, o] { return RevokeSecret(ctx, *o); });
  CLI::App* idelete = identities->add_subcommand("delete", "Delete a machine identity");
  idelete->add_option("identity", o->id, "Identity name or id")->required();
  OnRun(idelete, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, IdentityId(ctx, o->id));
    return ObjectCommand(ctx, client::HttpMethod::kDelete, PathOf({kIdentities, id}), std::nullopt,
                         IdentityFields(), "Deleted machine identity:");
  });

  // ---- projects ----
  CLI::App* projects = app.add_subcommand("projects", "Manage projects and their members");
  projects->require_subcommand(1);
  CLI::App* plist = projects->add_subcommand("list", "List projects");
  AddPagingOptions(plist, o->paging);
  OnRun(plist, ctx, [&ctx, o] {
    return ListCommand(
        ctx, kProjects, {}, o->paging, "projects",
        {{"SLUG", "slug"}, {"NAME", "name"}, {"ID", "id"}, {"DESCRIPTION", "description"}});
  });
  CLI::App* pcreate = projects->add_subcommand("create", "Create a project");
  pcreate->add_option("--name", o->name, "Name")->required();
  pcreate->add_option("--description", o->description, "Description");
  OnRun(pcreate, ctx, [&ctx, o] {
    api::JsonObject body{{"name", o->name}};
    if (!o->description.empty()) body["description"] = o->description;
    return ObjectCommand(ctx, client::HttpMethod::kPost, kProjects, api::JsonValue(body),
                         {{"Name", "name"}, {"Slug", "slug"}, {"ID", "id"}}, "Created project:");
  });
  CLI::App* pmembers = projects->add_subcommand("members", "Project memberships");
  pmembers->require_subcommand(1);
  CLI::App* pmlist = pmembers->add_subcommand("list", "List a project's members");
  pmlist->add_option("project", o->id, "Project slug or id")->required();
  AddPagingOptions(pmlist, o->paging);
  OnRun(pmlist, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, ProjectId(ctx, o->id));
    return ListCommand(
        ctx, PathOf({kProjects, id, "memberships"}), {}, o->paging, "memberships",
        {{"ID", "id"}, {"USER", "userId"}, {"IDENTITY", "identityId"}, {"ROLE", "role"}});
  });
  CLI::App* pmadd = pmembers->add_subcommand("add", "Add a user or machine identity");
  pmadd->add_option("project", o->id, "Project slug or id")->required();
  pmadd->add_option("--user", o->user, "User e-mail or id");
  pmadd->add_option("--identity", o->identity, "Machine identity name or id");
  pmadd->add_option("--role", o->role, "member (default) or admin")
      ->check(CLI::IsMember({"member", "admin"}));
  OnRun(pmadd, ctx, [&ctx, o] { return AddProjectMember(ctx, *o); });
  CLI::App* pmremove = pmembers->add_subcommand(
      "remove", "Remove a user or machine identity (ends their roles on the project's signers)");
  pmremove->add_option("project", o->id, "Project slug or id")->required();
  pmremove->add_option("--user", o->user, "User e-mail or id");
  pmremove->add_option("--identity", o->identity, "Machine identity name or id");
  OnRun(pmremove, ctx, [&ctx, o] { return RemoveProjectMember(ctx, *o); });
  CLI::App* pmrole = pmembers->add_subcommand("set-role", "Change a member's project role");
  pmrole->add_option("project", o->id, "Project slug or id")->required();
  pmrole->add_option("--user", o->user, "User e-mail or id");
  pmrole->add_option("--identity", o->identity, "Machine identity name or id");
  pmrole->add_option("--role", o->role, "member or admin")
      ->required()
      ->check(CLI::IsMember({"member", "admin"}));
  OnRun(pmrole, ctx, [&ctx, o] { return ChangeProjectMemberRole(ctx, *o); });

  // ---- audit ----
  CLI::App* audit = app.add_subcommand("audit", "Read and verify the audit log");
  audit->require_subcommand(1);
  CLI::App* alist = audit->add_subcommand("list", "List audit events, newest first");
  alist->add_option("--event-type", o->event_type, "Only this event type (e.g. sign)");
  alist->add_option("--actor", o->actor, "Only events of this actor id");
  alist->add_option("--since", o->since, "RFC 3339 time, e.g. 2026-01-01T00:00:00Z");
  alist->add_option("--until", o->until, "RFC 3339 time");
  AddPagingOptions(alist, o->paging);
  OnRun(alist, ctx, [&ctx, o] {
    return ListCommand(ctx, kAudit,
                       {{"eventType", o->event_type},
                        {"actorId", o->actor},
                        {"since", o->since},
                        {"until", o->until}},
                       o->paging, "auditLogs",
                       {{"SEQ", "seq"},
                        {"TIME", "time"},
                        {"EVENT", "eventType"},
                        {"ACTOR", "actor.name"},
                        {"TARGET", "target.type"},
                        {"TARGET ID", "target.id"},
                        {"NODE", "nodeId"}});
  });
  CLI::App* averify =
      audit->add_subcommand("verify", "Check the audit log's hash chains (exit 0 when intact)");
  averify->add_option("--checkpoint", o->checkpoint_file,
                      "A checkpoint saved by 'signet audit checkpoint': also check that the log "
                      "still extends it (nothing at its end was removed)");
  OnRun(averify, ctx, [&ctx, o] { return VerifyAudit(ctx, *o); });
  CLI::App* acheckpoint = audit->add_subcommand(
      "checkpoint", "Save the signed heads of the audit log, to detect later removal of events");
  acheckpoint->add_option("--out", o->out_file, "File to write (default: standard output)");
  OnRun(acheckpoint, ctx, [&ctx, o] { return SaveCheckpoint(ctx, *o); });
}

}  // namespace signet::cli
