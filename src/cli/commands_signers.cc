// signers list|show|create|update|delete|certificate|public-key|members, operations.

#include "cli/commands.h"
#include "cli/output.h"
#include "common/encoding.h"
#include "crypto/keys.h"

namespace signet::cli {
namespace {

constexpr char kSigners[] = "/api/v1/pki/signers";

// `status` is the effective one: "expired" once the certificate is revoked or past notAfter.
Columns SignerColumns() {
  return {{"NAME", "name"},
          {"ID", "id"},
          {"STATUS", "status"},
          {"CERTIFICATE", "certificateCommonName"},
          {"EXPIRES", "certificateNotAfter"},
          {"POLICY", "approvalPolicyName"},
          {"LAST SIGNED", "lastSignedAt"}};
}
Columns SignerFields() {
  return {{"Name", "name"},
          {"ID", "id"},
          {"Project", "projectId"},
          {"Description", "description"},
          {"Status", "status"},
          {"Certificate", "certificateId"},
          {"Common name", "certificateCommonName"},
          {"Serial number", "certificateSerialNumber"},
          {"Key algorithm", "certificateKeyAlgorithm"},
          {"Valid from", "certificateNotBefore"},
          {"Valid until", "certificateNotAfter"},
          {"Certificate status", "certificateStatus"},
          {"Issuing CA", "certificateCaId"},
          {"Key source", "certificateKeySource"},
          {"Signing policy", "signingPolicyId"},
          {"Policy name", "approvalPolicyName"},
          {"Last signed", "lastSignedAt"},
          {"Created", "createdAt"},
          {"Updated", "updatedAt"}};
}

struct SignerOptions {
  std::string signer;
  std::string name;
  std::string description;
  std::string certificate;
  std::string policy;
  bool no_policy = false;
  std::string status;
  std::string search;
  Paging paging;
  // members
  std::string user;
  std::string identity;
  std::string role = "operator";
  std::string member_id;
  // certificate
  bool chain = false;
  // operations
  std::string op_status;
};

Status Create(Context& ctx, const SignerOptions& o) {
  api::JsonObject body{{"name", o.name}, {"certificateId", o.certificate}};
  if (!ctx.flags.project.empty()) body["projectId"] = ctx.flags.project;
  if (!o.description.empty()) body["description"] = o.description;
  if (!o.policy.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string policy_id, PolicyId(ctx, o.policy));
    body["signingPolicyId"] = policy_id;
  }
  return ObjectCommand(ctx, client::HttpMethod::kPost, kSigners, api::JsonValue(body),
                       SignerFields(), "Created signer:");
}

Status Update(Context& ctx, const SignerOptions& o, const CLI::App* cmd) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o.signer));
  api::JsonObject body;
  if (cmd->count("--name") > 0) body["name"] = o.name;
  if (cmd->count("--description") > 0) body["description"] = o.description;
  if (cmd->count("--status") > 0) body["status"] = o.status;
  if (cmd->count("--certificate") > 0) body["certificateId"] = o.certificate;
  if (o.no_policy && !o.policy.empty()) {
    return InvalidArgument("give either --policy or --no-policy, not both");
  }
  if (o.no_policy) body["signingPolicyId"] = nullptr;
  if (!o.policy.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string policy_id, PolicyId(ctx, o.policy));
    body["signingPolicyId"] = policy_id;
  }
  if (body.empty()) {
    return InvalidArgument(
        "nothing to update: give --name, --description, --status, "
        "--certificate, --policy or --no-policy");
  }
  return ObjectCommand(ctx, client::HttpMethod::kPatch, PathOf({kSigners, id}),
                       api::JsonValue(body), SignerFields(), "Updated signer:");
}

