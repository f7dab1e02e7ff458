#include "store/text_codec.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "common/json_writer.h"

namespace signet::store {
namespace {

// A strict reader of JSON in the shapes this file writes. It accepts any equivalent text
// (white space, escapes, key order) and skips keys it does not know, so that text written by
// other versions reads back.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  // Reads the whole text with `read` (one value, nothing after it).
  template <class T>
  Result<T> Document(const std::function<Result<T>(Reader&)>& read) {
    SIGNET_ASSIGN_OR_RETURN(T value, read(*this));
    SkipSpace();
    if (pos_ != text_.size()) return Fail("trailing characters");
    return value;
  }

  Result<std::string> String() {
    if (!Consume("\"")) return Fail("expected a string");
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
      // Pairs of an escape letter and the character it stands for.
      static constexpr std::string_view kEscapes = "\"\"\\\\//b\bf\fn\nr\rt\t";
      const std::size_t at = kEscapes.find(e);
      if (e != 'u' && (at == std::string_view::npos || at % 2 != 0)) return Fail("bad escape");
      if (e != 'u') {
        out += kEscapes[at + 1];
        continue;
      }
      SIGNET_ASSIGN_OR_RETURN(std::uint32_t cp, Hex4());
      if (cp >= 0xd800 && cp < 0xdc00) {
        if (text_.substr(pos_, 2) != "\\u") return Fail("lone surrogate");
        pos_ += 2;
        SIGNET_ASSIGN_OR_RETURN(std::uint32_t low, Hex4());
        if (low < 0xdc00 || low >= 0xe000) return Fail("bad surrogate pair");
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      }
      AppendUtf8(out, cp);
    }
    return Fail("unterminated string");
  }

