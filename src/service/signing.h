#pragma once
// The sign path (SPEC §4; batches: docs/batch-signing.md), in the order an attempt takes it
// through service/signing.cc:
//   Sign / SignBatch
//     → the signer, the caller's roles on it and its certificate (SignerFor, cached)
//     → the checks: the caller and the signer (SignerRefusal), the input (CheckSignInput)
//     → the grant, when the signer's policy asks for one (ChooseGrant)
//     → the signature, with the signer's key
//     → the record: the operation and its audit event, group-committed (RecordOperation)
//       before the answer; no signature leaves without its committed record.
// A refusal found by the checks or the grant is recorded like a success, then answered.
// The checks below are pure functions of what was read.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "service/context.h"
#include "service/signer_cache.h"

namespace signet::service {

struct SignInput {
  std::string data_base64;
  std::string signing_algorithm;  // as sent; echoed back
  bool is_digest = false;
  std::string client_metadata_json = "{}";  // validated JSON object text
  domain::SigningScope reported;            // tool, hostname, ... from clientMetadata
};

struct SignResult {
  Bytes signature;
  std::string signing_algorithm;
  std::string signer_id;
};

// One item's outcome in a batch (POST …/sign-batch): a signature, or the refusal that was
// recorded for it. Every item has its operation record.
struct SignBatchItemResult {
  std::string operation_id;
  domain::OperationStatus status = domain::OperationStatus::kSuccess;
  std::string signing_algorithm;  // as sent (the item's, else the batch's)
  Bytes signature;                // success only
  std::optional<Error> error;     // the refusal, when not a success
};

struct SignBatchResult {
  std::string signer_id;
  std::vector<SignBatchItemResult> items;  // in the order sent
};

// The most bytes one attempt may ask to sign (data or digest).
inline constexpr std::size_t kMaxSignData = 128;

// A refusal to record: the operation's status and the error answered.
struct SignRefusal {
  domain::OperationStatus status;
  Error error;
};

// What refuses every attempt by `p` on the signer of `v` at `now` (no sign right, or a person
// without MFA under the csbr profile: denied; a disabled signer, an unusable certificate or
// one the csbr profile refuses: failed); nullopt when nothing does.
std::optional<SignRefusal> SignerRefusal(const domain::Principal& p, const SignerSnapshot& v,
                                         TimePoint now);

// The checks of one attempt's input `in` against the signer of `v`: the algorithm as sent
// under the csbr profile (no SHA-1), the decoded `data` (1 to kMaxSignData bytes), the parsed
// `algorithm`, the key type (when the signer has a certificate) and the digest length.
Status CheckSignInput(const SignerSnapshot& v, const SignInput& in, const Result<Bytes>& data,
                      const Result<domain::SigningAlgorithm>& algorithm);

// The operation to record for an attempt by `c` on `signer`, before its outcome: who, from
// where, what (the algorithm as sent, at most 64 characters; the SHA-256 of the data when it
// decoded), with a new time-ordered id.
domain::SigningOperation NewOperation(const Caller& c, const domain::Signer& signer,
                                      const SignInput& in, const Result<Bytes>& data);

// The scope an attempt shows a grant: what the client reported, the source address the
// server saw and the hash of the data.
domain::SigningScope SeenScope(const Caller& c, const SignInput& in, const std::string& data_hash);

// The first of `grants` usable at `now` whose scope matches `seen`, skipping those whose count
// in `remaining` (grant id → signings left, for count-limited grants; may be null) is used
// up; else the refusal: PermissionDenied for a scope mismatch, else ApprovalRequired.
Result<std::string> ChooseGrant(const std::vector<domain::Grant>& grants,
                                const domain::SigningScope& seen, TimePoint now,
                                const std::map<std::string, std::int64_t>* remaining);

class SigningUseCases : public virtual Context {
 public:
  // SPEC §4. Every attempt on a signer the caller can read is recorded (operation + audit)
  // before the reply; no signature is returned without its committed record. `done` gets the
  // result exactly once: on this thread when the attempt ends unrecorded (no such signer, a
  // store error), otherwise on the group committer's thread once the record has committed.
  // `done` must be quick and must not block.
  using SignDone = std::function<void(Result<SignResult>)>;
  void Sign(const Caller& c, const std::string& signer_id, const SignInput& in, SignDone done);

  // Signs 1 to max_batch_items() items with one signer (SPEC-like description in
  // docs/batch-signing.md): one read of the signer, the caller's rights and the policy for
  // the whole batch; then one operation record (and audit event) per item, all in one
  // group-committed transaction before `done`, each approved item using its grant once (so a
  // grant with 3 signings left signs the first 3 approved items and the rest are recorded as
  // denied). A bad item (undecodable data, unknown algorithm, wrong key type or digest
  // length) fails the whole batch with InvalidArgument naming `items[i]`, and nothing is
  // recorded. A refusal of the whole batch (the caller may not sign, the signer is disabled,
  // its certificate is unusable) is recorded for every item, then answered as the error.
  // `done` is called like Sign's.
  using SignBatchDone = std::function<void(Result<SignBatchResult>)>;
  void SignBatch(const Caller& c, const std::string& signer_id, std::vector<SignInput> items,
                 SignBatchDone done);
  std::size_t max_batch_items() const { return d_.max_batch_items; }

 protected:
  explicit SigningUseCases(const Deps& deps) : Context(deps) {}

 private:
  struct SignAttempt;
  struct BatchAttempt;

  // The signer, the caller's roles on it and its certificate: cached, else read (404 unless
  // the caller may read the signer).
  Result<std::shared_ptr<const SignerSnapshot>> SignerFor(const domain::Principal& p,
                                                          const std::string& signer_id);

  // Checks and signs; fills `a` with the record to write and what to answer once it is
  // written (a signature or a refusal). An error means the attempt ends unrecorded.
  Status PrepareSign(const Caller& c, const std::string& signer_id, const SignInput& in,
                     SignAttempt& a);

  // Writes a sign attempt inside the group commit: counts the grant use (turning the attempt
  // into a denial when the grant has run out), inserts the operation, appends the audit
  // event, and notes a success for the signer's lastSignedAt (written once per signer by
  // TouchLastSigned before the commit).
  Status RecordOperation(store::Tx& tx, const domain::Principal& actor,
                         const domain::Signer& signer, domain::SigningOperation& op);
};

}  // namespace signet::service
