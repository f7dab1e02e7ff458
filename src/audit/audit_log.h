#pragma once
// The tamper-evident audit log of SPEC §6. Each node appends to its own hash chain:
//
//   hash(e) = HMAC-SHA256(audit_key, prev_hash || Canonical(e))
//
// where prev_hash is the hash of the node's previous event (32 zero bytes for seq 1) and
// audit_key = HKDF-SHA256(ikm = root key, salt = none, info = "signet audit v1", 32 bytes).
// Rewriting, inserting, removing or reordering events without the root key breaks a link
// that Verify() reports.
//
// Canonical(e) is an unambiguous byte string: fields in this order, each string as an 8-byte
// big-endian length followed by its bytes, each integer as 8 bytes big-endian two's
// complement:
//   "signet.audit.v1" (string, a version tag), node_id (string), seq (int), time (int, unix
//   milliseconds), event_type, actor_type, actor_id, actor_name, target_type, target_id,
//   details_json (strings).
// No two distinct events have the same encoding, so no field can be shifted into another.
//
// The chain's tail: each append also records the node's head (seq, hash) in the settings
// table ("audit.head/<node>"), in the same transaction. Sequence numbers continue from the
// head, so they are never reused even if the newest events were deleted, and Verify reports
// a head that the events no longer reach ("events 41–45 are missing"). Someone who can write
// the database can delete the head too; what they cannot forge is a checkpoint: the chain
// heads of every node signed (Ed25519) with a key derived from the root key, which an
// auditor saves outside the database (`signet audit checkpoint`) and later hands back to
// Verify, which then reports whether the log still extends it — every saved head still
// present with the same hash.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/secret_bytes.h"
#include "domain/entities.h"
#include "store/store.h"

namespace signet::audit {

inline constexpr std::size_t kAuditHashLength = 32;

// What a caller says about an event; the log adds node, seq, time and the chain hashes.
struct AuditEventInput {
  std::string event_type;  // "signer.create", "sign.success", ... ; must not be empty
  std::string actor_type;  // "user", "identity", "system"
  std::string actor_id;
  std::string actor_name;
  std::string target_type;
  std::string target_id;
  std::string details_json = "{}";  // a JSON object; never secrets
};

// Where a chain first fails to verify.
struct ChainBreak {
  std::string node_id;
  std::int64_t seq = 0;  // the first seq whose link is broken (for a removed event: its seq)
  std::string reason;    // "event 5 is missing", "hash mismatch", ...
  bool operator==(const ChainBreak&) const = default;
};

// One node chain's newest event.
struct ChainHead {
  std::string node_id;
  std::int64_t seq = 0;
  Bytes hash;
  bool operator==(const ChainHead&) const = default;
};

// The heads of every chain at `time`, signed by the server (see above).
struct Checkpoint {
  TimePoint time{};
  std::vector<ChainHead> heads;  // sorted by node id
  Bytes signature;               // Ed25519 over CheckpointPayload
};

// The exact bytes a checkpoint's signature covers: "signet-audit-checkpoint-v1\n", then
// "time <RFC 3339>\n", then per head "head <node id> <seq> <hex hash>\n". Node ids never
// contain white space (they are checked at start).
std::string CheckpointPayload(const Checkpoint& checkpoint);

struct VerifyReport {
  bool valid = true;
  std::int64_t checked = 0;             // events whose link verified before the walk ended
  std::optional<ChainBreak> first_bad;  // set iff !valid
  // With a checkpoint: whether every head it names is still in the log with the same hash
  // (so the log extends it), and if not, why.
  std::optional<bool> extends_checkpoint;
  std::string checkpoint_problem;
};

// The audit key for a root key: HKDF-SHA256 as described above. The root key must be 32
// bytes, else InvalidArgument.
[[nodiscard]] Result<SecretBytes> DeriveAuditKey(const SecretBytes& root_key);

// The settings key under which a node's chain head is kept.
std::string HeadSettingKey(std::string_view node_id);

// Canonical(e) as described above (prev_hash and hash are not part of it).
Bytes CanonicalEvent(const domain::AuditEvent& e);

// HMAC-SHA256(key, prev_hash || Canonical(e)), using e.prev_hash.
Bytes ComputeEventHash(ByteView audit_key, const domain::AuditEvent& e);

// Appends to one node's chain and verifies all chains. Immutable after Create, so
// thread-safe; every call works inside the caller's transaction or opens its own.
class AuditLog {
 public:
  // `node_id` names this node's chain (non-empty, at most 128 bytes, no white space);
  // `audit_key` comes from DeriveAuditKey and must be 32 bytes; `checkpoint_seed` (32 bytes,
  // derived from the root key so that every node sharing it signs with the same key; may be
  // empty when checkpoints are not needed) is the Ed25519
  // key that signs checkpoints. Errors: InvalidArgument.
  [[nodiscard]] static Result<std::unique_ptr<AuditLog>> Create(std::string node_id,
                                                                SecretBytes audit_key,
                                                                SecretBytes checkpoint_seed = {});

