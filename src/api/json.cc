#include "api/json.h"

#include <cmath>

// The one translation unit that compiles Boost.JSON's implementation.
#include <boost/json/src.hpp>

namespace signet::api {

Result<JsonValue> ParseJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 32;
  JsonValue v = boost::json::parse(text, ec, {}, options);
  if (ec) return InvalidArgument("malformed JSON: " + ec.message());
  return v;
}

Result<JsonObject> ParseObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return JsonObject{};
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(body));
  if (!v.is_object()) return InvalidArgument("request body must be a JSON object");
  return std::move(v.as_object());
}

std::string Serialize(const JsonValue& value) { return boost::json::serialize(value); }

Status CheckText(std::string_view value, std::string_view field, std::size_t max_len) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > value.size()) {
      return InvalidArgument(std::string(field) + " is not valid UTF-8");
    }
    for (std::size_t j = 1; j < len; ++j) {
      if ((static_cast<unsigned char>(value[i + j]) >> 6) != 2) {
        return InvalidArgument(std::string(field) + " is not valid UTF-8");
      }
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return InvalidArgument(std::string(field) + " contains a control character");
    }
    i += len;
    ++chars;
  }
  if (chars > max_len) {
    return InvalidArgument(std::string(field) + " is " + std::to_string(chars) +
                           " characters; the maximum is " + std::to_string(max_len));
  }
  return Ok();
}

void Fields::Mark(std::string_view name) const {
  for (const auto& r : read_) {
    if (r == name) return;
  }
  read_.emplace_back(name);
}

const JsonValue* Fields::Get(std::string_view name) const {
  Mark(name);
  const JsonValue* v = object_->if_contains(name);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

bool Fields::Has(std::string_view name) const {
  const JsonValue* v = object_->if_contains(name);
  return v != nullptr && !v->is_null();
}

bool Fields::IsNull(std::string_view name) const {
  Mark(name);
  const JsonValue* v = object_->if_contains(name);
  return v != nullptr && v->is_null();
}

Status Fields::Refuse(std::string_view name, std::string_view instead) const {
  Mark(name);
  if (object_->if_contains(name) == nullptr) return Ok();
  return InvalidArgument("'" + Name(name) + "' is not supported; " + std::string(instead));
}

namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

Status Fields::Finish() const {
  for (const auto& [key, value] : *object_) {
    const std::string_view name(key.data(), key.size());
    bool read = false;
    for (const auto& r : read_) read = read || r == name;
    if (read) continue;
    // The name is the client's text: quote it with its control characters left out.
    std::string shown;
    for (char c : name.substr(0, 64)) {
      if (static_cast<unsigned char>(c) >= 0x20) shown.push_back(c);
    }
    std::string message = "unknown field '" + prefix_ + shown + "'";
    for (const auto& r : read_) {
      if (EqualsIgnoringCase(r, name)) {
        message += " (did you mean '" + Name(r) + "'?)";
        break;
      }
    }
    return InvalidArgument(std::move(message));
  }
  return Ok();
}

Error Fields::MissingError(std::string_view name) const {
  std::string message = Name(name) + " is required";
  for (const auto& [key, value] : *object_) {
    if (EqualsIgnoringCase(std::string_view(key.data(), key.size()), name) &&
        std::string_view(key.data(), key.size()) != name) {
      message += " (the body has '" + Name(std::string_view(key.data(), key.size()).substr(0, 64)) +
                 "'; field names are case-sensitive)";
      break;
    }
  }
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

Status NoFields(std::string_view body) {
  SIGNET_ASSIGN_OR_RETURN(JsonObject object, ParseObject(body));
  return Fields(object).Finish();
}

Result<std::optional<Fields>> Fields::OptNested(std::string_view name) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<Fields>();
  if (!v->is_object()) return InvalidArgument(Name(name) + " must be an object");
  return std::optional<Fields>(Fields(v->as_object(), Name(name) + "."));
}

Result<std::optional<std::string>> Fields::OptString(std::string_view name,
                                                     std::size_t max_len) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return InvalidArgument(Name(name) + " must be a string");
  const auto& s = v->as_string();
  SIGNET_TRY(CheckText(std::string_view(s.data(), s.size()), Name(name), max_len));
  return std::optional<std::string>(std::string(s.data(), s.size()));
}

