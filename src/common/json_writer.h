#pragma once
// A minimal writer of flat JSON objects, for audit details and client metadata built outside
// api/ (which owns the full JSON library). Strings are escaped per RFC 8259.

#include <cstdint>
#include <string>
#include <string_view>

namespace signet {

class JsonWriter {
 public:
  JsonWriter& Add(std::string_view key, std::string_view value);
  JsonWriter& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  JsonWriter& Add(std::string_view key, std::int64_t value);
  JsonWriter& Add(std::string_view key, bool value);
  JsonWriter& AddRaw(std::string_view key, std::string_view json);  // value already JSON
  std::string Finish() const { return body_.empty() ? "{}" : "{" + body_ + "}"; }

  static std::string Quote(std::string_view s);

 private:
  void Key(std::string_view key);
  std::string body_;
};

}  // namespace signet
