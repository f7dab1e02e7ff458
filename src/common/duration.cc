#include "common/duration.h"

#include <cctype>

namespace signet {

Result<Millis> ParseDuration(std::string_view text, std::string_view field, Millis min,
                             Millis max) {
  const std::string name(field);
  auto bad = [&] {
    return InvalidArgument(name + " must be a duration such as 30s, 30m, 8h or 7d");
  };
  if (text.size() < 2 || text.size() > 12) return bad();
  long long n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad();
    n = n * 10 + (text[i] - '0');
  }
  long long unit_ms = 0;
  switch (text.back()) {
    case 's':
      unit_ms = 1000;
      break;
    case 'm':
      unit_ms = 60'000;
      break;
    case 'h':
      unit_ms = 3'600'000;
      break;
    case 'd':
      unit_ms = 86'400'000;
      break;
    default:
      return bad();
  }
  const Millis value(n * unit_ms);
  if (value < min) {
    return InvalidArgument(name + " is " + std::string(text) + "; the minimum is " +
                           FormatDuration(min));
  }
  if (value > max) {
    return InvalidArgument(name + " is " + std::string(text) + "; the maximum is " +
                           FormatDuration(max));
  }
  return value;
}

std::string FormatDuration(Millis d) {
  const long long ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  return std::to_string((ms + 999) / 1000) + "s";
}

}  // namespace signet
