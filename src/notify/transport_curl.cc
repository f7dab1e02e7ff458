// The network side of notifications through libcurl (Debian's libcurl4-openssl-dev): one
// easy handle per attempt, no signals (threads), no redirects, a total timeout per attempt.
#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "notify/render.h"
#include "notify/transport.h"

namespace signet::notify {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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
  std::memcpy(buffer, up->text->data() + up->pos, len);
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
  explicit CurlTransport(std::chrono::milliseconds timeout) : timeout_(timeout) { GlobalInit(); }

  SendOutcome Post(const HttpPost& post) override {
    Easy easy(curl_easy_init());
    if (!easy) return {false, std::nullopt, "cannot start an HTTP request (libcurl)"};
    CURL* c = easy.get();
    char errors[CURL_ERROR_SIZE] = {};
    std::string reply;
    List headers;
    for (const auto& [name, value] : post.headers) {
      curl_slist* next = curl_slist_append(headers.get(), (name + ": " + value).c_str());
      if (next == nullptr) return {false, std::nullopt, "out of memory"};
      (void)headers.release();
      headers.reset(next);
    }
    Common(c, errors);
    curl_easy_setopt(c, CURLOPT_URL, post.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepSome);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK)
      return {false, status > 0 ? std::optional<std::int64_t>(status) : std::nullopt,
              Failure(rc, errors)};
    if (status >= 200 && status < 300) return {true, status, ""};
    return {false, status,
            "HTTP " + std::to_string(status) +
                (reply.empty() ? "" : ": " + Printable(reply.substr(0, 200)))};
  }

  SendOutcome SendMail(const SmtpSettings& smtp, const SecretBytes& password,
                       const MailMessage& mail) override {
    Easy easy(curl_easy_init());
    if (!easy) return {false, std::nullopt, "cannot start an SMTP session (libcurl)"};
    CURL* c = easy.get();
    char errors[CURL_ERROR_SIZE] = {};
    Common(c, errors);
    const bool ipv6 = smtp.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + smtp.host + "]" : smtp.host;
    const std::string url =
        (smtp.security == "tls" ? "smtps://" : "smtp://") + host + ":" + std::to_string(smtp.port);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     smtp.security == "none" ? static_cast<long>(CURLUSESSL_NONE)
                                             : static_cast<long>(CURLUSESSL_ALL));
    const std::string user = smtp.username;
    std::string pass(password.string_view());
    if (!smtp.ca_certificate_pem.empty()) {
      curl_blob ca{const_cast<char*>(smtp.ca_certificate_pem.data()),
                   smtp.ca_certificate_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!user.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, pass.c_str());
    }
    const std::string from = "<" + mail.from + ">";
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    List rcpt(curl_slist_append(nullptr, ("<" + mail.to + ">").c_str()));
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    Upload up{&mail.message};
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    const CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    std::string failure;
    if (rc != CURLE_OK) failure = Failure(rc, errors);
    // libcurl keeps the password in the handle until cleanup; wipe our copy.
    SecureWipe(pass.data(), pass.size());
    const std::optional<std::int64_t> status =
        code > 0 ? std::optional<std::int64_t>(code) : std::nullopt;
    if (rc != CURLE_OK) return {false, status, failure};
    return {true, status, ""};
  }

 private:
  void Common(CURL* c, char* errors) const {
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errors);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Signet/" SIGNET_VERSION);
  }
  static std::string Failure(CURLcode rc, const char* errors) {
    std::string s = errors != nullptr && *errors != '\0' ? errors : curl_easy_strerror(rc);
    return Printable(s);
  }

  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Transport> MakeCurlTransport(std::chrono::milliseconds timeout) {
  return std::make_unique<CurlTransport>(timeout);
}

}  // namespace signet::notify
