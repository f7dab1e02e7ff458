// A target with a planted bug, for scripts/check-gates.sh only: it shows that a sanitizer
// report under libFuzzer fails scripts/fuzz.sh (and so CI's fuzz step). Its name does not end
// in _fuzz.cc, so `make fuzz` and CI's fuzz step never pick it up.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* /*data*/, std::size_t size) {
  auto* copy = new std::uint8_t[size + 1]{};
  // One past the end of the allocation: AddressSanitizer reports a heap-buffer-overflow.
  volatile std::uint8_t past_end = copy[size + 1];
  delete[] copy;
  (void)past_end;
  return 0;
}