Result<std::string> Fields::String(std::string_view name, std::size_t max_len) const {
  SIGNET_ASSIGN_OR_RETURN(auto s, OptString(name, max_len));
  if (!s) return Missing(name);
  return std::move(*s);
}

Result<std::optional<std::optional<std::string>>> Fields::OptNullableString(
    std::string_view name, std::size_t max_len) const {
  using Out = std::optional<std::optional<std::string>>;
  if (IsNull(name)) return Out(std::optional<std::string>());
  SIGNET_ASSIGN_OR_RETURN(auto s, OptString(name, max_len));
  if (!s) return Out();
  return Out(std::move(s));
}

Result<std::optional<std::optional<std::string>>> Fields::OptNullableAliased(
    std::string_view name, std::string_view alias, std::size_t max_len) const {
  SIGNET_ASSIGN_OR_RETURN(auto a, OptNullableString(name, max_len));
  SIGNET_ASSIGN_OR_RETURN(auto b, OptNullableString(alias, max_len));
  if (a && b && *a != *b) {
    return InvalidArgument(Name(name) + " and " + Name(alias) +
                           " are two names of the same field; give one, or the same value in both");
  }
  return a ? a : b;
}

Result<std::optional<bool>> Fields::OptBool(std::string_view name) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return InvalidArgument(Name(name) + " must be true or false");
  return std::optional<bool>(v->as_bool());
}

Result<bool> Fields::Bool(std::string_view name, bool default_value) const {
  SIGNET_ASSIGN_OR_RETURN(auto b, OptBool(name));
  return b.value_or(default_value);
}

namespace {

// Whether `d` is a whole number an int64 holds. Checked before any cast: converting a double
// outside int64's range is undefined behaviour (found by tests/fuzz/json_fields_fuzz).
bool IsWholeInt64(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;  // 2^63, exact as a double
  return d >= -kTwo63 && d < kTwo63 && d == std::trunc(d);
}

}  // namespace

Result<std::optional<std::int64_t>> Fields::OptInt(std::string_view name, std::int64_t min,
                                                   std::int64_t max) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_double() && IsWholeInt64(v->as_double())) {
    n = static_cast<std::int64_t>(v->as_double());
  } else {
    return InvalidArgument(Name(name) + " must be an integer");
  }
  if (n < min) {
    return InvalidArgument(Name(name) + " is " + std::to_string(n) + "; the minimum is " +
                           std::to_string(min));
  }
  if (n > max) {
    return InvalidArgument(Name(name) + " is " + std::to_string(n) + "; the maximum is " +
                           std::to_string(max));
  }
  return std::optional<std::int64_t>(n);
}

Result<std::int64_t> Fields::Int(std::string_view name, std::int64_t min, std::int64_t max) const {
  SIGNET_ASSIGN_OR_RETURN(auto n, OptInt(name, min, max));
  if (!n) return Missing(name);
  return *n;
}

Result<std::optional<std::vector<std::string>>> Fields::OptStringArray(std::string_view name,
                                                                       std::size_t max_items,
                                                                       std::size_t max_len) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<std::vector<std::string>>();
  if (!v->is_array()) return InvalidArgument(Name(name) + " must be an array of strings");
  const auto& a = v->as_array();
  if (a.size() > max_items) {
    return InvalidArgument(Name(name) + " has " + std::to_string(a.size()) +
                           " items; the maximum is " + std::to_string(max_items));
  }
  std::vector<std::string> out;
  for (const auto& item : a) {
    if (!item.is_string()) return InvalidArgument(Name(name) + " must be an array of strings");
    const auto& s = item.as_string();
    SIGNET_TRY(CheckText(std::string_view(s.data(), s.size()), Name(name), max_len));
    out.emplace_back(s.data(), s.size());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<JsonObject>> Fields::OptObject(std::string_view name) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<JsonObject>();
  if (!v->is_object()) return InvalidArgument(Name(name) + " must be an object");
  return std::optional<JsonObject>(v->as_object());
}

Result<std::optional<JsonArray>> Fields::OptArray(std::string_view name) const {
  const JsonValue* v = Get(name);
  if (v == nullptr) return std::optional<JsonArray>();
  if (!v->is_array()) return InvalidArgument(Name(name) + " must be an array");
  return std::optional<JsonArray>(v->as_array());
}

}  // namespace signet::api
