#pragma once
// Strict JSON decoding for request bodies and query strings: every accessor names the field
// in its error ("name must be a string", "description is 300 characters; the maximum is 256"),
// so handlers turn bad input into a 400 without writing messages by hand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/result.h"

namespace signet::api {

using JsonValue = boost::json::value;
using JsonObject = boost::json::object;
using JsonArray = boost::json::array;

// Parses a request body that must be one JSON object (an empty body counts as {}).
[[nodiscard]] Result<JsonObject> ParseObject(std::string_view body);
[[nodiscard]] Result<JsonValue> ParseJson(std::string_view text);
std::string Serialize(const JsonValue& value);

// Reads fields of one object. Unknown fields are ignored (the API follows Infisical's, whose
// clients send extra fields); known fields are type- and range-checked.
class Fields {
 public:
  explicit Fields(const JsonObject& object, std::string prefix = {})
      : object_(object), prefix_(std::move(prefix)) {}

  bool Has(std::string_view name) const;  // present and not null

  Result<std::string> String(std::string_view name, std::size_t max_len) const;
  Result<std::optional<std::string>> OptString(std::string_view name, std::size_t max_len) const;
  Result<bool> Bool(std::string_view name, bool default_value) const;
  Result<std::optional<bool>> OptBool(std::string_view name) const;
  Result<std::int64_t> Int(std::string_view name, std::int64_t min, std::int64_t max) const;
  Result<std::optional<std::int64_t>> OptInt(std::string_view name, std::int64_t min,
                                             std::int64_t max) const;
  Result<std::optional<std::vector<std::string>>> OptStringArray(std::string_view name,
                                                                 std::size_t max_items,
                                                                 std::size_t max_len) const;
  Result<std::optional<JsonObject>> OptObject(std::string_view name) const;
  Result<std::optional<JsonArray>> OptArray(std::string_view name) const;

  std::string Name(std::string_view name) const { return prefix_ + std::string(name); }

 private:
  const JsonValue* Get(std::string_view name) const;
  const JsonObject& object_;
  std::string prefix_;
};

// Checks a string's length in characters of UTF-8 (not bytes) and that it is valid UTF-8.
[[nodiscard]] Status CheckText(std::string_view value, std::string_view field, std::size_t max_len);

}  // namespace signet::api
