#pragma once
// The shared context of the use cases (service.h): who calls (Caller), what the
// service is built on (Deps), and Context, the state and helpers that every family of
// use cases uses: transactions with their audit event, role checks, the signer cache, the
// group commit, key generation outside the write lock, notifications.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "auth/oidc.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/rate_limiter.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/entities.h"
#include "domain/principal.h"
#include "domain/read_models.h"
#include "keystore/keystore.h"
#include "notify/notifier.h"
#include "service/commit_queue.h"
#include "service/signer_cache.h"
#include "store/store.h"

namespace signet::service {

class RequestWatcher;

// Who calls, from where; for authorization and the audit log.
struct Caller {
  domain::Principal principal;
  std::string source_ip;
  std::string request_id;
};

struct Paging {
  std::int64_t offset = 0;
  std::int64_t limit = 20;
};

struct LoginResult {
  SecretBytes access_token;
  Millis expires_in;
  std::optional<domain::User> user;  // set by Bootstrap
  // The password was right and the user has an authenticator: access_token is an MFA login
  // token, good only for VerifyMfaLogin within expires_in.
  bool mfa_required = false;
};

struct MembershipInput {
  std::optional<std::string> user_id;
  std::optional<std::string> identity_id;
  std::string role;  // validated per kind (project: admin|member; signer: admin|operator|auditor)
};

// Whether the TSA may issue now, given the clock (service/clock_discipline.h).
struct ClockState {
  bool synchronized = true;
  std::string reason;  // why not, for refusals and /readyz
};

using ClockStateFn = std::function<ClockState()>;

// When the periodic scan reports what is about to run out (signetd flags).
struct ExpiryNotices {
  Millis grant_before{std::chrono::hours(1)};  // a grant's end this close
  std::vector<std::int64_t> certificate_days = {30, 7, 1};
};

struct Deps {
  store::Store& store;
  keystore::KeyStore& keys;
  audit::AuditLog& audit;
  auth::Authenticator& authenticator;
  const Clock& clock;
  Metrics* metrics = nullptr;
  Millis token_ttl = std::chrono::hours(8);
  // How long this node may reuse what it read about a signer for signing (signer_cache.h).
  Millis cache_ttl = std::chrono::milliseconds(500);
  // Timestamp queries without a token: at most this many per second per source IP (bursts of
  // twice as many); 0: no limit.
  double anonymous_timestamp_rate = 1000;
  // The clock's synchronisation state (absent: assumed synchronised), and whether TSAs refuse
  // (timeNotAvailable) while it is not synchronised.
  ClockStateFn clock_state{};
  bool tsa_require_synchronized_clock = false;
  // Verifies OIDC tokens of identities (auth/oidc.h); without it OIDC login is unavailable.
  auth::OidcVerifier* oidc = nullptr;
  // The most items one POST …/sign-batch may carry (--max-batch-items).
  std::size_t max_batch_items = 1000;
  // The HSM key source (null: none configured) and where new keys come from by default.
  keystore::KeySource* hsm = nullptr;
  domain::KeySourceType default_key_source = domain::KeySourceType::kSoftware;
  // Where events are queued (notify/notifier.h); null: no notifications.
  notify::Notifier* notifier = nullptr;
  ExpiryNotices expiry_notices{};
};

// Declared with their families (service/mfa.h, pki.h, signers.h).
enum class MfaRequirement;
struct KeyChoice;
struct IssueCertificateInput;
struct ImportCertificateInput;
struct SignerPolicyInput;

// The state and helpers shared by the families of use cases; each family derives from it
// (virtually: service::Service has one Context).
class Context {
 public:
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

 protected:
  explicit Context(Deps deps);
  ~Context();

  struct AuditEntry {
    std::string event_type;
    std::string target_type;
    std::string target_id;
    std::string details_json = "{}";
  };

  // Runs `fn` in a write transaction, appends `entry` (filled by fn) and commits.
  template <class T, class Fn>
  Result<T> WriteWithAudit(const domain::Principal* actor, Fn&& fn);
  Status AppendAudit(store::Tx& tx, const domain::Principal* actor, const AuditEntry& entry);

  // The same inside the group commit (RecordOperation): through commit_audit_, which reads
  // the chain head once per transaction and writes it once (CommitQueue hooks).
  Status AppendCommitAudit(store::Tx& tx, const domain::Principal* actor, const AuditEntry& entry);
  static audit::AuditEventInput AuditInput(const domain::Principal* actor, const AuditEntry& entry);

  // 429 while login attempts for `account` or from `source_ip` are throttled.
  Status ThrottleLogin(const std::string& account, const std::string& source_ip);

  // Counts a failed credential check and writes its audit event (with a lockout it started).
  Status RecordLoginFailure(const std::string& event_type, const std::string& target_type,
                            const char* account_field, const std::string& account,
                            const std::string& source_ip);
  Result<domain::Project> ResolveProject(store::Tx& tx, const std::optional<std::string>& project);
  Status RequireProjectAdmin(store::Tx& tx, const domain::Principal& p,
                             const std::string& project_id);
  Status RequireProjectMember(store::Tx& tx, const domain::Principal& p,
                              const std::string& project_id);
  Status RequireOrgAdmin(const domain::Principal& p);

  // In a csbr project a user session must have passed MFA for `what` (signing, key,
  // certificate and signer management); machine identities are allowed.
  Status RequireCsbrMfa(store::Tx& tx, const domain::Principal& p, const std::string& project_id,
                        std::string_view what);

  // `r` as it is; a compliance refusal (compliance.h) is first put on record: a
  // compliance.refusal audit event naming the action, the target and the rule, written in its
  // own transaction (the refused change wrote nothing). Call outside any write transaction.
  template <class T>
  Result<T> AuditRefusal(const Caller& c, std::string_view action, std::string_view target_type,
                         const std::string& target_id, Result<T> r);

