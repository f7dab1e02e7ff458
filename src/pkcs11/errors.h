#pragma once
// The one table from ErrorCode to CK_RV (SPEC §8) and the reporter that tells the user why a
// call failed: one line on stderr ("signet-pkcs11: approval required for signer X: ...") and,
// when configured, the same line with a time stamp appended to a log file.

#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "pkcs11/cryptoki.h"

namespace signet::pkcs11 {

// 401 -> CKR_USER_NOT_LOGGED_IN, 403 -> CKR_FUNCTION_REJECTED, 404 -> CKR_KEY_HANDLE_INVALID,
// 400 -> CKR_DATA_INVALID, 413 -> CKR_DATA_LEN_RANGE, network/5xx/429 -> CKR_DEVICE_ERROR.
CK_RV CkrFromError(ErrorCode code);

// Thread-safe; never throws (a log file that cannot be written is skipped).
class Reporter {
 public:
  explicit Reporter(std::string log_file = {}) : log_file_(std::move(log_file)) {}
  // Writes "signet-pkcs11: <message>\n" in one write(2) to stderr and to the log file.
  void Report(std::string_view message);

 private:
  std::mutex mu_;  // serializes appends to log_file_
  const std::string log_file_;
};

// The sentence for a failed server call about `signer_name` (empty: not about a signer):
// "approval required for signer X: <server message>", "permission denied for signer X: ...",
// "signer X: <server message>", "server unavailable: ...".
std::string DescribeError(const Error& error, std::string_view signer_name);

}  // namespace signet::pkcs11
