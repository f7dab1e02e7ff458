#pragma once
// Exit codes of `signet` (issue "signet: the command-line client"):
//   0 success, 1 usage or invalid input (also: a signature that does not verify),
//   2 authentication, 3 permission denied or approval required, 4 not found,
//   5 server or network failure.

#include "common/result.h"

namespace signet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitAuth = 2;
inline constexpr int kExitPermission = 3;
inline constexpr int kExitNotFound = 4;
inline constexpr int kExitServer = 5;

int ExitCodeFor(ErrorCode code);

}  // namespace signet::cli
