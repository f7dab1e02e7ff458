#pragma once
// Slug names (SPEC §2): 1–64 characters of a-z, 0-9 and '-', no leading, trailing or
// double hyphen. Used for signer and project names.

#include <string_view>

#include "common/result.h"

namespace signet {

inline constexpr std::size_t kMaxSlugLength = 64;

// InvalidArgument naming `field` and the rule that was broken.
[[nodiscard]] Status ValidateSlug(std::string_view name, std::string_view field);

}  // namespace signet
