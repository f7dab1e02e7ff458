// users, identities, projects, audit.

#include "cli/commands.h"
#include "cli/output.h"

namespace signet::cli {
namespace {

constexpr char kUsers[] = "/api/v1/users";
constexpr char kIdentities[] = "/api/v1/identities";
constexpr char kProjects[] = "/api/v1/projects";
constexpr char kAudit[] = "/api/v1/audit-logs";

const Columns kUserFields = {{"E-mail", "email"},
                             {"ID", "id"},
                             {"Org role", "orgRole"},
                             {"Created", "createdAt"},
                             {"Updated", "updatedAt"}};
const Columns kIdentityFields = {
    {"Name", "name"}, {"ID", "id"}, {"Client ID", "clientId"}, {"Created", "createdAt"}};

struct AdminOptions {
  std::string id;
  std::string email;
  std::string name;
  std::string description;
  std::string role;
  bool password_stdin = false;
  Paging paging;
  std::string user;
  std::string identity;
  // audit
  std::string event_type;
  std::string actor;
  std::string since;
  std::string until;
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
      ObjectCommand(ctx, client::HttpMethod::kPost, kUsers, body, kUserFields, "Created user:");
  auto& pw = body.as_object()["password"].as_string();
  SecureWipe(pw.data(), pw.size());
  return s;
}

Status UpdateUser(Context& ctx, const AdminOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, UserId(ctx, o.id));
  api::JsonValue body = api::JsonObject{};
  if (!o.role.empty()) body.as_object()["orgRole"] = o.role;
  if (o.password_stdin) {
    SIGNET_ASSIGN_OR_RETURN(SecretBytes password, ReadSecret(ctx, "New password"));
    body.as_object()["password"] = password.string_view();
  }
  if (body.as_object().empty())
    return InvalidArgument("nothing to update: give --role or --password-stdin");
  Status s = ObjectCommand(ctx, client::HttpMethod::kPatch, PathOf({kUsers, id}), body, kUserFields,
                           "Updated user:");
  if (auto* pw = body.as_object().if_contains("password")) {
    SecureWipe(pw->as_string().data(), pw->as_string().size());
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

Status VerifyAudit(Context& ctx) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kGet, std::string(kAudit) + "/verify"));
  const bool valid = TextAt(reply, "valid") == "true";
  ctx.Show(reply, [&](const api::JsonValue& v) {
    if (valid) {
      ctx.out() << "Audit log intact: " << TextAt(v, "checked") << " events checked.\n";
    }
  });
  if (!valid) {
    std::string where = "sequence " + TextAt(reply, "firstBadSeq");
    if (TextAt(reply, "firstBadNodeId") != "-")
      where += " of node " + TextAt(reply, "firstBadNodeId");
    return FailedPrecondition("the audit log is broken at " + where + " (" +
                              TextAt(reply, "checked") + " events checked)");
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
                         kUserFields);
  });
  CLI::App* uupdate = users->add_subcommand("update", "Change a user's role or password");
  uupdate->add_option("user", o->id, "E-mail or id")->required();
  uupdate->add_option("--role", o->role, "Org role: member or admin")
      ->check(CLI::IsMember({"member", "admin"}));
  uupdate->add_flag("--password-stdin", o->password_stdin,
                    "Read a new password from standard input");
  OnRun(uupdate, ctx, [&ctx, o] { return UpdateUser(ctx, *o); });
  CLI::App* udelete = users->add_subcommand("delete", "Delete a user");
  udelete->add_option("user", o->id, "E-mail or id")->required();
  OnRun(udelete, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, UserId(ctx, o->id));
    return ObjectCommand(ctx, client::HttpMethod::kDelete, PathOf({kUsers, id}), std::nullopt,
                         kUserFields, "Deleted user:");
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
        api::JsonValue(api::JsonObject{{"name", o->name}}), kIdentityFields,
        "Created machine identity (next: signet identities create-secret " + o->name + "):");
  });
  CLI::App* isecret = identities->add_subcommand(
      "create-secret", "Create a Universal Auth client secret (shown once)");
  isecret->add_option("identity", o->id, "Identity name or id")->required();
  isecret->add_option("--description", o->description, "What the secret is for");
  OnRun(isecret, ctx, [&ctx, o] { return CreateSecret(ctx, *o); });
  CLI::App* idelete = identities->add_subcommand("delete", "Delete a machine identity");
  idelete->add_option("identity", o->id, "Identity name or id")->required();
  OnRun(idelete, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, IdentityId(ctx, o->id));
    return ObjectCommand(ctx, client::HttpMethod::kDelete, PathOf({kIdentities, id}), std::nullopt,
                         kIdentityFields, "Deleted machine identity:");
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
  OnRun(averify, ctx, [&ctx] { return VerifyAudit(ctx); });
}

}  // namespace signet::cli
