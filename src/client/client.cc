#include "client/client.h"

#include "api/client_metadata.h"
#include "api/error.h"

#include "common/encoding.h"
#include "common/uuid.h"

namespace signet::client {
namespace {

constexpr std::string_view kSigners = "/api/v1/pki/signers";
constexpr int kPageLimit = 100;
// A server that keeps answering full pages is capped here so a bug cannot loop forever.
constexpr int kMaxPages = 10'000;

Result<const api::JsonObject*> AsObject(const api::JsonValue& value, std::string_view what) {
  if (!value.is_object()) return Internal(std::string(what) + ": the reply is not a JSON object");
  return &value.as_object();
}

Result<std::string> StringField(const api::JsonObject& o, std::string_view name,
                                std::string_view what) {
  const api::JsonValue* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return Internal(std::string(what) + ": the reply lacks the string field " + std::string(name));
  }
  return std::string(v->as_string());
}

std::optional<std::string> OptStringField(const api::JsonObject& o, std::string_view name) {
  const api::JsonValue* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// Overwrites the characters of a string field that held a secret.
void WipeField(api::JsonValue& body, std::string_view name) {
  if (!body.is_object()) return;
  api::JsonValue* v = body.as_object().if_contains(name);
  if (v != nullptr && v->is_string()) SecureWipe(v->as_string().data(), v->as_string().size());
}

Result<LoginResult> DecodeLogin(api::JsonValue& reply) {
  SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(reply, "login"));
  LoginResult r;
  if (const api::JsonValue* m = o->if_contains("mfaRequired");
      m != nullptr && m->is_bool() && m->as_bool()) {
    SIGNET_ASSIGN_OR_RETURN(std::string mfa, StringField(*o, "mfaToken", "login"));
    r.mfa_token = SecretBytes::FromString(mfa);
    SecureWipe(mfa.data(), mfa.size());
    WipeField(reply, "mfaToken");
    return r;
  }
  SIGNET_ASSIGN_OR_RETURN(std::string token, StringField(*o, "accessToken", "login"));
  r.access_token = SecretBytes::FromString(token);
  SecureWipe(token.data(), token.size());
  WipeField(reply, "accessToken");
  if (const api::JsonValue* e = o->if_contains("expiresIn"); e != nullptr && e->is_number()) {
    r.expires_in = std::chrono::seconds(e->to_number<std::int64_t>());
  }
  return r;
}

}  // namespace

std::string_view HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Query(const QueryParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += PercentEncode(key);
    out += '=';
    out += PercentEncode(value);
  }
  return out;
}

Result<SignerInfo> DecodeSigner(const api::JsonValue& value) {
  SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(value, "signer"));
  SignerInfo s;
  SIGNET_ASSIGN_OR_RETURN(s.id, StringField(*o, "id", "signer"));
  SIGNET_ASSIGN_OR_RETURN(s.name, StringField(*o, "name", "signer"));
  s.project_id = OptStringField(*o, "projectId").value_or("");
  s.description = OptStringField(*o, "description").value_or("");
  s.status = OptStringField(*o, "status").value_or("");
  s.certificate_id = OptStringField(*o, "certificateId").value_or("");
  s.signing_policy_id = OptStringField(*o, "signingPolicyId");
  s.last_signed_at = OptStringField(*o, "lastSignedAt");
  return s;
}

api::JsonObject EncodeClientMetadata(const ClientMetadata& m) {
  api::JsonObject o;
  auto put = [&o](const char* key, const std::optional<std::string>& v, std::size_t max_chars) {
    if (v) o[key] = api::FitText(*v, max_chars);
  };
  put("tool", m.tool, api::kMaxMetadataTool);
  put("hostname", m.hostname, api::kMaxMetadataHostname);
  put("reportedIp", m.reported_ip, api::kMaxMetadataReportedIp);
  put("command", m.command, api::kMaxMetadataCommand);
  put("osUsername", m.os_username, api::kMaxMetadataOsUsername);
  put("signingApplicationHash", m.signing_application_hash, api::kMaxMetadataApplicationHash);
  return o;
}

Result<LoginResult> Client::LoginWithPassword(std::string_view email, const SecretBytes& password) {
  api::JsonValue body = api::JsonObject{{"email", email}, {"password", password.string_view()}};
  auto reply = Call(HttpMethod::kPost, "/api/v1/auth/login", body);
  WipeField(body, "password");
  if (!reply) return tl::unexpected(reply.error());
  SIGNET_ASSIGN_OR_RETURN(LoginResult r, DecodeLogin(*reply));
  if (r.mfa_token.empty()) SetToken(r.access_token);
  return r;
}

