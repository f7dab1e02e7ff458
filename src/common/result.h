#pragma once
// Errors are values: every fallible call returns Result<T>. Error carries a code (mapped to an
// HTTP status by api/, to a CKR_* by pkcs11/) and a message that names the value and the limit.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace signet {

enum class ErrorCode {
  kInvalidArgument,     // 400: the caller sent something wrong.
  kUnauthenticated,     // 401: no or bad credentials.
  kPermissionDenied,    // 403: authenticated, but not allowed.
  kApprovalRequired,    // 403: a signing policy demands an approved grant first.
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 409/400: the state of the system forbids the call.
  kPayloadTooLarge,     // 413
  kResourceExhausted,   // 429
  kUnavailable,         // 503: a dependency (database, network) is down; retry later.
  kInternal,            // 500: a bug or an unexpected library failure.
};

// Stable lower-case name of a code, for logs and tests ("invalid_argument", ...).
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // For kResourceExhausted: when the caller may try again (HTTP Retry-After); 0 when unknown.
  std::int64_t retry_after_seconds = 0;

  // Prepends context: Error{kNotFound, "no row"}.Wrap("signer") -> "signer: no row".
  [[nodiscard]] Error Wrap(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message, retry_after_seconds};
  }
};

template <class T>
using Result = tl::expected<T, Error>;

// Returned by functions that have nothing to return but can fail.
using Status = Result<void>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}
inline tl::unexpected<Error> InvalidArgument(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}
inline tl::unexpected<Error> NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}
inline tl::unexpected<Error> AlreadyExists(std::string message) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message));
}
inline tl::unexpected<Error> PermissionDenied(std::string message) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(message));
}
inline tl::unexpected<Error> Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}
inline tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}
inline tl::unexpected<Error> Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}
inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}
// 429 RateLimited: the caller must wait `retry_after_seconds` (at least 1) before retrying.
inline tl::unexpected<Error> RateLimited(std::string message, std::int64_t retry_after_seconds) {
  return tl::unexpected<Error>(Error{ErrorCode::kResourceExhausted, std::move(message),
                                     retry_after_seconds < 1 ? 1 : retry_after_seconds});
}
inline Status Ok() { return {}; }

}  // namespace signet

#define SIGNET_CONCAT_INNER_(a, b) a##b
#define SIGNET_CONCAT_(a, b) SIGNET_CONCAT_INNER_(a, b)

// SIGNET_TRY(expr): evaluates a Result<void>-like expression and returns its error. The
// temporary's name is unique per use, so a SIGNET_TRY inside a lambda passed to another does
// not shadow the outer one.
#define SIGNET_TRY(expr) SIGNET_TRY_IMPL_(SIGNET_CONCAT_(signet_try_result_, __COUNTER__), expr)
#define SIGNET_TRY_IMPL_(tmp, expr)                  \
  do {                                               \
    auto tmp = (expr);                               \
    if (!tmp) {                                      \
      return tl::unexpected(std::move(tmp).error()); \
    }                                                \
  } while (false)

// SIGNET_ASSIGN_OR_RETURN(auto x, expr): binds the value of a Result or returns its error.
#define SIGNET_ASSIGN_OR_RETURN(lhs, expr) \
  SIGNET_ASSIGN_OR_RETURN_IMPL_(SIGNET_CONCAT_(signet_result_, __LINE__), lhs, expr)
#define SIGNET_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)      \
  auto tmp = (expr);                                       \
  if (!tmp) return tl::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