  Result<std::optional<std::int64_t>> NullableInt() {
    if (Consume("null")) return std::optional<std::int64_t>();
    SkipSpace();
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), n);
    if (ec != std::errc()) return Fail("expected an integer");
    pos_ = static_cast<std::size_t>(end - text_.data());
    return std::optional<std::int64_t>(n);
  }
  Result<std::int64_t> Int() {
    SIGNET_ASSIGN_OR_RETURN(std::optional<std::int64_t> n, NullableInt());
    if (!n) return Fail("expected an integer, not null");
    return *n;
  }
  Result<bool> Bool() {
    if (Consume("true")) return true;
    if (Consume("false")) return false;
    return Fail("expected a boolean");
  }

  // [item, ...]: `item()` reads one element.
  Status Array(const std::function<Status()>& item) {
    if (!Consume("[")) return Fail("expected an array");
    if (Consume("]")) return Ok();
    do {
      SIGNET_TRY(item());
    } while (Consume(","));
    if (!Consume("]")) return Fail("expected ',' or ']'");
    return Ok();
  }

  // An object with the keys `names`, the first `required` of them required (all by default):
  // `field(i)` reads the value of names[i]. The values of other keys are skipped.
  Status Object(std::initializer_list<std::string_view> names,
                const std::function<Status(std::size_t)>& field, int depth = 0,
                std::size_t required = static_cast<std::size_t>(-1)) {
    if (!Consume("{")) return Fail("expected an object");
    std::vector<bool> seen(names.size());
    if (!Consume("}")) {
      do {
        SIGNET_ASSIGN_OR_RETURN(std::string key, String());
        if (!Consume(":")) return Fail("expected ':'");
        std::size_t i = 0;
        while (i < names.size() && names.begin()[i] != key) ++i;
        SIGNET_TRY(i < names.size() ? field(i) : Skip(depth + 1));
        if (i < names.size()) seen[i] = true;
      } while (Consume(","));
      if (!Consume("}")) return Fail("expected ',' or '}'");
    }
    for (std::size_t i = 0; i < names.size() && i < required; ++i) {
      if (!seen[i]) return Fail("missing \"" + std::string(names.begin()[i]) + "\"");
    }
    return Ok();
  }

  // An object with any keys, each value a string: `field(key, value)` takes each pair.
  Status StringMap(const std::function<Status(std::string, std::string)>& field) {
    if (!Consume("{")) return Fail("expected an object");
    if (Consume("}")) return Ok();
    do {
      SIGNET_ASSIGN_OR_RETURN(std::string key, String());
      if (!Consume(":")) return Fail("expected ':'");
      SIGNET_ASSIGN_OR_RETURN(std::string value, String());
      SIGNET_TRY(field(std::move(key), std::move(value)));
    } while (Consume(","));
    if (!Consume("}")) return Fail("expected ',' or '}'");
    return Ok();
  }

 private:
  static constexpr int kMaxDepth = 16;

  tl::unexpected<Error> Fail(std::string_view what) const {
    return Internal("stored JSON is malformed at offset " + std::to_string(pos_) + ": " +
                    std::string(what));
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           std::string_view(" \n\t\r").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
  }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  // Any value, for a key this reader does not know.
  Status Skip(int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    SkipSpace();
    const char c = pos_ < text_.size() ? text_[pos_] : '\0';
    if (c == '"') return String().map([](const std::string&) {});
    if (c == '[') return Array([&] { return Skip(depth + 1); });
    if (c == '{')
      return Object(
          {}, [](std::size_t) { return Ok(); }, depth);
    if (Consume("true") || Consume("false")) return Ok();
    return NullableInt().map([](std::optional<std::int64_t>) {});
  }

  Result<std::uint32_t> Hex4() {
    std::uint32_t cp = 0;
    const char* begin = text_.data() + pos_;
    auto [end, ec] =
        std::from_chars(begin, text_.data() + std::min(pos_ + 4, text_.size()), cp, 16);
    if (ec != std::errc() || end != begin + 4) return Fail("bad \\u escape");
    pos_ += 4;
    return cp;
  }

  static void AppendUtf8(std::string& out, std::uint32_t cp) {
    const int extra = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
    constexpr unsigned char kLead[] = {0x00, 0xc0, 0xe0, 0xf0};
    out += static_cast<char>(kLead[extra] | (cp >> (6 * extra)));
    for (int i = extra - 1; i >= 0; --i) out += static_cast<char>(0x80 | ((cp >> (6 * i)) & 0x3f));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

template <class T, class V>
Status Assign(T& out, Result<V> value) {
  if (!value) return tl::unexpected(std::move(value).error());
  out = T(*std::move(value));
  return Ok();
}

Result<std::vector<std::string>> ReadStringList(Reader& r) {
  std::vector<std::string> out;
  SIGNET_TRY(r.Array([&]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string s, r.String());
    out.push_back(std::move(s));
    return Ok();
  }));
  return out;
}

Result<std::vector<domain::PolicyStep>> ReadSteps(Reader& r) {
  std::vector<domain::PolicyStep> steps;
  SIGNET_TRY(r.Array([&]() -> Status {
    domain::PolicyStep step;
    // notifyApprovers came later: absent in what earlier versions stored (then true).
    SIGNET_TRY(r.Object(
        {"name", "requiredApprovals", "approverUserIds", "notifyApprovers"},
        [&](std::size_t i) {
          if (i == 0) return Assign(step.name, r.String());
          if (i == 1) return Assign(step.required_approvals, r.Int());
          if (i == 2) return Assign(step.approver_user_ids, ReadStringList(r));
          return Assign(step.notify_approvers, r.Bool());
        },
        0, 3));
    steps.push_back(std::move(step));
    return Ok();
  }));
  return steps;
}

