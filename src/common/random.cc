#include "common/random.h"

#include <sys/random.h>

namespace signet {

void FillRandom(std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = getrandom(out + done, size - done, 0);
    if (n < 0) continue;  // EINTR; without GRND_NONBLOCK nothing else is transient or expected.
    done += static_cast<std::size_t>(n);
  }
}

Bytes RandomBytes(std::size_t size) {
  Bytes out(size);
  FillRandom(out.data(), out.size());
  return out;
}

}  // namespace signet
