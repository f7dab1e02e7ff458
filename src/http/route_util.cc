#include "http/route_util.h"

#include "api/error.h"
#include "common/encoding.h"
#include "common/uuid.h"
#include "http/browser_session.h"

namespace signet::http {

Response JsonResponse(const api::JsonValue& value, int status) {
  Response r;
  r.status = status;
  r.body = api::Serialize(value);
  return r;
}

Response ErrorResponse(const Error& e, const Request& req) {
  Response r;
  r.status = api::HttpStatus(e.code);
  r.body = api::ErrorBody(e, req.request_id);
  if (e.code == ErrorCode::kResourceExhausted && e.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  }
  return r;
}

std::string_view BearerToken(const Request& req) {
  const std::string_view h = req.Header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() > kPrefix.size() && (h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer ")) {
    return h.substr(kPrefix.size());
  }
  return {};
}

std::string_view PresentedToken(const Request& req) {
  const std::string_view bearer = BearerToken(req);
  return bearer.empty() ? SessionCookie(req) : bearer;
}

Handler Open(OpenFn fn) {
  return [fn = std::move(fn)](const Request& req, const PathParams& params) {
    auto r = fn(req, params);
    return r ? std::move(*r) : ErrorResponse(r.error(), req);
  };
}

namespace {

// The caller of a request from its bearer token, or else from the browser session cookie
// (401 otherwise). A browser sends its cookie with every request to this site, forged ones
// too, so a call that changes state with the cookie must also prove that the console made it
// (CSRF header, auth/browser_session.h); the bearer path is untouched.
Result<service::Caller> CallerOf(service::Service& svc, const Request& req) {
  std::string_view token = BearerToken(req);
  if (token.empty()) {
    token = SessionCookie(req);
    if (!token.empty() && ChangesState(req.method)) SIGNET_TRY(CheckCsrf(req, token));
  }
  SIGNET_ASSIGN_OR_RETURN(auto principal, svc.Authenticate(token));
  SIGNET_TRY(svc.CheckMfaGate(principal, req.path));
  return service::Caller{std::move(principal), req.remote_ip, req.request_id};
}

std::string CallerLabel(const service::Caller& caller) {
  return std::string(caller.principal.is_machine() ? "identity:" : "user:") + caller.principal.id;
}

}  // namespace

Handler Authed(service::Service& svc, AuthedFn fn) {
  return [&svc, fn = std::move(fn)](const Request& req, const PathParams& params) {
    auto caller = CallerOf(svc, req);
    if (!caller) return ErrorResponse(caller.error(), req);
    auto r = fn(req, params, *caller);
    Response response = r ? std::move(*r) : ErrorResponse(r.error(), req);
    response.caller = CallerLabel(*caller);
    return response;
  };
}

AsyncHandler AuthedAsync(service::Service& svc, AuthedAsyncFn fn) {
  return [&svc, fn = std::move(fn)](const Request& req, const PathParams& params, Reply reply) {
    auto caller = CallerOf(svc, req);
    if (!caller) return reply(ErrorResponse(caller.error(), req));
    fn(req, params, *caller,
       [reply = std::move(reply), who = CallerLabel(*caller)](Response response) {
         response.caller = who;
         reply(std::move(response));
       });
  };
}

Result<std::string> PathId(const PathParams& params, const char* name, const char* field) {
  return ParseUuid(params.at(name), field);
}

std::optional<std::string> QueryOpt(const Request& req, const char* name) {
  const std::string* v = req.Query(name);
  if (v == nullptr || v->empty()) return std::nullopt;
  return *v;
}

Result<service::Paging> PagingOf(const Request& req) {
  service::Paging p;
  auto read = [&](const char* name, std::int64_t min, std::int64_t max,
                  std::int64_t& out) -> Status {
    const std::string* v = req.Query(name);
    if (v == nullptr) return Ok();
    if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgument(std::string(name) + " must be a whole number");
    }
    const std::int64_t n = std::stoll(*v);
    if (n < min || n > max) {
      return InvalidArgument(std::string(name) + " is " + *v + "; it must be " +
                             std::to_string(min) + " to " + std::to_string(max));
    }
    out = n;
    return Ok();
  };
  SIGNET_TRY(read("offset", 0, 1'000'000'000, p.offset));
  SIGNET_TRY(read("limit", 1, 100, p.limit));
  return p;
}

// keySource ("software" | "hsm"; the server's default when absent), or an existing HSM key
// to adopt: hsmKeyLabel (CKA_LABEL) or hsmKeyId (CKA_ID, hex).
Result<service::KeyChoice> KeyChoiceOf(const api::Fields& f) {
  service::KeyChoice k;
  SIGNET_ASSIGN_OR_RETURN(auto source, f.OptString("keySource", 16));
  if (source) {
    SIGNET_ASSIGN_OR_RETURN(k.source, domain::ParseKeySourceType(*source));
  }
  SIGNET_ASSIGN_OR_RETURN(k.hsm_key_label, f.OptString("hsmKeyLabel", 128));
  SIGNET_ASSIGN_OR_RETURN(auto id, f.OptString("hsmKeyId", 256));
  if (id) {
    auto bytes = HexDecode(*id);
    if (!bytes || bytes->empty()) {
      return InvalidArgument("hsmKeyId must be the key object's CKA_ID in hex, e.g. \"a1b2\"");
    }
    k.hsm_key_id = std::move(*bytes);
  }
  if (k.hsm_key_label && k.hsm_key_id) {
    return InvalidArgument("give hsmKeyLabel or hsmKeyId, not both");
  }
  return k;
}

// The key pair of an import: pkcs12 (base64) with its password, or certificatePem with
// privateKeyPem and an optional certificateChainPem; and allowSoftwareKey.
Result<service::ImportCertificateInput> ImportedKeyPairOf(const api::Fields& f) {
  constexpr std::size_t kMaxPem = 64 * 1024;
  service::ImportCertificateInput in;
  SIGNET_ASSIGN_OR_RETURN(auto p12, f.OptString("pkcs12", kMaxPem));
  if (p12) {
    for (const char* pem_field : {"certificatePem", "privateKeyPem", "certificateChainPem"}) {
      if (f.Has(pem_field)) {
        return InvalidArgument(
            std::string("give either pkcs12 (with password) or certificatePem with "
                        "privateKeyPem, not both: the body has pkcs12 and ") +
            pem_field);
      }
    }
    auto der = Base64Decode(*p12);
    if (!der) return InvalidArgument("pkcs12 must be base64: " + der.error().message);
    in.pkcs12 = std::move(*der);
    SIGNET_ASSIGN_OR_RETURN(auto password, f.OptString("password", 256));
    in.pkcs12_password = SecretBytes::FromString(password.value_or(""));
  } else {
    if (f.Has("password")) {
      return InvalidArgument(
          "password belongs to a pkcs12 import; a PEM key must not be encrypted");
    }
    SIGNET_ASSIGN_OR_RETURN(in.certificate_pem, f.String("certificatePem", kMaxPem));
    SIGNET_ASSIGN_OR_RETURN(std::string key, f.String("privateKeyPem", kMaxPem));
    in.private_key_pem = SecretBytes::FromString(key);
    SIGNET_ASSIGN_OR_RETURN(auto chain, f.OptString("certificateChainPem", kMaxPem));
    in.certificate_chain_pem = chain.value_or("");
  }
  SIGNET_ASSIGN_OR_RETURN(auto allow, f.OptBool("allowSoftwareKey"));
  in.allow_software_key = allow.value_or(false);
  return in;
}

}  // namespace signet::http