  const std::string& node_id() const { return node_id_; }

  // Appends one event to this node's chain inside `tx` (a write transaction): reads the
  // node's last event in the same transaction, then inserts seq = last + 1 with its hash.
  // The event exists only if the caller commits `tx`; a rolled-back transaction leaves no
  // gap. Appends are ordered and gapless because write transactions on one node's chain are
  // serialized: by the single writer on SQLite; on a shared database a concurrent append to
  // the same chain fails with kAlreadyExists on (node_id, seq) and the caller retries its
  // transaction. Errors: InvalidArgument (empty event_type), the store's errors, kInternal
  // when the stored last event is malformed.
  [[nodiscard]] Status Append(store::Tx& tx, AuditEventInput in, TimePoint now) const;

  // Many appends in one write transaction (the group committer's): the first Append reads
  // the chain's position as Append does (taking the node's chain lock on a shared database),
  // later ones continue from the event before, and Finish writes the recorded head once —
  // two statements per event instead of four. Every append of the transaction must go
  // through the one Appender, and Finish must run before the commit. Reset() starts over
  // (a new transaction, or after a rollback). Not thread-safe.
  class Appender {
   public:
    explicit Appender(const AuditLog& log) : log_(&log) {}
    [[nodiscard]] Status Append(store::Tx& tx, AuditEventInput in, TimePoint now);
    [[nodiscard]] Status Finish(store::Tx& tx);
    void Reset() {
      next_.reset();
      appended_ = false;
    }

   private:
    const AuditLog* log_;
    std::optional<std::pair<std::int64_t, Bytes>> next_;  // seq and prev_hash of the next event
    bool appended_ = false;
  };

  // The heads of every chain now, signed. FailedPrecondition without a checkpoint key.
  [[nodiscard]] Result<Checkpoint> MakeCheckpoint(store::Store& store, TimePoint now) const;
  // The raw 32-byte Ed25519 public key that verifies this server's checkpoints (empty
  // without a checkpoint key).
  const Bytes& checkpoint_public_key() const { return checkpoint_public_key_; }
  // InvalidArgument unless this server's key signed `checkpoint`.
  [[nodiscard]] Status CheckCheckpointSignature(const Checkpoint& checkpoint) const;

  // Walks every node's chain in seq order inside `tx` and checks, per event: seq is the
  // next number (no gap), prev_hash is the previous event's hash (zeros for seq 1), and the
  // hash recomputes under this log's key. Stops at the first broken link. Detects changed
  // fields, removed events (except at a chain's tail, see above), inserted or reordered
  // events and a wrong key. Errors: the store's errors only; a broken chain is a report.
  // Also reports a recorded head that the events no longer reach (a removed tail). With a
  // `checkpoint` (whose signature the caller checked) it also reports whether the log
  // extends it.
  [[nodiscard]] Result<VerifyReport> Verify(store::Tx& tx,
                                            const Checkpoint* checkpoint = nullptr) const;

 private:
  // Where the next event of this node's chain goes (seq, prev_hash), read in `tx`.
  Result<std::pair<std::int64_t, Bytes>> NextPosition(store::Tx& tx) const;
  // The event at that position, with its hash.
  Result<domain::AuditEvent> MakeEvent(std::int64_t seq, Bytes prev_hash, AuditEventInput in,
                                       TimePoint now) const;

 public:
  // The same in a read transaction of its own.
  [[nodiscard]] Result<VerifyReport> Verify(store::Store& store,
                                            const Checkpoint* checkpoint = nullptr) const;

 private:
  AuditLog(std::string node_id, SecretBytes audit_key, SecretBytes checkpoint_seed,
           Bytes checkpoint_public_key)
      : node_id_(std::move(node_id)),
        audit_key_(std::move(audit_key)),
        checkpoint_seed_(std::move(checkpoint_seed)),
        checkpoint_public_key_(std::move(checkpoint_public_key)) {}

  const std::string node_id_;
  const SecretBytes audit_key_;
  const SecretBytes checkpoint_seed_;
  const Bytes checkpoint_public_key_;
};

}  // namespace signet::audit
