#include "store/text_codec.h"

#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

namespace signet::store {
namespace {

// ---- Writing ----

void AppendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;  // UTF-8 passes through unchanged
        }
    }
  }
  out += '"';
}

void AppendStringList(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendQuoted(out, items[i]);
  }
  out += ']';
}

void AppendSteps(std::string& out, const std::vector<domain::PolicyStep>& steps) {
  out += '[';
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendQuoted(out, steps[i].name);
    out += ",\"requiredApprovals\":" + std::to_string(steps[i].required_approvals);
    out += ",\"approverUserIds\":";
    AppendStringList(out, steps[i].approver_user_ids);
    out += '}';
  }
  out += ']';
}

// ---- Reading: a small strict JSON reader for the shapes this file writes ----

struct Value;
using Array = std::vector<Value>;
using Object = std::map<std::string, Value, std::less<>>;
struct Value {
  std::variant<std::nullptr_t, bool, std::int64_t, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v;
};

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  Result<Value> ReadDocument() {
    SIGNET_ASSIGN_OR_RETURN(Value value, ReadValue(0));
    SkipSpace();
    if (pos_ != text_.size()) return Fail("trailing characters");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 16;

  tl::unexpected<Error> Fail(std::string_view what) const {
    return Internal("stored JSON is malformed at offset " + std::to_string(pos_) + ": " +
                    std::string(what));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  Result<Value> ReadValue(int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    SkipSpace();
    if (pos_ >= text_.size()) return Fail("unexpected end");
    const char c = text_[pos_];
    if (c == '"') {
      SIGNET_ASSIGN_OR_RETURN(std::string s, ReadString());
      return Value{std::move(s)};
    }
    if (c == '[') return ReadArray(depth);
    if (c == '{') return ReadObject(depth);
    if (Consume("null")) return Value{nullptr};
    if (Consume("true")) return Value{true};
    if (Consume("false")) return Value{false};
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), n);
      if (ec != std::errc()) return Fail("bad integer");
      pos_ = static_cast<std::size_t>(end - text_.data());
      return Value{n};
    }
    return Fail("unexpected character");
  }

  Result<std::uint32_t> ReadHex4() {
    if (pos_ + 4 > text_.size()) return Fail("short \\u escape");
    std::uint32_t cp = 0;
    auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, cp, 16);
    if (ec != std::errc() || end != text_.data() + pos_ + 4) return Fail("bad \\u escape");
    pos_ += 4;
    return cp;
  }

  static void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  Result<std::string> ReadString() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          SIGNET_ASSIGN_OR_RETURN(std::uint32_t cp, ReadHex4());
          if (cp >= 0xd800 && cp < 0xdc00) {
            if (!Consume("\\u")) return Fail("lone surrogate");
            SIGNET_ASSIGN_OR_RETURN(std::uint32_t low, ReadHex4());
            if (low < 0xdc00 || low >= 0xe000) return Fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
    return Fail("unterminated string");
  }

  Result<Value> ReadArray(int depth) {
    ++pos_;
    auto array = std::make_shared<Array>();
    SkipSpace();
    if (Consume("]")) return Value{array};
    while (true) {
      SIGNET_ASSIGN_OR_RETURN(Value item, ReadValue(depth + 1));
      array->push_back(std::move(item));
      SkipSpace();
      if (Consume("]")) return Value{array};
      if (!Consume(",")) return Fail("expected ',' or ']'");
    }
  }

  Result<Value> ReadObject(int depth) {
    ++pos_;
    auto object = std::make_shared<Object>();
    SkipSpace();
    if (Consume("}")) return Value{object};
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Fail("expected a key");
      SIGNET_ASSIGN_OR_RETURN(std::string key, ReadString());
      SkipSpace();
      if (!Consume(":")) return Fail("expected ':'");
      SIGNET_ASSIGN_OR_RETURN(Value item, ReadValue(depth + 1));
      (*object)[std::move(key)] = std::move(item);
      SkipSpace();
      if (Consume("}")) return Value{object};
      if (!Consume(",")) return Fail("expected ',' or '}'");
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

tl::unexpected<Error> ShapeError(std::string_view what) {
  return Internal("stored JSON has an unexpected shape: " + std::string(what));
}

Result<const Object*> AsObject(const Value& v, std::string_view what) {
  if (auto* o = std::get_if<std::shared_ptr<Object>>(&v.v)) return o->get();
  return ShapeError(std::string(what) + " is not an object");
}
Result<const Array*> AsArray(const Value& v, std::string_view what) {
  if (auto* a = std::get_if<std::shared_ptr<Array>>(&v.v)) return a->get();
  return ShapeError(std::string(what) + " is not an array");
}
Result<const Value*> Field(const Object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return ShapeError("missing \"" + std::string(key) + "\"");
  return &it->second;
}
Result<std::string> StringField(const Object& o, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(const Value* v, Field(o, key));
  if (auto* s = std::get_if<std::string>(&v->v)) return *s;
  return ShapeError("\"" + std::string(key) + "\" is not a string");
}
Result<std::optional<std::int64_t>> OptionalIntField(const Object& o, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(const Value* v, Field(o, key));
  if (std::holds_alternative<std::nullptr_t>(v->v)) return std::optional<std::int64_t>();
  if (auto* n = std::get_if<std::int64_t>(&v->v)) return std::optional<std::int64_t>(*n);
  return ShapeError("\"" + std::string(key) + "\" is not an integer");
}
Result<std::int64_t> IntField(const Object& o, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(std::optional<std::int64_t> n, OptionalIntField(o, key));
  if (!n) return ShapeError("\"" + std::string(key) + "\" is null");
  return *n;
}
Result<bool> BoolField(const Object& o, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(const Value* v, Field(o, key));
  if (auto* b = std::get_if<bool>(&v->v)) return *b;
  return ShapeError("\"" + std::string(key) + "\" is not a boolean");
}

Result<std::vector<std::string>> ToStringList(const Value& v) {
  SIGNET_ASSIGN_OR_RETURN(const Array* array, AsArray(v, "string list"));
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const Value& item : *array) {
    auto* s = std::get_if<std::string>(&item.v);
    if (s == nullptr) return ShapeError("string list holds a non-string");
    out.push_back(*s);
  }
  return out;
}

