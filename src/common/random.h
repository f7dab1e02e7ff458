#pragma once
// Operating-system randomness (getrandom(2)) for ids and tokens outside crypto/.
// Thread-safe. Aborts never: a failing getrandom is retried; it only fails before the kernel's
// pool is initialised, which cannot happen after boot.

#include <cstddef>

#include "common/bytes.h"

namespace signet {

void FillRandom(std::uint8_t* out, std::size_t size);
Bytes RandomBytes(std::size_t size);

}  // namespace signet
