#pragma once
// Use cases of time-stamp authorities (RFC 3161).

#include "service/context.h"
#include "service/pki.h"

namespace signet::service {

// The OID a TSA's tokens name when its creator gives none (under Signet's test arc; operators
// with their own policy give theirs).
inline constexpr std::string_view kDefaultTsaPolicyOid = "1.3.6.1.4.1.59327.3161.1";

struct CreateTsaInput {
  std::optional<std::string> project;  // id or slug; default project when absent
  std::string name;                    // slug, unique per project
  std::string ca_id;                   // the internal CA that issues the TSA's certificate
  domain::KeyAlgorithm key_algorithm = domain::KeyAlgorithm::kEcP256;
  std::int64_t ttl_days = 1825;
  std::string policy_oid = std::string(kDefaultTsaPolicyOid);
  std::int64_t accuracy_ms = 1000;
  bool require_auth = false;
  std::optional<bool> is_default;  // default: true for the project's first TSA
  KeyChoice key;                   // keySource "hsm" puts the TSA's key in the HSM
};

// A TSA from a certificate and key made elsewhere (PEM pair or PKCS#12, `certificate.project`
// is ignored). The certificate must carry timeStamping as its only, critical, extended key
// usage and be valid now; the chain is ordered from the certificates the input holds besides
// the leaf, and may be absent only for a self-signed certificate.
struct ImportTsaInput {
  std::optional<std::string> project;
  std::string name;
  ImportCertificateInput certificate;
  std::string policy_oid = std::string(kDefaultTsaPolicyOid);
  std::int64_t accuracy_ms = 1000;
  bool require_auth = false;
  std::optional<bool> is_default;
};

struct UpdateTsaInput {
  std::optional<std::string> name;
  std::optional<std::string> policy_oid;
  std::optional<std::int64_t> accuracy_ms;
  std::optional<bool> require_auth;
  std::optional<bool> is_default;  // true moves the default here; false leaves none
  std::optional<domain::CaStatus> status;
};

// What the timestamp routes answer: always an RFC 3161 TimeStampResp (granted or refused).
struct TimestampResult {
  Bytes reply;
  bool granted = false;
  std::string serial;  // decimal, when granted
};

class TsaUseCases : public virtual Context {
 public:
  // ---- time-stamp authorities (project admins manage; project members read) ----
  [[nodiscard]] Result<domain::TimestampAuthority> CreateTsa(const Caller& c,
                                                             const CreateTsaInput& in);
  [[nodiscard]] Result<domain::TimestampAuthority> ImportTsa(const Caller& c, ImportTsaInput in);
  [[nodiscard]] Result<store::Page<domain::TimestampAuthority>> ListTsas(
      const Caller& c, const std::optional<std::string>& project, Paging p);
  [[nodiscard]] Result<domain::TimestampAuthority> GetTsa(const Caller& c, const std::string& id);
  [[nodiscard]] Result<domain::TimestampAuthority> UpdateTsa(const Caller& c, const std::string& id,
                                                             const UpdateTsaInput& in);

  // Deletes the TSA and its key, and revokes its certificate (the row stays, listed as
  // revoked); its tokens stay verifiable with its certificate.
  [[nodiscard]] Result<domain::TimestampAuthority> DeleteTsa(const Caller& c,
                                                             const std::string& id);
  [[nodiscard]] Result<CertificateBundle> TsaCertificate(const Caller& c, const std::string& id);

  // Answers an RFC 3161 query (DER TimeStampReq) with TSA `tsa_id`, or with the default TSA of
  // the default project when `tsa_id` is empty. `caller` is null when no token came. A TSA
  // with requireAuth answers Unauthenticated (401) without a token and NotFound (404) to
  // callers outside its project; a public TSA answers anyone (without a token at most
  // anonymous_timestamp_rate queries per second per source address, else RateLimited). Bad queries,
  // a disabled TSA, an expired certificate or an unsynchronised clock are refusals inside the reply
  // (nothing issued, nothing recorded); a granted token is on record (serial, imprint, audit event)
  // before `done` gets it. `done` runs exactly once, here or on the group committer's thread.
  using TimestampDone = std::function<void(Result<TimestampResult>)>;
  void Timestamp(const Caller* caller, const std::string& source_ip, const std::string& tsa_id,
                 ByteView query, TimestampDone done);

  // The wall clock moved by `step` more than the monotonic clock (1 s or more): a
  // clock.step audit event (actor system), with the clock's synchronisation state.
  [[nodiscard]] Status RecordClockStep(Millis step);

 protected:
  explicit TsaUseCases(const Deps& deps)
      : Context(deps),
        anonymous_timestamps_(deps.anonymous_timestamp_rate, 2 * deps.anonymous_timestamp_rate) {}

 private:
  struct TsaSnapshot;

  // The TSA (by id, or the default project's default for an empty id) with its parsed
  // certificate and key: cached until the next write or cache_ttl.
  Result<std::shared_ptr<const TsaSnapshot>> TsaFor(const std::string& tsa_id);
  Result<domain::TimestampAuthority> LoadTsa(store::Tx& tx, const domain::Principal& p,
                                             const std::string& id, bool manage);

  // The write step shared by CreateTsa and ImportTsa: the certificate row and key (stored by
  // `store_certificate`, which also appends its audit event), the TSA, the default moved.
  Result<domain::TimestampAuthority> StoreNewTsa(
      const Caller& c, const keystore::NewKey& key, domain::TimestampAuthority tsa,
      std::optional<bool> is_default, const std::function<Status(store::Tx&)>& check,
      const std::function<Result<domain::Certificate>(store::Tx&)>& store_certificate);
  RateLimiter anonymous_timestamps_;
  std::mutex tsa_cache_mu_;

  // guarded by tsa_cache_mu_: by TSA id ("" for the default TSA)
  std::map<std::string, std::shared_ptr<const TsaSnapshot>> tsa_cache_;
};

}  // namespace signet::service