Status Certificate(Context& ctx, const SignerOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o.signer));
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, api->Call(client::HttpMethod::kGet,
                                                          PathOf({kSigners, id, "certificate"})));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    std::string pem = RawStringAt(v, "certificatePem");
    ctx.out() << pem;
    if (!pem.empty() && pem.back() != '\n') ctx.out() << '\n';
    if (o.chain) {
      std::string chain = RawStringAt(v, "certificateChainPem");
      if (!chain.empty()) {
        ctx.out() << chain;
        if (!chain.empty() && chain.back() != '\n') ctx.out() << '\n';
      }
    }
  });
  return Ok();
}

Status PublicKey(Context& ctx, const SignerOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o.signer));
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  if (ctx.flags.json) {
    SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, api->Call(client::HttpMethod::kGet,
                                                            PathOf({kSigners, id, "public-key"})));
    PrintJson(ctx.out(), reply);
    return Ok();
  }
  SIGNET_ASSIGN_OR_RETURN(client::SignerPublicKey key, api->GetSignerPublicKey(id));
  SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey pub, crypto::PublicKey::FromSpkiDer(key.spki_der));
  SIGNET_ASSIGN_OR_RETURN(std::string pem, pub.ToPem());
  ctx.out() << pem;
  return Ok();
}

Status AddMember(Context& ctx, const SignerOptions& o) {
  if (o.user.empty() == o.identity.empty()) {
    return InvalidArgument("give exactly one of --user and --identity");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o.signer));
  api::JsonObject body{{"role", o.role}};
  if (!o.user.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string user_id, UserId(ctx, o.user));
    body["userId"] = user_id;
  } else {
    SIGNET_ASSIGN_OR_RETURN(std::string identity_id, IdentityId(ctx, o.identity));
    body["identityId"] = identity_id;
  }
  return ObjectCommand(
      ctx, client::HttpMethod::kPost, PathOf({kSigners, id, "members"}), api::JsonValue(body),
      {{"Member", "id"}, {"User", "userId"}, {"Identity", "identityId"}, {"Role", "role"}},
      "Added signer member:");
}

Columns OperationColumns() {
  return {{"TIME", "createdAt"},
          {"STATUS", "status"},
          {"ALGORITHM", "signingAlgorithm"},
          {"ACTOR", "actorName"},
          {"ACTOR TYPE", "actorType"},
          {"SOURCE IP", "sourceIp"},
          {"TOOL", "clientMetadata.tool"},
          {"DATA HASH", "dataHash"},
          {"ERROR", "errorMessage"}};
}

}  // namespace

