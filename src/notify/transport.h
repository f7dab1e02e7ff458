#pragma once
// How notifications leave the server: an HTTP POST (webhooks) and an SMTP submission
// (e-mail). The interface lets tests replace the network; MakeCurlTransport is the real one
// (libcurl: HTTPS with the system's CAs, SMTP with STARTTLS or implicit TLS and AUTH).
// Thread-safe: calls may run concurrently.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/secret_bytes.h"
#include "notify/notifier.h"

namespace signet::notify {

struct HttpPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct MailMessage {
  std::string from;     // envelope sender: a bare address
  std::string to;       // one recipient: a bare address
  std::string message;  // RFC 5322 text, CRLF line ends
};

// What one attempt came to. `ok`: the receiver took it (HTTP 2xx; SMTP 250 after DATA).
struct SendOutcome {
  bool ok = false;
  std::optional<std::int64_t> status_code;  // HTTP status or the last SMTP reply code
  std::string error;                        // why not, for the delivery log (no secrets)
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual SendOutcome Post(const HttpPost& post) = 0;
  virtual SendOutcome SendMail(const SmtpSettings& smtp, const SecretBytes& password,
                               const MailMessage& mail) = 0;
};

// Every attempt ends within `timeout` (connect, TLS, transfer). Redirects are not followed.
// libcurl is loaded from `library` by the first attempt, not at start; when it cannot be loaded
// every attempt fails with the loader's message (kept in the delivery log).
std::unique_ptr<Transport> MakeCurlTransport(std::chrono::milliseconds timeout,
                                             std::string library = "libcurl.so.4");

}  // namespace signet::notify
