#pragma once
// What every route file shares: JSON replies, the SPEC §3 error reply, authentication (bearer
// token or browser session) around a handler, path ids, query paging.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"
#include "http/router.h"
#include "service/service.h"

namespace signet::http {

Response JsonResponse(const api::JsonValue& value, int status = 200);
Response ErrorResponse(const Error& e, const Request& req);

// The token of an "Authorization: Bearer <token>" header, or empty.
std::string_view BearerToken(const Request& req);
// The token a request authenticates with: the bearer token, else the browser session cookie
// (http/browser_session.h), else empty.
std::string_view PresentedToken(const Request& req);

using AuthedFn =
    std::function<Result<Response>(const Request&, const PathParams&, const service::Caller&)>;
using OpenFn = std::function<Result<Response>(const Request&, const PathParams&)>;

using AuthedAsyncFn =
    std::function<void(const Request&, const PathParams&, const service::Caller&, Reply)>;

// A handler that needs no token; errors become SPEC §3 error replies.
Handler Open(OpenFn fn);
// A handler that authenticates the caller first: the bearer token, or the browser session
// cookie plus, on calls that change state, its CSRF header (401 / 403 otherwise).
Handler Authed(service::Service& svc, AuthedFn fn);
// The same for a handler that replies later (AsyncHandler).
AsyncHandler AuthedAsync(service::Service& svc, AuthedAsyncFn fn);

// The path parameter `name` as a UUID; 400 naming `field` otherwise.
[[nodiscard]] Result<std::string> PathId(const PathParams& params, const char* name,
                                         const char* field);
// A query parameter, absent when missing or empty.
std::optional<std::string> QueryOpt(const Request& req, const char* name);
// offset (>= 0) and limit (1–100, default 20).
[[nodiscard]] Result<service::Paging> PagingOf(const Request& req);

// {"<key>": [encode(item)...], "totalCount": N}
template <class Page, class Encode>
Response ListResponse(const char* key, const Page& page, Encode encode) {
  api::JsonArray items;
  for (const auto& item : page.items) items.emplace_back(encode(item));
  return JsonResponse(api::JsonObject{{key, std::move(items)}, {"totalCount", page.total_count}});
}

// keySource ("software" | "hsm"; the server's default when absent), or an existing HSM key
// to adopt: hsmKeyLabel (CKA_LABEL) or hsmKeyId (CKA_ID, hex).
Result<service::KeyChoice> KeyChoiceOf(const api::Fields& f);
// An imported key pair: pkcs12 (base64) with password, or certificatePem + privateKeyPem
// (+ certificateChainPem); allowSoftwareKey. Everything but the project.
Result<service::ImportCertificateInput> ImportedKeyPairOf(const api::Fields& f);

}  // namespace signet::http
