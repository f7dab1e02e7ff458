#include "pkcs11/errors.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

namespace signet::pkcs11 {

CK_RV CkrFromError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnauthenticated:
      return CKR_USER_NOT_LOGGED_IN;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kApprovalRequired:
      return CKR_FUNCTION_REJECTED;
    case ErrorCode::kNotFound:
      return CKR_KEY_HANDLE_INVALID;
    case ErrorCode::kInvalidArgument:
      return CKR_DATA_INVALID;
    case ErrorCode::kPayloadTooLarge:
      return CKR_DATA_LEN_RANGE;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return CKR_FUNCTION_FAILED;
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
      return CKR_DEVICE_ERROR;
  }
  return CKR_GENERAL_ERROR;
}

std::string DescribeError(const Error& error, std::string_view signer_name) {
  const std::string who =
      signer_name.empty() ? std::string() : "signer " + std::string(signer_name);
  switch (error.code) {
    case ErrorCode::kApprovalRequired:
      return "approval required for " + (who.empty() ? std::string("this signer") : who) + ": " +
             error.message;
    case ErrorCode::kPermissionDenied:
      return "permission denied" + (who.empty() ? std::string() : " for " + who) + ": " +
             error.message;
    case ErrorCode::kUnauthenticated:
      return "not logged in (the server refused the credentials or token): " + error.message;
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kResourceExhausted:
      return "server error" + (who.empty() ? std::string() : " for " + who) + ": " + error.message;
    default:
      return (who.empty() ? std::string("request failed") : who) + ": " + error.message;
  }
}

void Reporter::Report(std::string_view message) {
  std::string line = "signet-pkcs11: ";
  line += message;
  line += '\n';
  // One write so lines from several threads do not interleave; a failure has nowhere to go.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  if (log_file_.empty()) return;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
  const std::string entry = std::string(stamp) + std::to_string(::getpid()) + " " + line;
  std::lock_guard lock(mu_);
  const int fd = ::open(log_file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  (void)!::write(fd, entry.data(), entry.size());
  ::close(fd);
}

}  // namespace signet::pkcs11
