#pragma once
// Duration strings of the API: a positive whole number and one unit, s, m, h or d
// ("30s", "30m", "8h", "7d"). Parsing checks bounds and names them in the error.

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace signet {

// Parses `text`; the result must lie in [min, max], else InvalidArgument naming `field`
// and the bound ("maxWindowDuration is 40d; the maximum is 30d").
[[nodiscard]] Result<Millis> ParseDuration(std::string_view text, std::string_view field,
                                           Millis min, Millis max);

// The largest unit that divides evenly: 90m -> "90m", 120m -> "2h", 0 -> "0s".
std::string FormatDuration(Millis d);

}  // namespace signet