Result<std::vector<domain::PolicyStep>> ToSteps(const Value& v) {
  SIGNET_ASSIGN_OR_RETURN(const Array* array, AsArray(v, "steps"));
  std::vector<domain::PolicyStep> steps;
  steps.reserve(array->size());
  for (const Value& item : *array) {
    SIGNET_ASSIGN_OR_RETURN(const Object* o, AsObject(item, "step"));
    domain::PolicyStep step;
    SIGNET_ASSIGN_OR_RETURN(step.name, StringField(*o, "name"));
    SIGNET_ASSIGN_OR_RETURN(step.required_approvals, IntField(*o, "requiredApprovals"));
    SIGNET_ASSIGN_OR_RETURN(const Value* ids, Field(*o, "approverUserIds"));
    SIGNET_ASSIGN_OR_RETURN(step.approver_user_ids, ToStringList(*ids));
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace

std::string EncodeStringList(const std::vector<std::string>& items) {
  std::string out;
  AppendStringList(out, items);
  return out;
}

Result<std::vector<std::string>> DecodeStringList(std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(Value v, Reader(text).ReadDocument());
  return ToStringList(v);
}

std::string EncodePolicySteps(const std::vector<domain::PolicyStep>& steps) {
  std::string out;
  AppendSteps(out, steps);
  return out;
}

Result<std::vector<domain::PolicyStep>> DecodePolicySteps(std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(Value v, Reader(text).ReadDocument());
  return ToSteps(v);
}

std::string EncodePolicy(const domain::SigningPolicy& p) {
  std::string out = "{\"id\":";
  AppendQuoted(out, p.id);
  out += ",\"projectId\":";
  AppendQuoted(out, p.project_id);
  out += ",\"name\":";
  AppendQuoted(out, p.name);
  out += ",\"steps\":";
  AppendSteps(out, p.steps);
  out += ",\"maxWindowDurationMs\":";
  out += p.max_window_duration ? std::to_string(p.max_window_duration->count()) : "null";
  out += ",\"maxSignings\":";
  out += p.max_signings ? std::to_string(*p.max_signings) : "null";
  out += ",\"maxRequestTtlMs\":" + std::to_string(p.max_request_ttl.count());
  out += ",\"bypassForMachineIdentities\":";
  out += p.bypass_for_machine_identities ? "true" : "false";
  out += ",\"createdAt\":" + std::to_string(ToUnixMillis(p.created_at));
  out += ",\"updatedAt\":" + std::to_string(ToUnixMillis(p.updated_at));
  out += '}';
  return out;
}

Result<domain::SigningPolicy> DecodePolicy(std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(Value v, Reader(text).ReadDocument());
  SIGNET_ASSIGN_OR_RETURN(const Object* o, AsObject(v, "policy"));
  domain::SigningPolicy p;
  SIGNET_ASSIGN_OR_RETURN(p.id, StringField(*o, "id"));
  SIGNET_ASSIGN_OR_RETURN(p.project_id, StringField(*o, "projectId"));
  SIGNET_ASSIGN_OR_RETURN(p.name, StringField(*o, "name"));
  SIGNET_ASSIGN_OR_RETURN(const Value* steps, Field(*o, "steps"));
  SIGNET_ASSIGN_OR_RETURN(p.steps, ToSteps(*steps));
  SIGNET_ASSIGN_OR_RETURN(auto window, OptionalIntField(*o, "maxWindowDurationMs"));
  if (window) p.max_window_duration = Millis(*window);
  SIGNET_ASSIGN_OR_RETURN(p.max_signings, OptionalIntField(*o, "maxSignings"));
  SIGNET_ASSIGN_OR_RETURN(std::int64_t ttl, IntField(*o, "maxRequestTtlMs"));
  p.max_request_ttl = Millis(ttl);
  SIGNET_ASSIGN_OR_RETURN(p.bypass_for_machine_identities,
                          BoolField(*o, "bypassForMachineIdentities"));
  SIGNET_ASSIGN_OR_RETURN(std::int64_t created, IntField(*o, "createdAt"));
  SIGNET_ASSIGN_OR_RETURN(std::int64_t updated, IntField(*o, "updatedAt"));
  p.created_at = FromUnixMillis(created);
  p.updated_at = FromUnixMillis(updated);
  return p;
}

}  // namespace signet::store