Result<domain::SigningPolicy> ReadPolicy(Reader& r) {
  domain::SigningPolicy p;
  std::optional<std::int64_t> window;
  SIGNET_TRY(r.Object({"id", "projectId", "name", "steps", "maxWindowDurationMs", "maxSignings",
                       "maxRequestTtlMs", "bypassForMachineIdentities", "createdAt", "updatedAt"},
                      [&](std::size_t i) -> Status {
                        if (i == 0) return Assign(p.id, r.String());
                        if (i == 1) return Assign(p.project_id, r.String());
                        if (i == 2) return Assign(p.name, r.String());
                        if (i == 3) return Assign(p.steps, ReadSteps(r));
                        if (i == 4) return Assign(window, r.NullableInt());
                        if (i == 5) return Assign(p.max_signings, r.NullableInt());
                        if (i == 6) return Assign(p.max_request_ttl, r.Int());
                        if (i == 7) return Assign(p.bypass_for_machine_identities, r.Bool());
                        if (i == 8) return Assign(p.created_at, r.Int().map(FromUnixMillis));
                        return Assign(p.updated_at, r.Int().map(FromUnixMillis));
                      }));
  if (window) p.max_window_duration = Millis(*window);
  return p;
}

std::string OrNull(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "null"; }

template <class T, class F>
std::string ArrayOf(const std::vector<T>& items, F encode) {
  std::string out = "[";
  for (const T& item : items) out += (out.size() > 1 ? "," : "") + encode(item);
  return out + "]";
}

}  // namespace

std::string EncodeStringList(const std::vector<std::string>& items) {
  return ArrayOf(items, JsonWriter::Quote);
}

Result<std::vector<std::string>> DecodeStringList(std::string_view text) {
  return Reader(text).Document<std::vector<std::string>>(ReadStringList);
}

std::string EncodeStringMap(const std::map<std::string, std::string>& items) {
  JsonWriter w;
  for (const auto& [key, value] : items) w.Add(key, value);
  return w.Finish();
}

Result<std::map<std::string, std::string>> DecodeStringMap(std::string_view text) {
  return Reader(text).Document<std::map<std::string, std::string>>(
      [](Reader& r) -> Result<std::map<std::string, std::string>> {
        std::map<std::string, std::string> out;
        SIGNET_TRY(r.StringMap([&](std::string key, std::string value) -> Status {
          out[std::move(key)] = std::move(value);
          return Ok();
        }));
        return out;
      });
}

std::string EncodePolicySteps(const std::vector<domain::PolicyStep>& steps) {
  return ArrayOf(steps, [](const domain::PolicyStep& s) {
    return JsonWriter()
        .Add("name", s.name)
        .Add("requiredApprovals", s.required_approvals)
        .AddRaw("approverUserIds", EncodeStringList(s.approver_user_ids))
        .Add("notifyApprovers", s.notify_approvers)
        .Finish();
  });
}

Result<std::vector<domain::PolicyStep>> DecodePolicySteps(std::string_view text) {
  return Reader(text).Document<std::vector<domain::PolicyStep>>(ReadSteps);
}

std::string EncodePolicy(const domain::SigningPolicy& p) {
  std::optional<std::int64_t> window;
  if (p.max_window_duration) window = p.max_window_duration->count();
  return JsonWriter()
      .Add("id", p.id)
      .Add("projectId", p.project_id)
      .Add("name", p.name)
      .AddRaw("steps", EncodePolicySteps(p.steps))
      .AddRaw("maxWindowDurationMs", OrNull(window))
      .AddRaw("maxSignings", OrNull(p.max_signings))
      .Add("maxRequestTtlMs", std::int64_t{p.max_request_ttl.count()})
      .Add("bypassForMachineIdentities", p.bypass_for_machine_identities)
      .Add("createdAt", std::int64_t{ToUnixMillis(p.created_at)})
      .Add("updatedAt", std::int64_t{ToUnixMillis(p.updated_at)})
      .Finish();
}

Result<domain::SigningPolicy> DecodePolicy(std::string_view text) {
  return Reader(text).Document<domain::SigningPolicy>(ReadPolicy);
}

}  // namespace signet::store
