// The network side of notifications through libcurl (Debian's libcurl4-openssl-dev): one easy
// handle per attempt, no signals (threads), no redirects, a total timeout per attempt.
//
// libcurl is loaded by the first attempt instead of linked into signetd
// (common/shared_library.h): most servers never configure a webhook or SMTP, and linked, libcurl
// and what it brings (nghttp2, SSH, RTMP, PSL, brotli, …) are mapped at every start. signetd is
// compiled against the headers of libcurl4-openssl-dev and loads that package's runtime library
// (package libcurl4, a dependency of the signet package).
#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "common/shared_library.h"
#include "notify/render.h"
#include "notify/transport.h"

namespace signet::notify {
namespace {

// The entry points the transport uses. curl_easy_setopt and curl_easy_getinfo are variadic C
// functions; calling them through these pointers is the same call.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

// Loads `file`, resolves every entry point and initialises the library; kUnavailable with the
// loader's message when the file or an entry point is missing.
Result<CurlApi> LoadCurl(const std::string& file) {
  Result<SharedLibrary> lib = SharedLibrary::Open(file.c_str(), "sends notifications");
  if (!lib) return tl::unexpected(lib.error());
  CurlApi api;
  const bool ok = lib->Resolve("curl_global_init", api.global_init) &&
                  lib->Resolve("curl_easy_init", api.easy_init) &&
                  lib->Resolve("curl_easy_setopt", api.easy_setopt) &&
                  lib->Resolve("curl_easy_perform", api.easy_perform) &&
                  lib->Resolve("curl_easy_getinfo", api.easy_getinfo) &&
                  lib->Resolve("curl_easy_cleanup", api.easy_cleanup) &&
                  lib->Resolve("curl_easy_strerror", api.easy_strerror) &&
                  lib->Resolve("curl_slist_append", api.slist_append) &&
                  lib->Resolve("curl_slist_free_all", api.slist_free_all);
  if (!ok) return tl::unexpected(lib->error());
  // Reference-counted by libcurl; signetd has one transport, so this runs once per process.
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return Unavailable("libcurl (" + file + ") failed to initialise");
  return api;
}

struct EasyDeleter {
  const CurlApi* api;
  void operator()(CURL* c) const { api->easy_cleanup(c); }
};
struct ListDeleter {
  const CurlApi* api;
  void operator()(curl_slist* l) const { api->slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;

// Keeps the first bytes of a reply, for the delivery log.
std::size_t KeepSome(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (out->size() < 512) out->append(data, std::min(bytes, 512 - out->size()));
  return bytes;
}

struct Upload {
  const std::string* text;
  std::size_t pos = 0;
};
std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t len = std::min(size * n, up->text->size() - up->pos);
  std::copy_n(up->text->data() + up->pos, len, buffer);
  up->pos += len;
  return len;
}

std::string Printable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class CurlTransport final : public Transport {
 public:
  CurlTransport(std::chrono::milliseconds timeout, std::string library)
      : timeout_(timeout), library_(std::move(library)) {}

  SendOutcome Post(const HttpPost& post) override {
    const Result<CurlApi>& loaded = Loaded();
    if (!loaded) return {false, std::nullopt, loaded.error().message};
    const CurlApi& curl = *loaded;
    Easy easy(curl.easy_init(), EasyDeleter{&curl});
    if (!easy) return {false, std::nullopt, "cannot start an HTTP request (libcurl)"};
    CURL* c = easy.get();
    char errors[CURL_ERROR_SIZE] = {};
    std::string reply;
    List headers(nullptr, ListDeleter{&curl});
    for (const auto& [name, value] : post.headers) {
      curl_slist* next = curl.slist_append(headers.get(), (name + ": " + value).c_str());
      if (next == nullptr) return {false, std::nullopt, "out of memory"};
      (void)headers.release();
      headers.reset(next);
    }
    Common(curl, c, errors);
    curl.easy_setopt(c, CURLOPT_URL, post.url.c_str());
    curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl.easy_setopt(c, CURLOPT_POSTFIELDS, post.body.c_str());
    curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepSome);
    curl.easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    const CURLcode rc = curl.easy_perform(c);
    long status = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK)
      return {false, status > 0 ? std::optional<std::int64_t>(status) : std::nullopt,
              Failure(curl, rc, errors)};
    if (status >= 200 && status < 300) return {true, status, ""};
    return {false, status,
            "HTTP " + std::to_string(status) +
                (reply.empty() ? "" : ": " + Printable(reply.substr(0, 200)))};
  }