Result<LoginResult> Client::VerifyMfa(const SecretBytes& mfa_token, std::string_view code,
                                      bool recovery) {
  api::JsonValue body = api::JsonObject{{"mfaToken", mfa_token.string_view()},
                                        {recovery ? "recoveryCode" : "code", code}};
  auto reply = Call(HttpMethod::kPost, "/api/v1/auth/mfa/verify", body);
  WipeField(body, "mfaToken");
  if (!reply) return tl::unexpected(reply.error());
  SIGNET_ASSIGN_OR_RETURN(LoginResult r, DecodeLogin(*reply));
  SetToken(r.access_token);
  return r;
}

Result<LoginResult> Client::LoginWithClientSecret(std::string_view client_id,
                                                  const SecretBytes& client_secret) {
  api::JsonValue body =
      api::JsonObject{{"clientId", client_id}, {"clientSecret", client_secret.string_view()}};
  auto reply = Call(HttpMethod::kPost, "/api/v1/auth/universal-auth/login", body);
  WipeField(body, "clientSecret");
  if (!reply) return tl::unexpected(reply.error());
  SIGNET_ASSIGN_OR_RETURN(LoginResult r, DecodeLogin(*reply));
  SetToken(r.access_token);
  return r;
}

Result<LoginResult> Client::LoginWithOidcToken(std::string_view identity_id,
                                               const SecretBytes& jwt) {
  api::JsonValue body = api::JsonObject{{"identityId", identity_id}, {"jwt", jwt.string_view()}};
  auto reply = Call(HttpMethod::kPost, "/api/v1/auth/oidc-auth/login", body);
  WipeField(body, "jwt");
  if (!reply) return tl::unexpected(reply.error());
  SIGNET_ASSIGN_OR_RETURN(LoginResult r, DecodeLogin(*reply));
  SetToken(r.access_token);
  return r;
}

Status Client::Logout() {
  SIGNET_TRY(Call(HttpMethod::kPost, "/api/v1/auth/logout", api::JsonValue(api::JsonObject{})));
  SetToken(SecretBytes());
  return Ok();
}

Result<std::vector<SignerInfo>> Client::ListSigners(std::string_view project_id,
                                                    std::string_view search) {
  std::vector<SignerInfo> out;
  for (int page = 0; page < kMaxPages; ++page) {
    const std::string path = std::string(kSigners) + Query({{"projectId", std::string(project_id)},
                                                            {"search", std::string(search)},
                                                            {"offset", std::to_string(out.size())},
                                                            {"limit", std::to_string(kPageLimit)}});
    SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, Call(HttpMethod::kGet, path));
    SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(reply, "signers"));
    const api::JsonValue* items = o->if_contains("signers");
    if (items == nullptr || !items->is_array()) {
      return Internal("signers: the reply lacks the array field signers");
    }
    for (const auto& item : items->as_array()) {
      SIGNET_ASSIGN_OR_RETURN(SignerInfo s, DecodeSigner(item));
      out.push_back(std::move(s));
    }
    std::int64_t total = 0;
    if (const api::JsonValue* t = o->if_contains("totalCount"); t != nullptr && t->is_number()) {
      total = t->to_number<std::int64_t>();
    }
    if (items->as_array().empty() || static_cast<std::int64_t>(out.size()) >= total) break;
  }
  return out;
}

Result<SignerInfo> Client::GetSigner(std::string_view signer_id) {
  SIGNET_ASSIGN_OR_RETURN(
      api::JsonValue reply,
      Call(HttpMethod::kGet, std::string(kSigners) + "/" + PercentEncode(signer_id)));
  return DecodeSigner(reply);
}

Result<SignerInfo> Client::ResolveSigner(std::string_view name_or_id, std::string_view project_id) {
  if (name_or_id.empty()) return InvalidArgument("signer name or id is empty");
  if (IsUuid(name_or_id)) return GetSigner(name_or_id);
  SIGNET_ASSIGN_OR_RETURN(auto signers, ListSigners(project_id, name_or_id));
  std::optional<SignerInfo> found;
  int matches = 0;
  for (auto& s : signers) {
    if (s.name == name_or_id) {
      ++matches;
      found = std::move(s);
    }
  }
  if (matches == 0) return NotFound("no signer named '" + std::string(name_or_id) + "'");
  if (matches > 1) {
    return InvalidArgument(std::to_string(matches) + " signers are named '" +
                           std::string(name_or_id) + "'; use the signer's id");
  }
  return std::move(*found);
}

Result<SignerCertificate> Client::GetSignerCertificate(std::string_view signer_id) {
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          Call(HttpMethod::kGet, std::string(kSigners) + "/" +
                                                     PercentEncode(signer_id) + "/certificate"));
  SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(reply, "signer certificate"));
  SignerCertificate c;
  SIGNET_ASSIGN_OR_RETURN(c.certificate_pem,
                          StringField(*o, "certificatePem", "signer certificate"));
  c.certificate_chain_pem = OptStringField(*o, "certificateChainPem").value_or("");
  c.serial_number = OptStringField(*o, "serialNumber").value_or("");
  c.signer_name = OptStringField(*o, "signerName").value_or("");
  return c;
}

