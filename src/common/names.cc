#include "common/names.h"

#include <string>

namespace signet {

Status ValidateSlug(std::string_view name, std::string_view field) {
  const std::string f(field);
  if (name.empty()) return InvalidArgument(f + " must not be empty");
  if (name.size() > kMaxSlugLength) {
    return InvalidArgument(f + " is " + std::to_string(name.size()) +
                           " characters; the maximum is 64");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return InvalidArgument(f + " may contain only lower-case letters, digits and hyphens");
    }
  }
  if (name.front() == '-' || name.back() == '-') {
    return InvalidArgument(f + " must not start or end with a hyphen");
  }
  if (name.find("--") != std::string_view::npos) {
    return InvalidArgument(f + " must not contain two hyphens in a row");
  }
  return Ok();
}

}  // namespace signet
