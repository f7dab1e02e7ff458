#include "cli/commands.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/output.h"
#include "common/uuid.h"

namespace signet::cli {

void OnRun(CLI::App* cmd, Context& ctx, std::function<Status()> fn) {
  cmd->callback([&ctx, fn = std::move(fn)] { ctx.action = fn; });
}

void AddPagingOptions(CLI::App* cmd, Paging& paging) {
  cmd->add_option("--offset", paging.offset, "Skip this many items")->check(CLI::NonNegativeNumber);
  cmd->add_option("--limit", paging.limit, "Show at most this many items (1-100)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
}

Status ListCommand(Context& ctx, const std::string& path, client::QueryParams query,
                   const Paging& paging, const std::string& key, const Columns& columns) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  query.emplace_back("offset", std::to_string(paging.offset));
  query.emplace_back("limit", std::to_string(paging.limit));
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kGet, path + client::Query(query)));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    const api::JsonValue* items = v.is_object() ? v.as_object().if_contains(key) : nullptr;
    if (items == nullptr || !items->is_array() || items->as_array().empty()) {
      ctx.out() << "No " << key << ".\n";
      return;
    }
    PrintItems(ctx.out(), items->as_array(), columns);
    const std::string total = TextAt(v, "totalCount");
    const std::size_t shown = items->as_array().size();
    if (total != "-" && total != std::to_string(paging.offset + shown) &&
        total != std::to_string(shown)) {
      ctx.err() << "(" << shown << " shown from offset " << paging.offset << " of " << total
                << "; use --offset and --limit for more)\n";
    }
  });
  return Ok();
}

Status ObjectCommand(Context& ctx, client::HttpMethod method, const std::string& path,
                     const std::optional<api::JsonValue>& body, const Columns& fields,
                     const std::string& heading) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, api->Call(method, path, body));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    if (!heading.empty()) ctx.out() << heading << '\n';
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& [name, field] : fields) lines.emplace_back(name, TextAt(v, field));
    PrintFields(ctx.out(), lines);
  });
  return Ok();
}

Result<std::string> ResolveId(Context& ctx, const std::string& path,
                              const client::QueryParams& query, const std::string& items_key,
                              const std::string& field, const std::string& value,
                              const std::string& what) {
  if (value.empty()) return InvalidArgument(what + " name or id is empty");
  if (IsUuid(value)) return value;
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  std::vector<std::string> ids;
  std::size_t offset = 0;
  for (int page = 0; page < 1000; ++page) {
    client::QueryParams q = query;
    q.emplace_back("offset", std::to_string(offset));
    q.emplace_back("limit", "100");
    SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                            api->Call(client::HttpMethod::kGet, path + client::Query(q)));
    const api::JsonValue* items =
        reply.is_object() ? reply.as_object().if_contains(items_key) : nullptr;
    if (items == nullptr || !items->is_array() || items->as_array().empty()) break;
    for (const auto& item : items->as_array()) {
      if (TextAt(item, field) == value) ids.push_back(TextAt(item, "id"));
    }
    offset += items->as_array().size();
    const std::string total = TextAt(reply, "totalCount");
    if (total == "-" || std::to_string(offset) == total) break;
  }
  if (ids.empty()) return NotFound("no " + what + " named '" + value + "'");
  if (ids.size() > 1) {
    return InvalidArgument(std::to_string(ids.size()) + " " + what + "s are named '" + value +
                           "'; use the id");
  }
  return ids.front();
}

Result<std::string> SignerId(Context& ctx, const std::string& name_or_id) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(client::SignerInfo signer,
                          api->ResolveSigner(name_or_id, ctx.flags.project));
  return signer.id;
}

Result<std::string> UserId(Context& ctx, const std::string& email_or_id) {
  return ResolveId(ctx, "/api/v1/users", {}, "users", "email", email_or_id, "user");
}

Result<std::string> IdentityId(Context& ctx, const std::string& name_or_id) {
  return ResolveId(ctx, "/api/v1/identities", {}, "identities", "name", name_or_id, "identity");
}

Result<std::string> PolicyId(Context& ctx, const std::string& name_or_id) {
  return ResolveId(ctx, "/api/v1/pki/signing-policies", {{"projectId", ctx.flags.project}},
                   "policies", "name", name_or_id, "signing policy");
}

Result<std::string> CaId(Context& ctx, const std::string& name_or_id) {
  return ResolveId(ctx, "/api/v1/pki/ca", {{"projectId", ctx.flags.project}}, "cas", "commonName",
                   name_or_id, "CA");
}

Result<SecretBytes> ReadSecret(Context& ctx, const std::string& prompt) {
  std::string text;
  if (ctx.terminal().stdin_is_tty) {
    ctx.err() << prompt << ": " << std::flush;
    struct termios old_mode {};
    const bool have_mode = ::tcgetattr(STDIN_FILENO, &old_mode) == 0;
    if (have_mode) {
      struct termios quiet = old_mode;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(ctx.in(), text);
    if (have_mode) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
    ctx.err() << '\n';
  } else {
    text.assign(std::istreambuf_iterator<char>(ctx.in()), std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
  }
  if (text.empty()) {
    return InvalidArgument(prompt + " is empty: give it on standard input");
  }
  SecretBytes secret = SecretBytes::FromString(text);
  SecureWipe(text.data(), text.size());
  return secret;
}

Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_bytes) {
      return InvalidArgument(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return data;
}

Status WriteFile(const std::string& path, std::string_view data, int mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return InvalidArgument("cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string message = "cannot write " + path + ": " + std::strerror(errno);
      ::close(fd);
      return InvalidArgument(message);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    return InvalidArgument("cannot write " + path + ": " + std::strerror(errno));
  }
  return Ok();
}

std::string PathOf(std::initializer_list<std::string_view> segments) {
  std::string out;
  bool first = true;
  for (std::string_view s : segments) {
    // The first segment is the literal base ("/api/v1/pki/signers").
    out += first ? std::string(s) : "/" + client::PercentEncode(s);
    first = false;
  }
  return out;
}

Result<api::JsonValue> WaitForDecision(Context& ctx, const std::string& id,
                                       std::chrono::steady_clock::time_point deadline,
                                       const std::function<void(const api::JsonValue&)>& changed) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  const std::string path = PathOf({"/api/v1/pki/signing-requests", id});
  // Each poll stays well inside the client's timeout (and the server's 60 s limit).
  const long long per_poll = std::clamp(ctx.flags.timeout_seconds - 5, 1, 60);
  std::string last;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    // The first read answers at once, so the state as it is now is reported first.
    const long long wait = last.empty() ? 0 : std::clamp<long long>(left, 0, per_poll);
    SIGNET_ASSIGN_OR_RETURN(
        api::JsonValue reply,
        api->Call(client::HttpMethod::kGet,
                  path + client::Query({{"waitSeconds", std::to_string(wait)}})));
    const std::string state = TextAt(reply, "status") + "/" + TextAt(reply, "currentStep") + "/" +
                              TextAt(reply, "updatedAt");
    if (state != last) {
      last = state;
      changed(reply);
    }
    if (TextAt(reply, "status") != "pending" || std::chrono::steady_clock::now() >= deadline) {
      return reply;
    }
  }
}

std::string RequestLink(Context& ctx, const std::string& id) {
  auto server = ctx.ServerUrl();
  std::string base = server ? *server : "";
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/approvals/" + id;
}

}  // namespace signet::cli