Result<SignerPublicKey> Client::GetSignerPublicKey(std::string_view signer_id) {
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          Call(HttpMethod::kGet, std::string(kSigners) + "/" +
                                                     PercentEncode(signer_id) + "/public-key"));
  SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(reply, "signer public key"));
  SIGNET_ASSIGN_OR_RETURN(std::string b64, StringField(*o, "publicKey", "signer public key"));
  SignerPublicKey k;
  auto der = Base64Decode(b64);
  if (!der) return Internal("signer public key: publicKey is not base64: " + der.error().message);
  k.spki_der = std::move(*der);
  k.algorithm = OptStringField(*o, "algorithm").value_or("");
  return k;
}

Result<SignResult> Client::SignDigest(std::string_view signer_id,
                                      std::string_view signing_algorithm, ByteView digest,
                                      const ClientMetadata& metadata) {
  return Sign(signer_id, signing_algorithm, digest, true, metadata);
}

Result<SignResult> Client::Sign(std::string_view signer_id, std::string_view signing_algorithm,
                                ByteView data, bool is_digest, const ClientMetadata& metadata) {
  api::JsonObject body{{"data", Base64Encode(data)},
                       {"signingAlgorithm", signing_algorithm},
                       {"isDigest", is_digest}};
  api::JsonObject meta = EncodeClientMetadata(metadata);
  if (!meta.empty()) body["clientMetadata"] = std::move(meta);
  SIGNET_ASSIGN_OR_RETURN(
      api::JsonValue reply,
      Call(HttpMethod::kPost, std::string(kSigners) + "/" + PercentEncode(signer_id) + "/sign",
           api::JsonValue(std::move(body))));
  SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(reply, "sign"));
  SIGNET_ASSIGN_OR_RETURN(std::string sig_b64, StringField(*o, "signature", "sign"));
  SignResult r;
  auto sig = Base64Decode(sig_b64);
  if (!sig) return Internal("sign: signature is not base64: " + sig.error().message);
  r.signature = std::move(*sig);
  r.signing_algorithm =
      OptStringField(*o, "signingAlgorithm").value_or(std::string(signing_algorithm));
  r.signer_id = OptStringField(*o, "signerId").value_or(std::string(signer_id));
  r.raw = *o;
  return r;
}

Result<std::vector<BatchItemResult>> Client::SignDigestBatch(std::string_view signer_id,
                                                             std::string_view signing_algorithm,
                                                             const std::vector<Bytes>& digests,
                                                             const ClientMetadata& metadata) {
  api::JsonObject meta = EncodeClientMetadata(metadata);
  api::JsonArray items;
  items.reserve(digests.size());
  for (const Bytes& digest : digests) {
    api::JsonObject item{{"data", Base64Encode(digest)}, {"isDigest", true}};
    if (!meta.empty()) item["clientMetadata"] = meta;
    items.emplace_back(std::move(item));
  }
  api::JsonObject body{{"signingAlgorithm", signing_algorithm}, {"items", std::move(items)}};
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, Call(HttpMethod::kPost,
                                                     std::string(kSigners) + "/" +
                                                         PercentEncode(signer_id) + "/sign-batch",
                                                     api::JsonValue(std::move(body))));
  SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* o, AsObject(reply, "sign-batch"));
  const auto* results = o->if_contains("results");
  if (results == nullptr || !results->is_array() || results->as_array().size() != digests.size()) {
    return Internal("sign-batch: the reply has no results array of " +
                    std::to_string(digests.size()) + " entries");
  }
  const std::string returned_signer =
      OptStringField(*o, "signerId").value_or(std::string(signer_id));
  std::vector<BatchItemResult> out(digests.size());
  for (std::size_t i = 0; i < digests.size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(const api::JsonObject* r,
                            AsObject(results->as_array()[i], "sign-batch result"));
    out[i].operation_id = OptStringField(*r, "operationId").value_or("");
    if (const auto* err = r->if_contains("error"); err != nullptr && err->is_object()) {
      const auto& e = err->as_object();
      const auto* status = e.if_contains("statusCode");
      const int code =
          status != nullptr && status->is_int64() ? static_cast<int>(status->as_int64()) : 500;
      out[i].result = MakeError(api::CodeFromHttp(code, OptStringField(e, "error").value_or("")),
                                OptStringField(e, "message").value_or("refused"));
      continue;
    }
    SIGNET_ASSIGN_OR_RETURN(std::string sig_b64, StringField(*r, "signature", "sign-batch result"));
    auto sig = Base64Decode(sig_b64);
    if (!sig) return Internal("sign-batch: signature is not base64: " + sig.error().message);
    SignResult s;
    s.signature = std::move(*sig);
    s.signing_algorithm =
        OptStringField(*r, "signingAlgorithm").value_or(std::string(signing_algorithm));
    s.signer_id = returned_signer;
    s.raw = *r;
    out[i].result = std::move(s);
  }
  return out;
}

}  // namespace signet::client
