// Duration strings of the API (common/duration.h): ParseDuration never crashes or overflows,
// honours its bounds, and what FormatDuration writes parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/duration.h"
#include "fuzz_util.h"

using signet::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using signet::Millis;
  const Millis min(1000);
  const Millis max = std::chrono::duration_cast<Millis>(std::chrono::hours(24 * 365));
  auto d = signet::ParseDuration(text, "maxWindowDuration", min, max);
  if (d) {
    Check(*d >= min && *d <= max, "ParseDuration stays within [min, max]");
    auto again = signet::ParseDuration(signet::FormatDuration(*d), "x", min, max);
    Check(again && *again == *d, "ParseDuration(FormatDuration(d)) == d");
  } else {
    Check(d.error().message.find("maxWindowDuration") != std::string::npos,
          "a refusal names the field");
  }
  // The widest bounds the type allows.
  (void)signet::ParseDuration(text, "ttl", Millis(0), Millis::max());
  return 0;
}
