#include "http/api_routes.h"

#include "http/route_util.h"

#include "api/client_metadata.h"
#include "api/encode.h"
#include "api/error.h"
#include "api/json.h"
#include "common/encoding.h"
#include "common/log.h"
#include "common/uuid.h"
#include "http/infisical_routes.h"
#include "http/mfa_routes.h"
#include "http/notification_routes.h"
#include "http/oidc_routes.h"
#include "http/policy_routes.h"
#include "http/session_routes.h"
#include "http/tsa_routes.h"

namespace signet::http {
namespace {

using api::Fields;
using api::JsonArray;
using api::JsonObject;
using api::JsonValue;
using service::Caller;

constexpr std::size_t kMaxName = 256;
constexpr std::size_t kMaxPem = 64 * 1024;

// The body of GET …/certificate for a CA or a certificate: the PEM, its chain, its serial.
JsonObject CertificateBody(const std::string& pem, const std::string& chain_pem,
                           const std::string& serial_number) {
  return JsonObject{
      {"certificate", pem}, {"certificateChain", chain_pem}, {"serialNumber", serial_number}};
}

Result<service::MembershipInput> MembershipOf(const Fields& f) {
  service::MembershipInput in;
  SIGNET_ASSIGN_OR_RETURN(in.user_id, f.OptString("userId", 64));
  SIGNET_ASSIGN_OR_RETURN(in.identity_id, f.OptString("identityId", 64));
  SIGNET_ASSIGN_OR_RETURN(in.role, f.String("role", 32));
  SIGNET_TRY(f.Refuse("groupId", "groups are not part of Signet; add each user with userId"));
  SIGNET_TRY(f.Finish());
  return in;
}

Result<domain::KeyAlgorithm> KeyAlgorithmOf(const Fields& f) {
  SIGNET_ASSIGN_OR_RETURN(std::string name, f.String("keyAlgorithm", 32));
  return domain::ParseKeyAlgorithm(name);
}

JsonObject EncodeKeyEvidence(const service::KeyEvidence& ev) {
  const keystore::KeyDescription& k = ev.key;
  JsonObject o{{"signerId", ev.signer_id},
               {"certificateId", ev.certificate.id},
               {"keySource", domain::KeySourceTypeName(k.source)},
               {"keyAlgorithm", domain::KeyAlgorithmName(k.algorithm)},
               {"publicKey", Base64Encode(k.public_key_spki)},
               {"adopted", k.adopted}};
  if (k.module) {
    const keystore::HsmModuleInfo& m = *k.module;
    o["module"] = JsonObject{{"libraryManufacturer", m.library_manufacturer},
                             {"libraryDescription", m.library_description},
                             {"libraryVersion", m.library_version},
                             {"cryptokiVersion", m.cryptoki_version},
                             {"tokenLabel", m.token_label},
                             {"manufacturer", m.manufacturer},
                             {"model", m.model},
                             {"serialNumber", m.serial_number},
                             {"hardwareVersion", m.hardware_version},
                             {"firmwareVersion", m.firmware_version}};
  } else {
    o["module"] = nullptr;
  }
  if (k.attributes) {
    const keystore::HsmKeyAttributes& a = *k.attributes;
    o["attributes"] = JsonObject{{"label", a.label},
                                 {"id", HexEncode(a.id)},
                                 {"token", a.token},
                                 {"private", a.is_private},
                                 {"sensitive", a.sensitive},
                                 {"extractable", a.extractable},
                                 {"sign", a.sign},
                                 {"local", a.local},
                                 {"neverExtractable", a.never_extractable},
                                 {"alwaysSensitive", a.always_sensitive}};
  } else {
    o["attributes"] = nullptr;
  }
  if (ev.generated) {
    const domain::AuditEvent& e = *ev.generated;
    o["generated"] = JsonObject{{"at", FormatTime(e.time)},
                                {"eventType", e.event_type},
                                {"actorType", e.actor_type},
                                {"actorId", e.actor_id},
                                {"actorName", e.actor_name}};
  } else {
    o["generated"] = nullptr;
  }
  return o;
}

// clientMetadata (SPEC §4): the documented keys only, each a bounded string (Infisical's
// limits); an unknown key is refused like an unknown field, so a misspelt scope field
// ("hostName") fails loudly instead of never matching. `signingApplication` is Infisical's
// alias of `tool`; the operation records `tool`.
Status DecodeClientMetadata(const Fields& f, service::SignInput& in) {
  SIGNET_ASSIGN_OR_RETURN(auto meta, f.OptNested("clientMetadata"));
  if (!meta) return Ok();
  const Fields& m = *meta;
  SIGNET_ASSIGN_OR_RETURN(auto tool, m.OptString("tool", api::kMaxMetadataTool));
  SIGNET_ASSIGN_OR_RETURN(auto application,
                          m.OptString("signingApplication", api::kMaxMetadataTool));
  if (tool && application && *tool != *application) {
    return InvalidArgument(
        "clientMetadata.tool and clientMetadata.signingApplication name the same "
        "thing; give one, or the same value in both");
  }
  in.reported.signing_application = tool ? tool : application;
  SIGNET_ASSIGN_OR_RETURN(in.reported.hostname, m.OptString("hostname", api::kMaxMetadataHostname));
  SIGNET_ASSIGN_OR_RETURN(in.reported.command, m.OptString("command", api::kMaxMetadataCommand));
  SIGNET_ASSIGN_OR_RETURN(in.reported.os_username,
                          m.OptString("osUsername", api::kMaxMetadataOsUsername));
  SIGNET_ASSIGN_OR_RETURN(in.reported.signing_application_hash,
                          m.OptString("signingApplicationHash", api::kMaxMetadataApplicationHash));
  SIGNET_ASSIGN_OR_RETURN(auto reported_ip, m.OptString("reportedIp", api::kMaxMetadataReportedIp));
  SIGNET_TRY(m.Finish());
  JsonObject clean;
  auto put = [&clean](const char* key, const std::optional<std::string>& v) {
    if (v) clean[key] = *v;
  };
  put("tool", in.reported.signing_application);
  put("hostname", in.reported.hostname);
  put("reportedIp", reported_ip);
  put("command", in.reported.command);
  put("osUsername", in.reported.os_username);
  put("signingApplicationHash", in.reported.signing_application_hash);
  in.client_metadata_json = api::Serialize(clean);
  return Ok();
}

// The body of POST /signers/{id}/sign.
Result<service::SignInput> DecodeSignInput(const Request& req) {
  SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
  Fields f(body);
  service::SignInput in;
  SIGNET_ASSIGN_OR_RETURN(in.data_base64, f.String("data", 1024));
  SIGNET_ASSIGN_OR_RETURN(in.signing_algorithm, f.String("signingAlgorithm", 64));
  SIGNET_ASSIGN_OR_RETURN(in.is_digest, f.Bool("isDigest", false));
  SIGNET_TRY(DecodeClientMetadata(f, in));
  SIGNET_TRY(f.Finish());
  return in;
}

// The body of POST /signers/{id}/sign-batch: {"items": [{data, signingAlgorithm?, isDigest,
// clientMetadata?}, …], "signingAlgorithm"?}; an item without its own signingAlgorithm uses
// the batch's. Errors name the item ("items[3].data is required").
Result<std::vector<service::SignInput>> DecodeSignBatch(const Request& req, std::size_t max_items) {
  SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
  Fields f(body);
  SIGNET_ASSIGN_OR_RETURN(auto default_algorithm, f.OptString("signingAlgorithm", 64));
  SIGNET_ASSIGN_OR_RETURN(auto items, f.OptArray("items"));
  SIGNET_TRY(f.Finish());
  if (!items)
    return InvalidArgument("items is required (1 to " + std::to_string(max_items) +
                           " items to sign)");
  if (items->empty()) {
    return InvalidArgument("items is empty; give 1 to " + std::to_string(max_items) +
                           " items to sign");
  }
  if (items->size() > max_items) {
    return InvalidArgument("items has " + std::to_string(items->size()) +
                           " entries; the maximum is " + std::to_string(max_items) +
                           " (signetd --max-batch-items)");
  }
  std::vector<service::SignInput> out(items->size());
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string prefix = "items[" + std::to_string(i) + "].";
    const JsonObject* item = (*items)[i].if_object();
    if (item == nullptr)
      return InvalidArgument("items[" + std::to_string(i) + "] must be an object");
    Fields itf(*item, prefix);
    service::SignInput& in = out[i];
    SIGNET_ASSIGN_OR_RETURN(in.data_base64, itf.String("data", 1024));
    SIGNET_ASSIGN_OR_RETURN(auto algorithm, itf.OptString("signingAlgorithm", 64));
    if (!algorithm && !default_algorithm) {
      return InvalidArgument(
          prefix + "signingAlgorithm is required (or give signingAlgorithm for the whole batch)");
    }
    in.signing_algorithm = algorithm ? *algorithm : *default_algorithm;
    SIGNET_ASSIGN_OR_RETURN(in.is_digest, itf.Bool("isDigest", false));
    SIGNET_TRY(DecodeClientMetadata(itf, in));
    SIGNET_TRY(itf.Finish());
  }
  return out;
}

JsonObject EncodeBatchItem(std::size_t index, service::SignBatchItemResult& r) {
  JsonObject o{{"index", index},
               {"status", domain::OperationStatusName(r.status)},
               {"operationId", r.operation_id},
               {"signingAlgorithm", r.signing_algorithm}};
  if (r.error) {
    o["error"] = JsonObject{{"statusCode", api::HttpStatus(r.error->code)},
                            {"error", api::ErrorName(r.error->code)},
                            {"message", r.error->message}};
  } else {
    o["signature"] = Base64Encode(r.signature);
  }
  return o;
}

// A checkpoint as GET /api/v1/audit-logs/checkpoint returns it. `payload` is the exact text
// signed, so that `openssl pkeyutl -verify -rawin` can check it without Signet.
JsonObject EncodeCheckpoint(const audit::Checkpoint& cp,
                            const service::Service::PublicKeyInfo& key) {
  JsonArray heads;
  for (const auto& h : cp.heads) {
    heads.emplace_back(
        JsonObject{{"nodeId", h.node_id}, {"seq", h.seq}, {"hash", HexEncode(h.hash)}});
  }
  return JsonObject{{"version", 1},
                    {"time", FormatTime(cp.time)},
                    {"heads", std::move(heads)},
                    {"algorithm", "Ed25519"},
                    {"keyId", key.key_id},
                    {"publicKey", Base64Encode(key.raw)},
                    {"payload", audit::CheckpointPayload(cp)},
                    {"signature", Base64Encode(cp.signature)}};
}

// The fields the signature covers; the others (keyId, publicKey, payload) are for readers and
// are not trusted.
Result<audit::Checkpoint> DecodeCheckpoint(const JsonObject& o) {
  Fields f(o, "checkpoint.");
  audit::Checkpoint cp;
  SIGNET_ASSIGN_OR_RETURN(std::int64_t version, f.Int("version", 1, 1));
  (void)version;
  SIGNET_ASSIGN_OR_RETURN(std::string time, f.String("time", 64));
  SIGNET_ASSIGN_OR_RETURN(cp.time, ParseTime(time, "checkpoint.time"));
  SIGNET_ASSIGN_OR_RETURN(std::string signature, f.String("signature", 128));
  auto sig = Base64Decode(signature);
  if (!sig) return InvalidArgument("checkpoint.signature must be base64");
  cp.signature = std::move(*sig);
  SIGNET_ASSIGN_OR_RETURN(auto heads, f.OptArray("heads"));
  if (!heads) return InvalidArgument("checkpoint.heads is required");
  if (heads->size() > 10'000) return InvalidArgument("checkpoint.heads has too many items");
  for (std::size_t i = 0; i < heads->size(); ++i) {
    const std::string prefix = "checkpoint.heads[" + std::to_string(i) + "].";
    if (!(*heads)[i].is_object())
      return InvalidArgument(prefix.substr(0, prefix.size() - 1) + " must be an object");
    Fields h((*heads)[i].as_object(), prefix);
    audit::ChainHead head;
    SIGNET_ASSIGN_OR_RETURN(head.node_id, h.String("nodeId", 128));
    SIGNET_ASSIGN_OR_RETURN(head.seq, h.Int("seq", 1, INT64_MAX));
    SIGNET_ASSIGN_OR_RETURN(std::string hash, h.String("hash", 64));
    auto bytes = HexDecode(hash);
    if (!bytes || bytes->size() != 32)
      return InvalidArgument(prefix + "hash must be 64 hex characters");
    head.hash = std::move(*bytes);
    SIGNET_TRY(h.Finish());
    cp.heads.push_back(std::move(head));
  }
  // The reader-only fields of GET …/checkpoint may come back with it (they are not trusted).
  for (const char* reader_only : {"algorithm", "keyId", "publicKey", "payload"}) {
    SIGNET_TRY(f.OptString(reader_only, 1 << 20));
  }
  SIGNET_TRY(f.Finish());
  return cp;
}

// Every signer reply carries the read model (SPEC §10).
Result<Response> SignerReply(service::Service& svc, domain::Signer signer) {
  SIGNET_ASSIGN_OR_RETURN(auto detail, svc.DescribeSigner(std::move(signer)));
  return JsonResponse(api::EncodeSignerDetail(detail));
}

JsonObject LoginBody(const service::LoginResult& r) {
  if (r.mfa_required) {
    // The password was right; POST /api/v1/auth/mfa/verify with this token and a code.
    return JsonObject{{"mfaRequired", true},
                      {"mfaToken", std::string(r.access_token.string_view())},
                      {"expiresIn", r.expires_in.count() / 1000}};
  }
  return JsonObject{{"accessToken", std::string(r.access_token.string_view())},
                    {"expiresIn", r.expires_in.count() / 1000},
                    {"tokenType", "Bearer"}};
}

}  // namespace

void RegisterApiRoutes(Router& router, service::Service& svc, Metrics& metrics,
                       const RouteOptions& options) {
  auto authed = [&svc](AuthedFn fn) { return Authed(svc, std::move(fn)); };

  // ---- health ----
  router.Add("GET", "/healthz", Open([](const Request&, const PathParams&) -> Result<Response> {
               return JsonResponse(JsonObject{{"status", "ok"}});
             }));
  router.Add(
      "GET", "/readyz", Open([&svc](const Request& req, const PathParams&) -> Result<Response> {
        auto ready = svc.Ready();
        if (!ready && ready.error().code == ErrorCode::kFailedPrecondition) {
          // A reason meant for everyone (the clock's state), not a driver message.
          log::Write(log::Level::kWarn, req.request_id, "not ready: " + ready.error().message);
          return Unavailable("not ready: " + ready.error().message);
        }
        if (!ready) {
          // The reason (driver messages name hosts and ports) goes to the operator's log only.
          log::Write(log::Level::kWarn, req.request_id, "not ready: " + ready.error().message);
          return Unavailable("not ready");
        }
        return JsonResponse(JsonObject{{"status", "ready"}});
      }));
  router.Add("GET", "/metrics",
             Open([&metrics, token = options.metrics_token](const Request& req,
                                                            const PathParams&) -> Result<Response> {
               if (token && !token->empty() && !token->Equals(AsBytes(BearerToken(req)))) {
                 return Unauthenticated(
                     "GET /metrics needs the metrics bearer token (--metrics-token-file)");
               }
               Response r;
               r.body = metrics.Render();
               r.content_type = "text/plain; version=0.0.4";
               return r;
             }));

  router.Add("GET", "/api/v1/openapi.json",
             Open([](const Request&, const PathParams&) -> Result<Response> {
               Response r;
               r.body = std::string(OpenApiDocument());
               return r;
             }));

  // ---- auth ----
  router.Add("POST", "/api/v1/admin/bootstrap",
             Open([&svc](const Request& req, const PathParams&) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
               Fields f(body);
               SIGNET_ASSIGN_OR_RETURN(std::string email, f.String("email", 254));
               SIGNET_ASSIGN_OR_RETURN(std::string password, f.String("password", 256));
               SIGNET_TRY(f.Finish());
               SIGNET_ASSIGN_OR_RETURN(
                   auto r, svc.Bootstrap(email, SecretBytes::FromString(password), req.remote_ip));
               JsonObject out = LoginBody(r);
               out["user"] = api::EncodeUser(*r.user);
               return JsonResponse(out);
             }));
  router.Add("POST", "/api/v1/auth/login",
             Open([&svc](const Request& req, const PathParams&) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
               Fields f(body);
               SIGNET_ASSIGN_OR_RETURN(std::string email, f.String("email", 254));
               SIGNET_ASSIGN_OR_RETURN(std::string password, f.String("password", 256));
               SIGNET_TRY(f.Finish());
               SIGNET_ASSIGN_OR_RETURN(
                   auto r, svc.Login(email, SecretBytes::FromString(password), req.remote_ip));
               return JsonResponse(LoginBody(r));
             }));
  router.Add("POST", "/api/v1/auth/universal-auth/login",
             Open([&svc](const Request& req, const PathParams&) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
               Fields f(body);
               SIGNET_ASSIGN_OR_RETURN(std::string client_id, f.String("clientId", 64));
               SIGNET_ASSIGN_OR_RETURN(std::string secret, f.String("clientSecret", 256));
               SIGNET_TRY(f.Finish());
               SIGNET_ASSIGN_OR_RETURN(
                   auto r, svc.UniversalAuthLogin(client_id, SecretBytes::FromString(secret),
                                                  req.remote_ip));
               return JsonResponse(LoginBody(r));
             }));
  router.Add(
      "POST", "/api/v1/auth/logout",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_TRY(svc.Logout(c, PresentedToken(req)));
        return JsonResponse(JsonObject{{"message", "logged out"}});
      }));

  // ---- users ----
  router.Add(
      "POST", "/api/v1/users",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::CreateUserInput in;
        SIGNET_ASSIGN_OR_RETURN(in.email, f.String("email", 254));
        SIGNET_ASSIGN_OR_RETURN(std::string password, f.String("password", 256));
        in.password = SecretBytes::FromString(password);
        SIGNET_ASSIGN_OR_RETURN(auto role, f.OptString("orgRole", 16));
        if (role) {
          SIGNET_ASSIGN_OR_RETURN(in.org_role, domain::ParseOrgRole(*role));
        }
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto user, svc.CreateUser(c, in));
        return JsonResponse(api::EncodeUser(user));
      }));
  router.Add(
      "GET", "/api/v1/users",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListUsers(c, paging));
        return ListResponse("users", page, api::EncodeUser);
      }));
  router.Add(
      "GET", "/api/v1/users/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "userId"));
        SIGNET_ASSIGN_OR_RETURN(auto user, svc.GetUser(c, id));
        return JsonResponse(api::EncodeUser(user));
      }));
  router.Add(
      "PATCH", "/api/v1/users/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "userId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::UpdateUserInput in;
        SIGNET_ASSIGN_OR_RETURN(auto password, f.OptString("password", 256));
        if (password) in.password = SecretBytes::FromString(*password);
        SIGNET_ASSIGN_OR_RETURN(auto current, f.OptString("currentPassword", 256));
        if (current) in.current_password = SecretBytes::FromString(*current);
        SIGNET_ASSIGN_OR_RETURN(auto role, f.OptString("orgRole", 16));
        if (role) {
          SIGNET_ASSIGN_OR_RETURN(in.org_role, domain::ParseOrgRole(*role));
        }
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto user, svc.UpdateUser(c, id, std::move(in)));
        return JsonResponse(api::EncodeUser(user));
      }));
  router.Add(
      "DELETE", "/api/v1/users/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "userId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto user, svc.DeleteUser(c, id));
        return JsonResponse(api::EncodeUser(user));
      }));

  // ---- identities ----
  router.Add(
      "POST", "/api/v1/identities",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string name, f.String("name", kMaxName));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto identity, svc.CreateIdentity(c, name));
        return JsonResponse(api::EncodeIdentity(identity));
      }));
  router.Add(
      "GET", "/api/v1/identities",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListIdentities(c, paging));
        return ListResponse("identities", page, api::EncodeIdentity);
      }));
  router.Add(
      "DELETE", "/api/v1/identities/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto identity, svc.DeleteIdentity(c, id));
        return JsonResponse(api::EncodeIdentity(identity));
      }));
  router.Add(
      "POST", "/api/v1/identities/{id}/universal-auth/client-secrets",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto description, f.OptString("description", kMaxName));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto r, svc.CreateClientSecret(c, id, description.value_or("")));
        return JsonResponse(JsonObject{{"clientId", r.client_id},
                                       {"clientSecret", std::string(r.client_secret.string_view())},
                                       {"clientSecretId", r.secret.id}});
      }));

  // Client secrets by id, description, time and state; the secret itself is never shown again.
  auto encode_secret = [](const domain::ClientSecret& s) {
    return JsonObject{{"id", s.id},
                      {"identityId", s.identity_id},
                      {"description", s.description},
                      {"createdAt", FormatTime(s.created_at)},
                      {"revoked", s.revoked}};
  };
  router.Add(
      "GET", "/api/v1/identities/{id}/universal-auth/client-secrets",
      authed([&svc, encode_secret](const Request&, const PathParams& p,
                                   const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
        SIGNET_ASSIGN_OR_RETURN(auto secrets, svc.ListClientSecrets(c, id));
        JsonArray items;
        for (const auto& s : secrets) items.emplace_back(encode_secret(s));
        const auto count = static_cast<std::int64_t>(items.size());
        return JsonResponse(JsonObject{{"clientSecrets", std::move(items)}, {"totalCount", count}});
      }));
  router.Add("POST", "/api/v1/identities/{id}/universal-auth/client-secrets/{secretId}/revoke",
             authed([&svc, encode_secret](const Request& req, const PathParams& p,
                                          const Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "identityId"));
               SIGNET_ASSIGN_OR_RETURN(std::string secret_id,
                                       PathId(p, "secretId", "clientSecretId"));
               SIGNET_TRY(api::NoFields(req.body));
               SIGNET_ASSIGN_OR_RETURN(auto s, svc.RevokeClientSecret(c, id, secret_id));
               return JsonResponse(encode_secret(s));
             }));

  // ---- projects ----
  router.Add(
      "POST", "/api/v1/projects",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string name, f.String("name", 64));
        SIGNET_ASSIGN_OR_RETURN(auto description, f.OptString("description", kMaxName));
        SIGNET_ASSIGN_OR_RETURN(auto profile, f.OptString("complianceProfile", 16));
        domain::ComplianceProfile compliance = domain::ComplianceProfile::kNone;
        if (profile) {
          SIGNET_ASSIGN_OR_RETURN(compliance, domain::ParseComplianceProfile(*profile));
        }
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto project,
                                svc.CreateProject(c, name, description.value_or(""), compliance));
        return JsonResponse(api::EncodeProject(project));
      }));
  router.Add(
      "GET", "/api/v1/projects/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto project, svc.GetProject(c, p.at("id")));
        return JsonResponse(api::EncodeProject(project));
      }));
  router.Add(
      "PATCH", "/api/v1/projects/{id}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::UpdateProjectInput in;
        SIGNET_ASSIGN_OR_RETURN(auto description, f.OptNullableString("description", kMaxName));
        if (description) in.description = description->value_or("");  // null clears
        SIGNET_ASSIGN_OR_RETURN(auto profile, f.OptString("complianceProfile", 16));
        if (profile) {
          SIGNET_ASSIGN_OR_RETURN(in.compliance_profile, domain::ParseComplianceProfile(*profile));
        }
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto project, svc.UpdateProject(c, p.at("id"), in));
        return JsonResponse(api::EncodeProject(project));
      }));
  router.Add(
      "GET", "/api/v1/projects",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListProjects(c, paging));
        return ListResponse("projects", page, api::EncodeProject);
      }));
  router.Add(
      "POST", "/api/v1/projects/{id}/memberships",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto in, MembershipOf(Fields(body)));
        SIGNET_ASSIGN_OR_RETURN(auto m, svc.AddProjectMember(c, p.at("id"), in));
        return JsonResponse(api::EncodeMembership(m));
      }));
  router.Add(
      "GET", "/api/v1/projects/{id}/memberships",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListProjectMembers(c, p.at("id"), paging));
        return ListResponse("memberships", page, api::EncodeMembership);
      }));
  router.Add(
      "GET", "/api/v1/projects/{id}/memberships/{membershipId}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string mid, PathId(p, "membershipId", "membershipId"));
        SIGNET_ASSIGN_OR_RETURN(auto m, svc.GetProjectMember(c, p.at("id"), mid));
        return JsonResponse(api::EncodeMembership(m));
      }));
  router.Add(
      "PATCH", "/api/v1/projects/{id}/memberships/{membershipId}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string mid, PathId(p, "membershipId", "membershipId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string role, f.String("role", 32));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto m, svc.UpdateProjectMember(c, p.at("id"), mid, role));
        return JsonResponse(api::EncodeMembership(m));
      }));
  router.Add(
      "DELETE", "/api/v1/projects/{id}/memberships/{membershipId}",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string mid, PathId(p, "membershipId", "membershipId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto m, svc.RemoveProjectMember(c, p.at("id"), mid));
        return JsonResponse(api::EncodeMembership(m));
      }));

  // ---- CAs ----
  router.Add(
      "POST", "/api/v1/pki/ca",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::CreateCaInput in;
        SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(in.common_name, f.String("commonName", 64));
        SIGNET_ASSIGN_OR_RETURN(in.key_algorithm, KeyAlgorithmOf(f));
        SIGNET_ASSIGN_OR_RETURN(in.ttl_days, f.Int("ttlDays", 1, 36500));
        SIGNET_ASSIGN_OR_RETURN(auto parent, f.OptString("parentCaId", 64));
        if (parent) {
          SIGNET_ASSIGN_OR_RETURN(in.parent_ca_id, ParseUuid(*parent, "parentCaId"));
        }
        SIGNET_ASSIGN_OR_RETURN(in.key, KeyChoiceOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto ca, svc.CreateCa(c, in));
        return JsonResponse(api::EncodeCa(ca));
      }));
  router.Add(
      "GET", "/api/v1/pki/ca",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListCas(c, QueryOpt(req, "projectId"), paging));
        return ListResponse("cas", page, api::EncodeCa);
      }));
  router.Add(
      "GET", "/api/v1/pki/ca/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "caId"));
        SIGNET_ASSIGN_OR_RETURN(auto ca, svc.GetCa(c, id));
        return JsonResponse(api::EncodeCa(ca));
      }));
  router.Add(
      "GET", "/api/v1/pki/ca/{id}/certificate",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "caId"));
        SIGNET_ASSIGN_OR_RETURN(auto ca, svc.GetCa(c, id));
        return JsonResponse(
            CertificateBody(ca.certificate_pem, ca.certificate_chain_pem, ca.serial_number));
      }));

  // ---- certificates ----
  router.Add(
      "POST", "/api/v1/pki/certificates/issue",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::IssueCertificateInput in;
        SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(std::string ca_id, f.String("caId", 64));
        SIGNET_ASSIGN_OR_RETURN(in.ca_id, ParseUuid(ca_id, "caId"));
        SIGNET_ASSIGN_OR_RETURN(in.common_name, f.String("commonName", 64));
        SIGNET_ASSIGN_OR_RETURN(in.key_algorithm, KeyAlgorithmOf(f));
        SIGNET_ASSIGN_OR_RETURN(in.ttl_days, f.Int("ttlDays", 1, 3650));
        SIGNET_ASSIGN_OR_RETURN(auto ku, f.OptStringArray("keyUsages", 16, 64));
        if (ku) in.key_usages = *ku;
        SIGNET_ASSIGN_OR_RETURN(auto eku, f.OptStringArray("extendedKeyUsages", 16, 64));
        if (eku) in.extended_key_usages = *eku;
        SIGNET_ASSIGN_OR_RETURN(in.key, KeyChoiceOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto cert, svc.IssueCertificate(c, in));
        return JsonResponse(JsonObject{{"certificateId", cert.id},
                                       {"certificate", cert.certificate_pem},
                                       {"certificateChain", cert.certificate_chain_pem},
                                       {"serialNumber", cert.serial_number},
                                       {"keySource", domain::KeySourceTypeName(cert.key_source)}});
      }));
  router.Add(
      "POST", "/api/v1/pki/certificates/import",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(service::ImportCertificateInput in, ImportedKeyPairOf(f));
        SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto cert, svc.ImportCertificate(c, std::move(in)));
        JsonObject out = api::EncodeCertificate(cert);
        out["certificateId"] = cert.id;
        return JsonResponse(out);
      }));
  router.Add(
      "POST", "/api/v1/pki/certificates/csr",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        service::CsrInput in;
        SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
        SIGNET_ASSIGN_OR_RETURN(in.common_name, f.String("commonName", 64));
        SIGNET_ASSIGN_OR_RETURN(in.key_algorithm, KeyAlgorithmOf(f));
        SIGNET_ASSIGN_OR_RETURN(auto subject, f.OptNested("subject"));
        if (subject) {
          const Fields& s = *subject;
          SIGNET_ASSIGN_OR_RETURN(auto o, s.OptString("organization", 64));
          SIGNET_ASSIGN_OR_RETURN(auto ou, s.OptString("organizationalUnit", 64));
          SIGNET_ASSIGN_OR_RETURN(auto country, s.OptString("country", 2));
          SIGNET_ASSIGN_OR_RETURN(auto st, s.OptString("state", 64));
          SIGNET_ASSIGN_OR_RETURN(auto l, s.OptString("locality", 64));
          in.organization = o.value_or("");
          in.organizational_unit = ou.value_or("");
          in.country = country.value_or("");
          in.state = st.value_or("");
          in.locality = l.value_or("");
          SIGNET_TRY(s.Finish());
        }
        SIGNET_ASSIGN_OR_RETURN(in.key, KeyChoiceOf(f));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto cert, svc.CreateCsr(c, in));
        return JsonResponse(JsonObject{{"certificateId", cert.id},
                                       {"csr", cert.csr_pem},
                                       {"status", "pending"},
                                       {"keySource", domain::KeySourceTypeName(cert.key_source)}});
      }));
  router.Add(
      "POST", "/api/v1/pki/certificates/{id}/import-certificate",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "certificateId"));
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(std::string pem, f.String("certificatePem", kMaxPem));
        SIGNET_ASSIGN_OR_RETURN(auto chain, f.OptString("certificateChainPem", kMaxPem));
        SIGNET_TRY(f.Finish());
        SIGNET_ASSIGN_OR_RETURN(auto cert,
                                svc.ImportIssuedCertificate(c, id, pem, chain.value_or("")));
        return JsonResponse(api::EncodeCertificate(cert));
      }));
  router.Add(
      "GET", "/api/v1/pki/certificates",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
        SIGNET_ASSIGN_OR_RETURN(auto page,
                                svc.ListCertificates(c, QueryOpt(req, "projectId"),
                                                     QueryOpt(req, "extendedKeyUsage"), paging));
        return ListResponse("certificates", page, api::EncodeCertificate);
      }));
  router.Add(
      "GET", "/api/v1/pki/certificates/{id}",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "certificateId"));
        SIGNET_ASSIGN_OR_RETURN(auto cert, svc.GetCertificate(c, id));
        return JsonResponse(api::EncodeCertificate(cert));
      }));
  router.Add(
      "GET", "/api/v1/pki/certificates/{id}/certificate",
      authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "certificateId"));
        SIGNET_ASSIGN_OR_RETURN(auto cert, svc.GetCertificate(c, id));
        return JsonResponse(
            CertificateBody(cert.certificate_pem, cert.certificate_chain_pem, cert.serial_number));
      }));
  router.Add(
      "POST", "/api/v1/pki/certificates/{id}/revoke",
      authed([&svc](const Request& req, const PathParams& p, const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "certificateId"));
        SIGNET_TRY(api::NoFields(req.body));
        SIGNET_ASSIGN_OR_RETURN(auto cert, svc.RevokeCertificate(c, id));
        return JsonResponse(api::EncodeCertificate(cert));
      }));

  // ---- signers (also under /api/v1/cert-manager/signers) ----
  for (const std::string base : {"/api/v1/pki/signers", "/api/v1/cert-manager/signers"}) {
    router.Add(
        "POST", base,
        authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
          Fields f(body);
          service::CreateSignerInput in;
          SIGNET_ASSIGN_OR_RETURN(in.project, f.OptString("projectId", 64));
          SIGNET_ASSIGN_OR_RETURN(in.name, f.String("name", 64));
          SIGNET_ASSIGN_OR_RETURN(auto description, f.OptString("description", 256));
          in.description = description.value_or("");
          SIGNET_ASSIGN_OR_RETURN(auto certificate_id, f.OptString("certificateId", 64));
          in.certificate_id = certificate_id.value_or("");
          // Infisical's create form: caId (+ commonName, keyAlgorithm, certificateTtlDays),
          // members, approvalPolicy.
          SIGNET_TRY(DecodeInfisicalSignerFields(f, in));
          // approvalPolicyId is Infisical's name of signingPolicyId (null: none).
          SIGNET_ASSIGN_OR_RETURN(auto policy,
                                  f.OptNullableAliased("signingPolicyId", "approvalPolicyId", 64));
          if (policy) in.signing_policy_id = *policy;
          SIGNET_TRY(f.Finish());
          SIGNET_ASSIGN_OR_RETURN(auto signer, svc.CreateSigner(c, in));
          return SignerReply(svc, std::move(signer));
        }));
    router.Add(
        "GET", base,
        authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
          SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSigners(c, QueryOpt(req, "projectId"),
                                                             QueryOpt(req, "search"), paging));
          SIGNET_ASSIGN_OR_RETURN(auto details, svc.DescribeSigners(std::move(page.items)));
          JsonArray items;
          for (const auto& d : details) items.emplace_back(api::EncodeSignerDetail(d));
          return JsonResponse(
              JsonObject{{"signers", std::move(items)}, {"totalCount", page.total_count}});
        }));
    router.Add(
        "GET", base + "/{id}",
        authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
          SIGNET_ASSIGN_OR_RETURN(auto signer, svc.GetSigner(c, id));
          return SignerReply(svc, std::move(signer));
        }));
    router.Add("PATCH", base + "/{id}",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
                 Fields f(body);
                 service::UpdateSignerInput in;
                 SIGNET_ASSIGN_OR_RETURN(in.name, f.OptString("name", 64));
                 SIGNET_ASSIGN_OR_RETURN(auto description, f.OptNullableString("description", 256));
                 if (description) in.description = description->value_or("");  // null clears
                 SIGNET_ASSIGN_OR_RETURN(auto status, f.OptString("status", 16));
                 if (status) {
                   SIGNET_ASSIGN_OR_RETURN(in.status, domain::ParseSignerStatus(*status));
                 }
                 SIGNET_ASSIGN_OR_RETURN(in.certificate_id, f.OptString("certificateId", 64));
                 // approvalPolicyId is Infisical's name of signingPolicyId; null detaches the
                 // policy.
                 SIGNET_ASSIGN_OR_RETURN(
                     in.signing_policy_id,
                     f.OptNullableAliased("signingPolicyId", "approvalPolicyId", 64));
                 for (const char* renew : {"certificateRenewBeforeDays", "renewBeforeDays"}) {
                   SIGNET_TRY(f.Refuse(renew,
                                       "Signet does not renew certificates; reissue with POST "
                                       "/api/v1/cert-manager/signers/{id}/certificate/reissue"));
                 }
                 SIGNET_TRY(f.Finish());
                 SIGNET_ASSIGN_OR_RETURN(auto signer, svc.UpdateSigner(c, id, in));
                 return SignerReply(svc, std::move(signer));
               }));
    router.Add("DELETE", base + "/{id}",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_TRY(api::NoFields(req.body));
                 SIGNET_ASSIGN_OR_RETURN(auto signer, svc.DeleteSigner(c, id));
                 return SignerReply(svc, std::move(signer));
               }));
    // Answers from the group committer once the attempt is on record (no worker waits).
    router.AddAsync(
        "POST", base + "/{id}/sign",
        AuthedAsync(svc, [&svc](const Request& req, const PathParams& p, const Caller& c,
                                Reply reply) {
          auto id = PathId(p, "id", "signerId");
          if (!id) return reply(ErrorResponse(id.error(), req));
          auto in = DecodeSignInput(req);
          if (!in) return reply(ErrorResponse(in.error(), req));
          // `req` outlives the reply (router.h), so the callback may use it.
          svc.Sign(c, *id, *in, [&req, reply = std::move(reply)](Result<service::SignResult> r) {
            if (!r) return reply(ErrorResponse(r.error(), req));
            reply(JsonResponse(JsonObject{{"signature", Base64Encode(r->signature)},
                                          {"signingAlgorithm", r->signing_algorithm},
                                          {"signerId", r->signer_id}}));
          });
        }));
    // One decision and one group-committed set of records for up to max_batch_items()
    // items; answered from the group committer like /sign.
    router.AddAsync(
        "POST", base + "/{id}/sign-batch",
        AuthedAsync(
            svc, [&svc](const Request& req, const PathParams& p, const Caller& c, Reply reply) {
              auto id = PathId(p, "id", "signerId");
              if (!id) return reply(ErrorResponse(id.error(), req));
              auto items = DecodeSignBatch(req, svc.max_batch_items());
              if (!items) return reply(ErrorResponse(items.error(), req));
              svc.SignBatch(
                  c, *id, std::move(*items),
                  [&req, reply = std::move(reply)](Result<service::SignBatchResult> r) {
                    if (!r) return reply(ErrorResponse(r.error(), req));
                    JsonArray results;
                    results.reserve(r->items.size());
                    std::size_t signed_count = 0;
                    for (std::size_t i = 0; i < r->items.size(); ++i) {
                      if (!r->items[i].error) ++signed_count;
                      results.emplace_back(EncodeBatchItem(i, r->items[i]));
                    }
                    reply(JsonResponse(JsonObject{{"signerId", r->signer_id},
                                                  {"signedCount", signed_count},
                                                  {"refusedCount", r->items.size() - signed_count},
                                                  {"results", std::move(results)}}));
                  });
            }));
    router.Add(
        "GET", base + "/{id}/public-key",
        authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
          domain::KeyAlgorithm algorithm{};
          SIGNET_ASSIGN_OR_RETURN(Bytes spki, svc.SignerPublicKey(c, id, &algorithm));
          return JsonResponse(JsonObject{{"publicKey", Base64Encode(spki)},
                                         {"algorithm", domain::KeyAlgorithmName(algorithm)}});
        }));
    router.Add(
        "GET", base + "/{id}/key-evidence",
        authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
          SIGNET_ASSIGN_OR_RETURN(service::KeyEvidence ev, svc.SignerKeyEvidence(c, id));
          return JsonResponse(EncodeKeyEvidence(ev));
        }));
    router.Add(
        "GET", base + "/{id}/certificate",
        authed([&svc](const Request&, const PathParams& p, const Caller& c) -> Result<Response> {
          SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
          std::string name;
          SIGNET_ASSIGN_OR_RETURN(auto bundle, svc.SignerCertificate(c, id, &name));
          return JsonResponse(JsonObject{{"certificatePem", bundle.certificate_pem},
                                         {"certificateChainPem", bundle.certificate_chain_pem},
                                         {"serialNumber", bundle.serial_number},
                                         {"signerName", name}});
        }));
    router.Add("GET", base + "/{id}/operations",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
                 std::optional<domain::OperationStatus> status;
                 if (auto s = QueryOpt(req, "status")) {
                   SIGNET_ASSIGN_OR_RETURN(status, domain::ParseOperationStatus(*s));
                 }
                 SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListOperations(c, id, status, paging));
                 return ListResponse("operations", page, api::EncodeOperation);
               }));
    router.Add("POST", base + "/{id}/members",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
                 SIGNET_ASSIGN_OR_RETURN(auto in, MembershipOf(Fields(body)));
                 SIGNET_ASSIGN_OR_RETURN(auto m, svc.AddSignerMember(c, id, in));
                 return JsonResponse(api::EncodeSignerMember(m));
               }));
    router.Add("GET", base + "/{id}/members",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(auto paging, PagingOf(req));
                 SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListSignerMembers(c, id, paging));
                 return ListResponse("members", page, api::EncodeSignerMember);
               }));
    router.Add("PATCH", base + "/{id}/members/{memberId}",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(std::string mid, PathId(p, "memberId", "memberId"));
                 SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
                 Fields f(body);
                 SIGNET_ASSIGN_OR_RETURN(std::string role, f.String("role", 32));
                 SIGNET_TRY(f.Finish());
                 SIGNET_ASSIGN_OR_RETURN(auto m, svc.UpdateSignerMember(c, id, mid, role));
                 return JsonResponse(api::EncodeSignerMember(m));
               }));
    router.Add("DELETE", base + "/{id}/members/{memberId}",
               authed([&svc](const Request& req, const PathParams& p,
                             const Caller& c) -> Result<Response> {
                 SIGNET_ASSIGN_OR_RETURN(std::string id, PathId(p, "id", "signerId"));
                 SIGNET_ASSIGN_OR_RETURN(std::string mid, PathId(p, "memberId", "memberId"));
                 SIGNET_TRY(api::NoFields(req.body));
                 SIGNET_ASSIGN_OR_RETURN(auto m, svc.RemoveSignerMember(c, id, mid));
                 return JsonResponse(api::EncodeSignerMember(m));
               }));
  }

  // ---- audit ----
  router.Add(
      "GET", "/api/v1/audit-logs",
      authed([&svc](const Request& req, const PathParams&, const Caller& c) -> Result<Response> {
        service::AuditQuery q;
        SIGNET_ASSIGN_OR_RETURN(q.paging, PagingOf(req));
        q.event_type = QueryOpt(req, "eventType");
        q.actor_id = QueryOpt(req, "actorId");
        if (auto s = QueryOpt(req, "since")) {
          SIGNET_ASSIGN_OR_RETURN(q.since, ParseTime(*s, "since"));
        }
        if (auto u = QueryOpt(req, "until")) {
          SIGNET_ASSIGN_OR_RETURN(q.until, ParseTime(*u, "until"));
        }
        SIGNET_ASSIGN_OR_RETURN(auto page, svc.ListAudit(c, q));
        return ListResponse("auditLogs", page, api::EncodeAuditEvent);
      }));
  auto verify_reply = [](const audit::VerifyReport& report) {
    JsonObject out{{"valid", report.valid}, {"checked", report.checked}};
    if (report.first_bad) {
      out["firstBadSeq"] = report.first_bad->seq;
      out["firstBadNodeId"] = report.first_bad->node_id;
      out["reason"] = report.first_bad->reason;
    }
    if (report.extends_checkpoint) {
      out["extendsCheckpoint"] = *report.extends_checkpoint;
      if (!report.checkpoint_problem.empty()) out["checkpointProblem"] = report.checkpoint_problem;
    }
    return JsonResponse(out);
  };
  router.Add("GET", "/api/v1/audit-logs/verify",
             authed([&svc, verify_reply](const Request&, const PathParams&,
                                         const Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(auto report, svc.VerifyAudit(c));
               return verify_reply(report);
             }));
  // Verify against a saved checkpoint: does the log still extend it?
  router.Add(
      "POST", "/api/v1/audit-logs/verify",
      authed([&svc, verify_reply](const Request& req, const PathParams&,
                                  const Caller& c) -> Result<Response> {
        SIGNET_ASSIGN_OR_RETURN(JsonObject body, api::ParseObject(req.body));
        Fields f(body);
        SIGNET_ASSIGN_OR_RETURN(auto cp, f.OptObject("checkpoint"));
        SIGNET_TRY(f.Finish());
        if (!cp)
          return InvalidArgument(
              "checkpoint is required (the object GET /api/v1/audit-logs/checkpoint returned)");
        SIGNET_ASSIGN_OR_RETURN(audit::Checkpoint checkpoint, DecodeCheckpoint(*cp));
        SIGNET_ASSIGN_OR_RETURN(auto report, svc.VerifyAudit(c, &checkpoint));
        return verify_reply(report);
      }));
  router.Add("GET", "/api/v1/audit-logs/checkpoint",
             authed([&svc](const Request&, const PathParams&, const Caller& c) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(audit::Checkpoint checkpoint, svc.AuditCheckpoint(c));
               SIGNET_ASSIGN_OR_RETURN(auto key, svc.AuditPublicKey());
               return JsonResponse(EncodeCheckpoint(checkpoint, key));
             }));
  // Public: with it anyone can check a checkpoint's signature, e.g. with openssl pkeyutl.
  router.Add("GET", "/api/v1/audit-logs/public-key",
             Open([&svc](const Request&, const PathParams&) -> Result<Response> {
               SIGNET_ASSIGN_OR_RETURN(auto key, svc.AuditPublicKey());
               return JsonResponse(JsonObject{{"algorithm", "Ed25519"},
                                              {"publicKey", Base64Encode(key.raw)},
                                              {"publicKeyPem", key.pem},
                                              {"keyId", key.key_id}});
             }));
  RegisterPolicyRoutes(router, svc);
  RegisterTsaRoutes(router, svc);
  RegisterInfisicalRoutes(router, svc);
  RegisterOidcRoutes(router, svc);
  RegisterNotificationRoutes(router, svc);
  RegisterSessionRoutes(router, svc, SessionOptions{options.tls});
  RegisterMfaRoutes(router, svc, SessionOptions{options.tls});
}

}  // namespace signet::http