  SendOutcome SendMail(const SmtpSettings& smtp, const SecretBytes& password,
                       const MailMessage& mail) override {
    const Result<CurlApi>& loaded = Loaded();
    if (!loaded) return {false, std::nullopt, loaded.error().message};
    const CurlApi& curl = *loaded;
    Easy easy(curl.easy_init(), EasyDeleter{&curl});
    if (!easy) return {false, std::nullopt, "cannot start an SMTP session (libcurl)"};
    CURL* c = easy.get();
    char errors[CURL_ERROR_SIZE] = {};
    Common(curl, c, errors);
    const bool ipv6 = smtp.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + smtp.host + "]" : smtp.host;
    const std::string url =
        (smtp.security == "tls" ? "smtps://" : "smtp://") + host + ":" + std::to_string(smtp.port);
    curl.easy_setopt(c, CURLOPT_URL, url.c_str());
    curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl.easy_setopt(c, CURLOPT_USE_SSL,
                     smtp.security == "none" ? static_cast<long>(CURLUSESSL_NONE)
                                             : static_cast<long>(CURLUSESSL_ALL));
    const std::string user = smtp.username;
    std::string pass(password.string_view());
    if (!smtp.ca_certificate_pem.empty()) {
      curl_blob ca{const_cast<char*>(smtp.ca_certificate_pem.data()),
                   smtp.ca_certificate_pem.size(), CURL_BLOB_COPY};
      curl.easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!user.empty()) {
      curl.easy_setopt(c, CURLOPT_USERNAME, user.c_str());
      curl.easy_setopt(c, CURLOPT_PASSWORD, pass.c_str());
    }
    const std::string from = "<" + mail.from + ">";
    curl.easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    List rcpt(curl.slist_append(nullptr, ("<" + mail.to + ">").c_str()), ListDeleter{&curl});
    curl.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    Upload up{&mail.message};
    curl.easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
    curl.easy_setopt(c, CURLOPT_READDATA, &up);
    curl.easy_setopt(c, CURLOPT_UPLOAD, 1L);
    const CURLcode rc = curl.easy_perform(c);
    long code = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    std::string failure;
    if (rc != CURLE_OK) failure = Failure(curl, rc, errors);
    // libcurl keeps the password in the handle until cleanup; wipe our copy.
    SecureWipe(pass.data(), pass.size());
    const std::optional<std::int64_t> status =
        code > 0 ? std::optional<std::int64_t>(code) : std::nullopt;
    if (rc != CURLE_OK) return {false, status, failure};
    return {true, status, ""};
  }

 private:
  // The library, loaded by the first attempt; a failure is kept too (the library does not
  // appear while the server runs) and reported by every attempt.
  const Result<CurlApi>& Loaded() {
    std::call_once(load_once_, [this] { curl_ = LoadCurl(library_); });
    return curl_;
  }

  void Common(const CurlApi& curl, CURL* c, char* errors) const {
    curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(c, CURLOPT_ERRORBUFFER, errors);
    curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl.easy_setopt(c, CURLOPT_USERAGENT, "Signet/" SIGNET_VERSION);
  }
  static std::string Failure(const CurlApi& curl, CURLcode rc, const char* errors) {
    std::string s = errors != nullptr && *errors != '\0' ? errors : curl.easy_strerror(rc);
    return Printable(s);
  }

  std::chrono::milliseconds timeout_;
  std::string library_;
  std::once_flag load_once_;
  Result<CurlApi> curl_ = Unavailable("libcurl is not loaded");
};

}  // namespace

std::unique_ptr<Transport> MakeCurlTransport(std::chrono::milliseconds timeout,
                                             std::string library) {
  return std::make_unique<CurlTransport>(timeout, std::move(library));
}

}  // namespace signet::notify
