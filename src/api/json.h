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

// Reads the fields of one JSON object strictly (SPEC §10 "Input"): each accessor checks type
// and range and names the field in its error ("name must be a string", "description is 300
// characters; the maximum is 256"), and remembers that the field was read. Finish() then
// refuses every field of the object that no accessor read: "unknown field 'approvalPolicyID'
// (did you mean 'approvalPolicyId'?)". So a decoder is: read every field the schema has,
// refuse the ones Signet knows but does not support (Refuse), and end with Finish(); a field
// the decoder does not read is never dropped silently.
//
// null counts as absent for the Opt* accessors (and is "required" for the required ones);
// a decoder that gives null a meaning (PATCH: clear) asks IsNull() first.
//
// Nested objects get their own Fields (Nested/OptNested, or Fields(element, "steps[0].")
// for array elements), with the path as prefix of every name in messages, and their own
// Finish(). A Fields refers to `object`, which must outlive it. Not thread-safe.
class Fields {
 public:
  explicit Fields(const JsonObject& object, std::string prefix = {})
      : object_(&object), prefix_(std::move(prefix)) {}

  bool Has(std::string_view name) const;     // present and not null; does not count as a read
  bool IsNull(std::string_view name) const;  // present with the value null; counts as a read

  Result<std::string> String(std::string_view name, std::size_t max_len) const;
  Result<std::optional<std::string>> OptString(std::string_view name, std::size_t max_len) const;
  // For PATCH fields where null clears: absent → nullopt; null → an empty optional inside;
  // a string → the string.
  Result<std::optional<std::optional<std::string>>> OptNullableString(std::string_view name,
                                                                      std::size_t max_len) const;
  // A field with two names (Signet's and Infisical's, e.g. signingPolicyId/approvalPolicyId),
  // read like OptNullableString: given under both names, the values must be equal.
  Result<std::optional<std::optional<std::string>>> OptNullableAliased(std::string_view name,
                                                                       std::string_view alias,
                                                                       std::size_t max_len) const;
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
  // The nested object `name` read strictly in turn (its names prefixed with "name.").
  Result<std::optional<Fields>> OptNested(std::string_view name) const;

  // InvalidArgument "'name' is not supported; <what to do instead>" when the field is present
  // (even as null): for fields of Infisical's API that Signet does not (yet) implement.
  [[nodiscard]] Status Refuse(std::string_view name, std::string_view instead) const;

  // InvalidArgument naming the first field of the object (in the order sent) that no accessor
  // read: "unknown field 'x'", with a hint when it differs from a read field only in case.
  [[nodiscard]] Status Finish() const;

  std::string Name(std::string_view name) const { return prefix_ + std::string(name); }

 private:
  const JsonValue* Get(std::string_view name) const;  // marks the field as read
  void Mark(std::string_view name) const;
  Error MissingError(std::string_view name) const;  // "x is required", with a case hint
  tl::unexpected<Error> Missing(std::string_view name) const {
    return tl::unexpected<Error>(MissingError(name));
  }
  const JsonObject* object_;
  std::string prefix_;
  mutable std::vector<std::string> read_;  // names read so far
};

// The body of a route that takes no fields: empty, {} or malformed (400) — any field is
// "unknown field 'x'".
[[nodiscard]] Status NoFields(std::string_view body);

// Checks a string's length in characters of UTF-8 (not bytes) and that it is valid UTF-8.
[[nodiscard]] Status CheckText(std::string_view value, std::string_view field, std::size_t max_len);

}  // namespace signet::api
