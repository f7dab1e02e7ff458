#pragma once
// UUIDs as used for every id in the API, lower-case canonical text: random (version 4) for
// entities, time-ordered (version 7) for high-volume append-only rows (signing operations),
// whose index inserts then land on the B-tree's last pages instead of a random page each.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace signet {

std::string NewUuid();  // version 4, RFC 9562 variant
// Version 7 (RFC 9562): 48-bit Unix time in milliseconds, then 74 random bits. Ids made in
// different milliseconds sort by time; within a millisecond their order is random.
std::string NewTimeOrderedUuid();
std::string NewTimeOrderedUuid(std::int64_t unix_ms);
bool IsUuid(std::string_view text);  // canonical 8-4-4-4-12 hex, any version, either case
// Returns the lower-cased id, or InvalidArgument naming `field`.
[[nodiscard]] Result<std::string> ParseUuid(std::string_view text, std::string_view field);

}  // namespace signet
