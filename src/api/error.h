#pragma once
// The error body of SPEC §3 and the one table that maps ErrorCode to HTTP status and name:
// {"statusCode":N,"error":"Name","message":"…","reqId":"…"}.

#include <string>
#include <string_view>

#include "common/result.h"

namespace signet::api {

int HttpStatus(ErrorCode code);
std::string_view ErrorName(ErrorCode code);  // "BadRequest", "NotFound", ...
// The inverse, for clients: an HTTP status and error name back to a code.
ErrorCode CodeFromHttp(int status, std::string_view error_name);

std::string ErrorBody(const Error& error, std::string_view request_id);
std::string ErrorBodyWithStatus(int status, std::string_view name, std::string_view message,
                                std::string_view request_id);

}  // namespace signet::api
