#pragma once
// UUIDs as used for every id in the API: random (version 4), lower-case canonical text.

#include <string>
#include <string_view>

#include "common/result.h"

namespace signet {

std::string NewUuid();  // version 4, RFC 9562 variant
bool IsUuid(std::string_view text);  // canonical 8-4-4-4-12 hex, any version, either case
// Returns the lower-cased id, or InvalidArgument naming `field`.
[[nodiscard]] Result<std::string> ParseUuid(std::string_view text, std::string_view field);

}  // namespace signet