void AddSignerCommands(CLI::App& app, Context& ctx) {
  CLI::App* signers = app.add_subcommand("signers", "Manage signers (named code-signing keys)");
  signers->require_subcommand(1);

  auto o = std::make_shared<SignerOptions>();

  CLI::App* list = signers->add_subcommand("list", "List the signers you may read");
  list->add_option("--search", o->search, "Only signers whose name contains this");
  AddPagingOptions(list, o->paging);
  OnRun(list, ctx, [&ctx, o] {
    return ListCommand(ctx, kSigners, {{"projectId", ctx.flags.project}, {"search", o->search}},
                       o->paging, "signers", SignerColumns());
  });

  CLI::App* show = signers->add_subcommand("show", "Show one signer");
  show->add_option("signer", o->signer, "Signer name or id")->required();
  OnRun(show, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o->signer));
    return ObjectCommand(ctx, client::HttpMethod::kGet, PathOf({kSigners, id}), std::nullopt,
                         SignerFields());
  });

  CLI::App* create = signers->add_subcommand(
      "create", "Create a signer on a code-signing certificate (you become its admin)");
  create->add_option("--name", o->name, "Name: 1-64 of a-z, 0-9 and single hyphens")->required();
  create
      ->add_option("--certificate", o->certificate,
                   "Certificate id (EKU codeSigning, key held by Signet)")
      ->required();
  create->add_option("--description", o->description, "Description (up to 256 characters)");
  create->add_option("--policy", o->policy, "Signing policy name or id (approval before signing)");
  OnRun(create, ctx, [&ctx, o] { return Create(ctx, *o); });

  CLI::App* update = signers->add_subcommand("update", "Change a signer");
  update->add_option("signer", o->signer, "Signer name or id")->required();
  update->add_option("--name", o->name, "New name");
  update->add_option("--description", o->description, "New description");
  update->add_option("--status", o->status, "active or disabled")
      ->check(CLI::IsMember({"active", "disabled"}));
  update->add_option("--certificate", o->certificate, "New certificate id");
  update->add_option("--policy", o->policy, "Signing policy name or id");
  update->add_flag("--no-policy", o->no_policy, "Remove the signing policy");
  OnRun(update, ctx, [&ctx, o, update] { return Update(ctx, *o, update); });

  CLI::App* del = signers->add_subcommand("delete", "Delete a signer");
  del->add_option("signer", o->signer, "Signer name or id")->required();
  OnRun(del, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o->signer));
    return ObjectCommand(ctx, client::HttpMethod::kDelete, PathOf({kSigners, id}), std::nullopt,
                         {{"Name", "name"}, {"ID", "id"}}, "Deleted signer:");
  });

  CLI::App* cert = signers->add_subcommand("certificate", "Print the signer's certificate (PEM)");
  cert->add_option("signer", o->signer, "Signer name or id")->required();
  cert->add_flag("--chain", o->chain, "Also print the issuer certificates");
  OnRun(cert, ctx, [&ctx, o] { return Certificate(ctx, *o); });

  CLI::App* pub = signers->add_subcommand("public-key", "Print the signer's public key (PEM)");
  pub->add_option("signer", o->signer, "Signer name or id")->required();
  OnRun(pub, ctx, [&ctx, o] { return PublicKey(ctx, *o); });

  CLI::App* members = signers->add_subcommand("members", "Who may use a signer");
  members->require_subcommand(1);
  CLI::App* mlist = members->add_subcommand("list", "List a signer's members");
  mlist->add_option("signer", o->signer, "Signer name or id")->required();
  AddPagingOptions(mlist, o->paging);
  OnRun(mlist, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o->signer));
    return ListCommand(ctx, PathOf({kSigners, id, "members"}), {}, o->paging, "members",
                       {{"ID", "id"},
                        {"USER", "userId"},
                        {"IDENTITY", "identityId"},
                        {"ROLE", "role"},
                        {"CREATED", "createdAt"}});
  });
  CLI::App* madd = members->add_subcommand("add", "Give a user or machine identity a role");
  madd->add_option("signer", o->signer, "Signer name or id")->required();
  madd->add_option("--user", o->user, "User e-mail or id");
  madd->add_option("--identity", o->identity, "Machine identity name or id");
  madd->add_option("--role", o->role, "admin, operator (sign) or auditor")
      ->capture_default_str()
      ->check(CLI::IsMember({"admin", "operator", "auditor"}));
  OnRun(madd, ctx, [&ctx, o] { return AddMember(ctx, *o); });
  CLI::App* mremove = members->add_subcommand("remove", "Remove a member");
  mremove->add_option("signer", o->signer, "Signer name or id")->required();
  mremove->add_option("member", o->member_id, "Member id (see `signers members list`)")->required();
  OnRun(mremove, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o->signer));
    return ObjectCommand(ctx, client::HttpMethod::kDelete,
                         PathOf({kSigners, id, "members", o->member_id}), std::nullopt,
                         {{"Member", "id"}, {"Role", "role"}}, "Removed signer member:");
  });

  CLI::App* ops = app.add_subcommand("operations", "List a signer's signing operations");
  ops->add_option("--signer", o->signer, "Signer name or id")->required();
  ops->add_option("--status", o->op_status, "success, failed or denied")
      ->check(CLI::IsMember({"success", "failed", "denied"}));
  AddPagingOptions(ops, o->paging);
  OnRun(ops, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, SignerId(ctx, o->signer));
    return ListCommand(ctx, PathOf({kSigners, id, "operations"}), {{"status", o->op_status}},
                       o->paging, "operations", OperationColumns());
  });
}

}  // namespace signet::cli
