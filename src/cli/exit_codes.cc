#include "cli/exit_codes.h"

namespace signet::cli {

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnauthenticated:
      return kExitAuth;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kApprovalRequired:
      return kExitPermission;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kResourceExhausted:
      return kExitServer;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kPayloadTooLarge:
      return kExitUsage;
  }
  return kExitServer;
}

}  // namespace signet::cli
