#pragma once
// The C++ client of Signet's HTTP API (SPEC §3–§4), shared by the `signet` CLI and the PKCS#11
// module. Plain C++ in this header: Beast and Asio stay in client_beast.cc.
//
// Client is the seam: Call() is the one virtual operation (method, path, JSON body → JSON reply
// or Error); the typed helpers below are written on top of it, so a test or the PKCS#11 module's
// tests can replace the transport with a fake that implements Call().
//
// Errors: a reply with an error status becomes Error{api::CodeFromHttp(status, error), message}
// with the server's message; a network failure (resolve, connect, TLS, timeout, a connection
// closed mid-reply) is kUnavailable naming the server and the cause; a reply that is not JSON
// is kInternal.
//
// Thread safety: every member function may be called from several threads at once (the
// PKCS#11 module shares one Client between sessions). The token is guarded by a mutex; each
// request uses its own pooled connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/json.h"
#include "common/bytes.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::client {

struct ClientOptions {
  // "http://host:port" or "https://host[:port]", optionally with a path prefix
  // ("https://signet.example.com/signet"). User info in the URL is refused.
  std::string server_url;
  // Bearer token sent on every call; empty: none (login, bootstrap, health).
  SecretBytes token;
  // PEM file of trusted CA certificates for https; empty: the system's default roots.
  std::string ca_cert_path;
  // Limit for each phase of a request: resolve+connect (+TLS handshake), write, read.
  std::chrono::milliseconds timeout{30'000};
  // Idle keep-alive connections kept for reuse (the number of connections in use at once is
  // not capped; each concurrent call needs one).
  std::size_t max_idle_connections = 8;
  // Largest reply body accepted (kUnavailable beyond it).
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  std::string user_agent = "signet-client/" SIGNET_VERSION;
};

enum class HttpMethod { kGet, kPost, kPatch, kDelete };
std::string_view HttpMethodName(HttpMethod method);

// Counters for diagnostics and tests.
struct ClientStats {
  std::uint64_t requests = 0;            // calls that reached the network
  std::uint64_t connections_opened = 0;  // TCP (and TLS) connections established
  std::uint64_t retries = 0;             // calls resent after a stale keep-alive connection
};

// Query strings: Query({{"limit", "20"}, {"search", "a b"}}) -> "?limit=20&search=a%20b".
// Parameters with an empty value are left out; no parameter at all gives "".
using QueryParams = std::vector<std::pair<std::string, std::string>>;
std::string Query(const QueryParams& params);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

// ---- typed shapes of the replies the CLI and the PKCS#11 module use ----

struct LoginResult {
  SecretBytes access_token;
  std::chrono::seconds expires_in{0};
  // Set instead of access_token when the account has an authenticator: the token for
  // VerifyMfa (the second login step).
  SecretBytes mfa_token;
};

struct SignerInfo {
  std::string id;
  std::string project_id;
  std::string name;
  std::string description;
  std::string status;  // "active" | "disabled"
  std::string certificate_id;
  std::optional<std::string> signing_policy_id;
  std::optional<std::string> last_signed_at;  // RFC 3339
};

struct SignerCertificate {
  std::string certificate_pem;
  std::string certificate_chain_pem;  // issuers, nearest first; may be empty
  std::string serial_number;
  std::string signer_name;
};

struct SignerPublicKey {
  Bytes spki_der;         // DER SubjectPublicKeyInfo
  std::string algorithm;  // "RSA_2048", "EC_prime256v1", ...
};

// clientMetadata of SPEC §4; absent fields are not sent, and each sent value is fitted to its
// limit (api/client_metadata.h): made valid text and cut, so the server never refuses it.
struct ClientMetadata {
  std::optional<std::string> tool;
  std::optional<std::string> hostname;
  std::optional<std::string> reported_ip;
  std::optional<std::string> command;
  std::optional<std::string> os_username;
  std::optional<std::string> signing_application_hash;
};

struct SignResult {
  Bytes signature;                // DER for ECDSA, modulus-length for RSA
  std::string signing_algorithm;  // as sent
  std::string signer_id;
  api::JsonObject raw;  // the reply as received
};

// One item of POST …/sign-batch's reply, in the order sent: the signature, or the refusal
// that the server recorded for that item.
struct BatchItemResult {
  Result<SignResult> result = tl::unexpected(Error{ErrorCode::kInternal, "no result"});
  std::string operation_id;
};

class Client {
 public:
  // The Beast implementation: validates the URL and loads the CA file (InvalidArgument when
  // either is wrong). Connects lazily, on the first call.
  [[nodiscard]] static Result<std::unique_ptr<Client>> Create(ClientOptions options);

  virtual ~Client() = default;

