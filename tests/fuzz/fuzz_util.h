#pragma once
// Helpers shared by the libFuzzer targets of tests/fuzz: splitting one input into several
// fields, and a check that aborts (a crash libFuzzer records) when an invariant breaks.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace signet::fuzz {

// Aborts with `what` when `ok` is false: libFuzzer saves the input as a crash.
inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// The input as text, split at each '\0' into at most `n` parts (the last keeps the rest);
// missing parts are empty. Seeds write their fields separated by NUL bytes.
inline std::vector<std::string_view> SplitInput(const std::uint8_t* data, std::size_t size,
                                                std::size_t n) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const std::size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
  }
  parts.push_back(rest);
  parts.resize(n);
  return parts;
}

}  // namespace signet::fuzz
