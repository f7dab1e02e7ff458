#pragma once
// Exit codes of `signet` (issue "signet: the command-line client"):
//   0 success, 1 usage or invalid input (also: a signature that does not verify),
//   2 authentication, 3 permission denied or approval required, 4 not found,
//   5 server or network failure, 6 request rejected/cancelled/expired, 7 still pending after
//   --wait.

#include "common/result.h"

namespace signet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitAuth = 2;
inline constexpr int kExitPermission = 3;
inline constexpr int kExitNotFound = 4;
inline constexpr int kExitServer = 5;
// `signet sign --request --wait`: the request was rejected, cancelled or expired (6), or was
// still pending when the wait ran out (7).
inline constexpr int kExitRequestDenied = 6;
inline constexpr int kExitWaitTimedOut = 7;

int ExitCodeFor(ErrorCode code);

}  // namespace signet::cli
