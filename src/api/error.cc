#include "api/error.h"

#include <boost/json.hpp>

namespace signet::api {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kApprovalRequired:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ErrorName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "BadRequest";
    case ErrorCode::kUnauthenticated:
      return "Unauthorized";
    case ErrorCode::kPermissionDenied:
      return "PermissionDenied";
    case ErrorCode::kApprovalRequired:
      return "ApprovalRequired";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return "Conflict";
    case ErrorCode::kPayloadTooLarge:
      return "PayloadTooLarge";
    case ErrorCode::kResourceExhausted:
      return "RateLimited";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailable";
    case ErrorCode::kInternal:
      return "InternalServerError";
  }
  return "InternalServerError";
}

ErrorCode CodeFromHttp(int status, std::string_view name) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return name == "ApprovalRequired" ? ErrorCode::kApprovalRequired
                                        : ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kAlreadyExists;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 502:
    case 503:
    case 504:
      return ErrorCode::kUnavailable;
    default:
      return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
  }
}

std::string ErrorBodyWithStatus(int status, std::string_view name, std::string_view message,
                                std::string_view request_id) {
  boost::json::object o;
  o["statusCode"] = status;
  o["error"] = name;
  o["message"] = message;
  o["reqId"] = request_id;
  return boost::json::serialize(o);
}

std::string ErrorBody(const Error& error, std::string_view request_id) {
  return ErrorBodyWithStatus(HttpStatus(error.code), ErrorName(error.code), error.message,
                             request_id);
}

}  // namespace signet::api