  // What the csbr profile refuses of `cert` as a signer's certificate (compliance.h), or
  // nullopt when it conforms.
  Result<std::optional<std::string>> CsbrSignerViolation(const domain::Certificate& cert);

  // The key choice as it applies in `project`: without a keySource, a csbr project's keys
  // come from the HSM; and what the csbr profile refuses of it (algorithm, source).
  KeyChoice EffectiveKeyChoice(const domain::Project& project, KeyChoice choice) const;
  Status CheckProjectKey(const domain::Project& project, const KeyChoice& choice,
                         domain::KeyAlgorithm algorithm) const;

  // 403 naming `what` when the org requires MFA of approvers and admins (or of everyone) and
  // `p` is a user whose session did not pass it. `tx`, when given, is used to read the
  // setting (inside a write transaction).
  Status RequireMfa(const domain::Principal& p, std::string_view what, store::Tx* tx = nullptr);
  Result<MfaRequirement> CurrentMfaRequirement(store::Tx* tx = nullptr);
  struct SignerView {
    domain::Signer signer;
    std::optional<domain::ProjectRole> project_role;
    std::optional<domain::SignerRole> signer_role;
  };

  // 404 unless the caller may read the signer.
  Result<SignerView> LoadSigner(store::Tx& tx, const domain::Principal& p, const std::string& id);
  Result<domain::Certificate> CheckSigningCertificate(store::Tx& tx, const std::string& project_id,
                                                      const std::string& certificate_id);
  Result<domain::Certificate> StoreNewCertificate(store::Tx& tx, domain::Certificate cert);

  // Issuing from an internal CA in three steps, so that no key is generated while the write
  // lock is held: IssuingCa checks the CA (in a read transaction, and again in the write),
  // IssueInMemory generates the key and signs the certificate outside any transaction
  // (seconds of CPU for RSA-4096), StoreIssued writes both in the write transaction. No role
  // check, no audit event.
  struct IssuedCertificate {
    keystore::NewKey key;
    domain::Certificate row;
  };
  Result<domain::CertificateAuthority> IssuingCa(store::Tx& tx, const domain::Project& project,
                                                 const std::string& ca_id);
  Result<IssuedCertificate> IssueInMemory(const domain::CertificateAuthority& ca,
                                          const domain::Project& project,
                                          const IssueCertificateInput& in);
  Result<domain::Certificate> StoreIssued(store::Tx& tx, const domain::Project& project,
                                          const IssuedCertificate& issued);

  // The import counterpart of IssueInMemory: parses the PEM pair or PKCS#12 file and takes the
  // key into the software key store (not yet persisted; StoreImported writes both).
  Result<IssuedCertificate> ImportInMemory(const domain::Project& project,
                                           const ImportCertificateInput& in);
  Result<domain::Certificate> StoreImported(store::Tx& tx, const IssuedCertificate& imported);

  // A new key as `choice` says (Create, or AdoptExisting in the HSM), outside any transaction.
  Result<keystore::NewKey> MakeKey(const KeyChoice& choice, domain::KeyAlgorithm algorithm);

  // WriteWithAudit for a use case that made `key`: when the write does not commit, the key's
  // source is told (an HSM object made for it is destroyed).
  template <class T, class Fn>
  Result<T> WriteWithNewKey(const domain::Principal* actor, const keystore::NewKey& key, Fn&& fn) {
    Result<T> r = WriteWithAudit<T>(actor, std::forward<Fn>(fn));
    if (!r) key_sources_.Abandon(key);
    return r;
  }

  // Creates (or, given `existing`, updates) the policy owned by signer `signer_id`, with its
  // audit event; checks the policy and its approvers.
  Result<domain::SigningPolicy> WriteSignerPolicy(
      store::Tx& tx, const Caller& c, const std::string& project_id, const std::string& signer_id,
      const SignerPolicyInput& in, const std::optional<domain::SigningPolicy>& existing);

  // Deletes the policy `signer` owns (kSignerPolicyPrefix + its id) once no signer uses it,
  // with its audit event; nothing for a shared policy.
  Status DeleteOwnedPolicy(store::Tx& tx, const Caller& c, const domain::Signer& signer);

  // Moves each signer's lastSignedAt once per group commit, to the latest success that the
  // transaction recorded for it (RecordOperation collects them in last_signed_).
  Status TouchLastSigned(store::Tx& tx);

  // Queues a notification in `tx` (nothing without a notifier).
  Status Notify(store::Tx& tx, const notify::Event& e);
  void WakeNotifier();

  // A request event with its data; e-mail to `email_users`.
  Status NotifyRequest(store::Tx& tx, std::string_view type, const domain::SigningRequest& r,
                       const std::string& signer_name, const domain::Principal* actor,
                       const std::string& comment, std::vector<std::string> email_users);

  Deps d_;

  // The org's MFA requirement as last read (re-read after a second: other nodes may change it).
  std::mutex mfa_requirement_mutex_;
  std::optional<std::pair<MfaRequirement, TimePoint>> mfa_requirement_;  // guarded
  std::unique_ptr<RequestWatcher> watcher_;  // waiters of WatchRequest (notifications.h)
  keystore::KeySources key_sources_;
  SignerCache signer_cache_;  // invalidated by every WriteWithAudit

  // Signer id → latest success recorded by the group commit under way; committer thread only.
  std::map<std::string, TimePoint> last_signed_;

  // The audit chain appender of the group commit under way; committer thread only.
  audit::AuditLog::Appender commit_audit_;
  std::unique_ptr<CommitQueue> commits_;  // sign records are group-committed
};

}  // namespace signet::service
