#include "api/client_metadata.h"

namespace signet::api {

std::string FitText(std::string_view text, std::size_t max_chars) {
  std::string out;
  out.reserve(text.size() < 4 * max_chars ? text.size() : 4 * max_chars);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size() && chars < max_chars; ++chars) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80         ? 1
                            : (c >> 5) == 6  ? 2
                            : (c >> 4) == 14 ? 3
                            : (c >> 3) == 30 ? 4
                                             : 0;
    bool ok = len != 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 2;
    }
    if (!ok) {
      out.push_back('?');
      ++i;
      continue;
    }
    const bool control = len == 1 && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && c != '\r';
    if (control) {
      out.push_back('?');
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace signet::api