  // Sends one request to `path` ("/api/v1/..." with any query string) with `body` serialized
  // as JSON when given, and returns the parsed reply ({} for an empty body).
  [[nodiscard]] virtual Result<api::JsonValue> Call(
      HttpMethod method, std::string_view path,
      const std::optional<api::JsonValue>& body = std::nullopt) = 0;

  // Replaces the bearer token used by later calls (empty: none).
  virtual void SetToken(SecretBytes token) = 0;
  virtual bool HasToken() const = 0;
  virtual ClientStats stats() const = 0;
  // The server URL as configured, without a trailing slash.
  virtual const std::string& server_url() const = 0;

  // ---- typed helpers (built on Call) ----

  // POST /api/v1/auth/login; on success the client uses the new token from then on.
  [[nodiscard]] Result<LoginResult> LoginWithPassword(std::string_view email,
                                                      const SecretBytes& password);
  // POST /api/v1/auth/mfa/verify with a TOTP code (or, with `recovery`, a recovery code); on
  // success the client uses the new token.
  [[nodiscard]] Result<LoginResult> VerifyMfa(const SecretBytes& mfa_token, std::string_view code,
                                              bool recovery);
  // POST /api/v1/auth/universal-auth/login; on success the client uses the new token.
  [[nodiscard]] Result<LoginResult> LoginWithClientSecret(std::string_view client_id,
                                                          const SecretBytes& client_secret);
  // POST /api/v1/auth/oidc-auth/login with a workload's OIDC identity token (a JWT); on
  // success the client uses the new token.
  [[nodiscard]] Result<LoginResult> LoginWithOidcToken(std::string_view identity_id,
                                                       const SecretBytes& jwt);
  // POST /api/v1/auth/logout (revokes the current token), then forgets the token.
  [[nodiscard]] Status Logout();

  // Every signer the caller may read in `project_id` (empty: the default project), paging
  // through GET /api/v1/pki/signers; `search` narrows by name on the server.
  [[nodiscard]] Result<std::vector<SignerInfo>> ListSigners(std::string_view project_id = {},
                                                            std::string_view search = {});
  [[nodiscard]] Result<SignerInfo> GetSigner(std::string_view signer_id);
  // A signer by id (a UUID) or by exact name in `project_id` (empty: the default project).
  // NotFound "no signer named 'x'"; a name shared by several signers is InvalidArgument.
  [[nodiscard]] Result<SignerInfo> ResolveSigner(std::string_view name_or_id,
                                                 std::string_view project_id = {});
  [[nodiscard]] Result<SignerCertificate> GetSignerCertificate(std::string_view signer_id);
  [[nodiscard]] Result<SignerPublicKey> GetSignerPublicKey(std::string_view signer_id);

  // POST /api/v1/pki/signers/{id}/sign with isDigest:true; `digest` is the hash of the data
  // (32, 48 or 64 bytes for the algorithm's hash).
  [[nodiscard]] Result<SignResult> SignDigest(std::string_view signer_id,
                                              std::string_view signing_algorithm, ByteView digest,
                                              const ClientMetadata& metadata);
  // The general form: is_digest=false sends the data itself (1–128 bytes).
  [[nodiscard]] Result<SignResult> Sign(std::string_view signer_id,
                                        std::string_view signing_algorithm, ByteView data,
                                        bool is_digest, const ClientMetadata& metadata);
  // POST /api/v1/pki/signers/{id}/sign-batch with isDigest:true: one request for several
  // digests (at most the server's --max-batch-items, 1,000 by default). The error is the
  // whole batch's (nothing signed); otherwise one result per digest, in order.
  [[nodiscard]] Result<std::vector<BatchItemResult>> SignDigestBatch(
      std::string_view signer_id, std::string_view signing_algorithm,
      const std::vector<Bytes>& digests, const ClientMetadata& metadata);

 protected:
  Client() = default;
};

// Decoders for the typed shapes (InvalidArgument naming the missing or mistyped field); public
// for callers that already hold a reply from Call().
[[nodiscard]] Result<SignerInfo> DecodeSigner(const api::JsonValue& value);
api::JsonObject EncodeClientMetadata(const ClientMetadata& metadata);

// Sends a DER TimeStampReq (RFC 3161 over HTTP: application/timestamp-query) to the TSA at
// `options.server_url` (the whole URL, e.g. https://signet.example.com/tsa), with the bearer
// token when one is set, and returns the body of a 200 reply (a DER TimeStampResp, not checked
// here). Other statuses are errors as for Client::Call; network failures are kUnavailable.
[[nodiscard]] Result<Bytes> PostTimestampQuery(const ClientOptions& options, ByteView query);

}  // namespace signet::client
