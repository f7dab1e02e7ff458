#include "audit/audit_log.h"

#include <utility>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/mac.h"

namespace signet::audit {
namespace {

constexpr std::string_view kVersionTag = "signet.audit.v1";
constexpr std::string_view kHkdfInfo = "signet audit v1";
constexpr std::string_view kCheckpointTag = "signet-audit-checkpoint-v1";
constexpr std::size_t kMaxNodeIdLength = 128;

void AppendU64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

void AppendField(Bytes& out, std::string_view s) {
  AppendU64(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// "<seq> <hex hash>", as kept in the settings table.
std::string EncodeHead(std::int64_t seq, ByteView hash) {
  return std::to_string(seq) + " " + HexEncode(hash);
}

Result<std::optional<ChainHead>> ReadHead(store::Tx& tx, const std::string& node_id) {
  SIGNET_ASSIGN_OR_RETURN(std::optional<std::string> text, tx.GetSetting(HeadSettingKey(node_id)));
  if (!text) return std::optional<ChainHead>();
  const auto space = text->find(' ');
  ChainHead head{node_id, 0, {}};
  const char* end = text->data() + (space == std::string::npos ? text->size() : space);
  auto [ptr, ec] = std::from_chars(text->data(), end, head.seq);
  auto hash =
      space == std::string::npos ? Result<Bytes>(Bytes()) : HexDecode(text->substr(space + 1));
  if (ec != std::errc() || ptr != end || head.seq < 1 || !hash ||
      hash->size() != kAuditHashLength) {
    return Internal("the recorded audit chain head of node '" + node_id + "' is malformed");
  }
  head.hash = std::move(*hash);
  return std::optional<ChainHead>(std::move(head));
}

}  // namespace

std::string HeadSettingKey(std::string_view node_id) {
  return "audit.head/" + std::string(node_id);
}

std::string CheckpointPayload(const Checkpoint& checkpoint) {
  std::string out(kCheckpointTag);
  out += "\ntime " + FormatTime(checkpoint.time) + "\n";
  for (const auto& h : checkpoint.heads) {
    out += "head " + h.node_id + " " + std::to_string(h.seq) + " " + HexEncode(h.hash) + "\n";
  }
  return out;
}

Result<SecretBytes> DeriveAuditKey(const SecretBytes& root_key) {
  if (root_key.size() != 32) {
    return InvalidArgument("root key is " + std::to_string(root_key.size()) +
                           " bytes; it must be 32");
  }
  return crypto::HkdfSha256(root_key.view(), ByteView(), kHkdfInfo, kAuditHashLength);
}

Bytes CanonicalEvent(const domain::AuditEvent& e) {
  Bytes out;
  out.reserve(11 * 8 + kVersionTag.size() + e.node_id.size() + e.event_type.size() +
              e.actor_type.size() + e.actor_id.size() + e.actor_name.size() + e.target_type.size() +
              e.target_id.size() + e.details_json.size());
  AppendField(out, kVersionTag);
  AppendField(out, e.node_id);
  AppendU64(out, static_cast<std::uint64_t>(e.seq));
  AppendU64(out, static_cast<std::uint64_t>(ToUnixMillis(e.time)));
  AppendField(out, e.event_type);
  AppendField(out, e.actor_type);
  AppendField(out, e.actor_id);
  AppendField(out, e.actor_name);
  AppendField(out, e.target_type);
  AppendField(out, e.target_id);
  AppendField(out, e.details_json);
  return out;
}

Bytes ComputeEventHash(ByteView audit_key, const domain::AuditEvent& e) {
  Bytes input = e.prev_hash;
  const Bytes canonical = CanonicalEvent(e);
  input.insert(input.end(), canonical.begin(), canonical.end());
  return crypto::HmacSha256(audit_key, input);
}

Result<std::unique_ptr<AuditLog>> AuditLog::Create(std::string node_id, SecretBytes audit_key,
                                                   SecretBytes checkpoint_seed) {
  if (node_id.empty()) return InvalidArgument("audit node id must not be empty");
  if (std::any_of(node_id.begin(), node_id.end(),
                  [](unsigned char c) { return std::isspace(c) != 0 || c < 0x20; })) {
    return InvalidArgument("audit node id must not contain white space");
  }
  if (node_id.size() > kMaxNodeIdLength) {
    return InvalidArgument("audit node id is " + std::to_string(node_id.size()) +
                           " bytes; the maximum is " + std::to_string(kMaxNodeIdLength));
  }
  if (audit_key.size() != kAuditHashLength) {
    return InvalidArgument("audit key is " + std::to_string(audit_key.size()) +
                           " bytes; it must be 32");
  }
  Bytes public_key;
  if (!checkpoint_seed.empty()) {
    SIGNET_ASSIGN_OR_RETURN(public_key, crypto::Ed25519PublicKey(checkpoint_seed.view()));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(node_id), std::move(audit_key),
                                                std::move(checkpoint_seed), std::move(public_key)));
}

Result<std::pair<std::int64_t, Bytes>> AuditLog::NextPosition(store::Tx& tx) const {
  SIGNET_ASSIGN_OR_RETURN(std::optional<domain::AuditEvent> last, tx.LastAuditEvent(node_id_));
  SIGNET_ASSIGN_OR_RETURN(std::optional<ChainHead> head, ReadHead(tx, node_id_));
  if (last && last->hash.size() != kAuditHashLength) {
    return Internal("audit event " + std::to_string(last->seq) + " of node '" + node_id_ +
                    "' has a malformed hash");
  }
  // Continue from the recorded head when it is ahead of the newest event (events were
  // removed): their numbers are never given out again, and the gap stays visible.
  if (head && (!last || head->seq > last->seq)) return std::pair{head->seq + 1, head->hash};
  if (last) return std::pair{last->seq + 1, last->hash};
  return std::pair{std::int64_t{1}, Bytes(kAuditHashLength, 0)};
}

Result<domain::AuditEvent> AuditLog::MakeEvent(std::int64_t seq, Bytes prev_hash,
                                               AuditEventInput in, TimePoint now) const {
  if (in.event_type.empty()) return InvalidArgument("audit event type must not be empty");
  domain::AuditEvent e;
  e.node_id = node_id_;
  e.seq = seq;
  e.prev_hash = std::move(prev_hash);
  e.time = now;
  e.event_type = std::move(in.event_type);
  e.actor_type = std::move(in.actor_type);
  e.actor_id = std::move(in.actor_id);
  e.actor_name = std::move(in.actor_name);
  e.target_type = std::move(in.target_type);
  e.target_id = std::move(in.target_id);
  e.details_json = std::move(in.details_json);
  e.hash = ComputeEventHash(audit_key_.view(), e);
  if (e.hash.size() != kAuditHashLength) return Internal("HMAC-SHA256 failed");
  return e;
}

Status AuditLog::Append(store::Tx& tx, AuditEventInput in, TimePoint now) const {
  if (in.event_type.empty()) return InvalidArgument("audit event type must not be empty");
  SIGNET_ASSIGN_OR_RETURN(auto next, NextPosition(tx));
  SIGNET_ASSIGN_OR_RETURN(domain::AuditEvent e,
                          MakeEvent(next.first, std::move(next.second), std::move(in), now));
  SIGNET_TRY(tx.AppendAuditEvent(e));
  return tx.PutSetting(HeadSettingKey(node_id_), EncodeHead(e.seq, e.hash));
}

Status AuditLog::Appender::Append(store::Tx& tx, AuditEventInput in, TimePoint now) {
  if (in.event_type.empty()) return InvalidArgument("audit event type must not be empty");
  if (!next_) {
    SIGNET_ASSIGN_OR_RETURN(next_, log_->NextPosition(tx));
  }
  SIGNET_ASSIGN_OR_RETURN(domain::AuditEvent e,
                          log_->MakeEvent(next_->first, next_->second, std::move(in), now));
  SIGNET_TRY(tx.AppendAuditEvent(e));
  next_ = std::pair{e.seq + 1, std::move(e.hash)};
  appended_ = true;
  return Ok();
}

Status AuditLog::Appender::Finish(store::Tx& tx) {
  if (appended_) {
    SIGNET_TRY(
        tx.PutSetting(HeadSettingKey(log_->node_id_), EncodeHead(next_->first - 1, next_->second)));
  }
  Reset();
  return Ok();
}

Result<Checkpoint> AuditLog::MakeCheckpoint(store::Store& store, TimePoint now) const {
  if (checkpoint_seed_.empty()) return FailedPrecondition("this audit log has no checkpoint key");
  Checkpoint cp;
  cp.time = now;
  {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store.BeginRead());
    SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> nodes, tx->ListAuditNodeIds());
    for (const std::string& node : nodes) {
      SIGNET_ASSIGN_OR_RETURN(std::optional<domain::AuditEvent> last, tx->LastAuditEvent(node));
      if (last) cp.heads.push_back(ChainHead{node, last->seq, last->hash});
    }
  }
  std::sort(cp.heads.begin(), cp.heads.end(),
            [](const ChainHead& a, const ChainHead& b) { return a.node_id < b.node_id; });
  SIGNET_ASSIGN_OR_RETURN(
      cp.signature, crypto::Ed25519Sign(checkpoint_seed_.view(), AsBytes(CheckpointPayload(cp))));
  return cp;
}

Status AuditLog::CheckCheckpointSignature(const Checkpoint& checkpoint) const {
  if (checkpoint_public_key_.empty())
    return FailedPrecondition("this audit log has no checkpoint key");
  auto ok = crypto::Ed25519Verify(checkpoint_public_key_, AsBytes(CheckpointPayload(checkpoint)),
                                  checkpoint.signature);
  if (!ok)
    return InvalidArgument("the checkpoint's signature does not verify with this server's key");
  return Ok();
}

Result<VerifyReport> AuditLog::Verify(store::Tx& tx, const Checkpoint* checkpoint) const {
  VerifyReport report;
  // What the checkpoint says each chain held, and whether the walk found it so.
  std::map<std::string, const ChainHead*> expected;
  std::map<std::string, bool> found;
  if (checkpoint != nullptr) {
    for (const auto& h : checkpoint->heads) expected[h.node_id] = &h;
  }
  auto checkpoint_fails = [&](std::string why) {
    if (report.checkpoint_problem.empty()) report.checkpoint_problem = std::move(why);
  };
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> nodes, tx.ListAuditNodeIds());
  for (const std::string& node : nodes) {
    std::int64_t expected_seq = 1;
    Bytes prev(kAuditHashLength, 0);
    std::optional<ChainBreak> broken;
    const ChainHead* saved = expected.count(node) != 0 ? expected[node] : nullptr;
    Status walked = tx.ForEachAuditEvent(node, [&](const domain::AuditEvent& e) -> Status {
      if (e.seq != expected_seq) {
        broken = ChainBreak{node, expected_seq,
                            e.seq > expected_seq
                                ? "event " + std::to_string(expected_seq) + " is missing"
                                : "event " + std::to_string(e.seq) + " is out of order"};
      } else if (!ConstantTimeEquals(e.prev_hash, prev)) {
        broken = ChainBreak{node, e.seq, "prev_hash does not match the previous event's hash"};
      } else if (!ConstantTimeEquals(ComputeEventHash(audit_key_.view(), e), e.hash)) {
        broken = ChainBreak{node, e.seq,
                            "hash mismatch: the event was altered or the key is "
                            "wrong"};
      }
      if (broken) return Internal("chain broken");  // stops the walk; reported below
      if (saved != nullptr && e.seq == saved->seq) {
        found[node] = true;
        if (!ConstantTimeEquals(e.hash, saved->hash)) {
          checkpoint_fails("event " + std::to_string(e.seq) + " of node '" + node +
                           "' is not the event the checkpoint saw");
        }
      }
      ++report.checked;
      ++expected_seq;
      prev = e.hash;
      return Ok();
    });
    if (broken) {
      report.valid = false;
      report.first_bad = std::move(broken);
      break;
    }
    if (!walked) return tl::unexpected(std::move(walked).error());
    // A recorded head beyond the newest event: the tail was removed.
    SIGNET_ASSIGN_OR_RETURN(std::optional<ChainHead> head, ReadHead(tx, node));
    const std::int64_t last_seq = expected_seq - 1;
    if (head && head->seq > last_seq) {
      report.valid = false;
      report.first_bad =
          ChainBreak{node, last_seq + 1,
                     "events " + std::to_string(last_seq + 1) + "–" + std::to_string(head->seq) +
                         " are missing: the newest events were removed"};
      break;
    }
    if (head && head->seq == last_seq && !ConstantTimeEquals(head->hash, prev)) {
      report.valid = false;
      report.first_bad = ChainBreak{node, last_seq,
                                    "the newest event is not the one recorded as the chain's head"};
      break;
    }
  }
  if (checkpoint != nullptr) {
    for (const auto& h : checkpoint->heads) {
      if (!found[h.node_id]) {
        checkpoint_fails("event " + std::to_string(h.seq) + " of node '" + h.node_id +
                         "', the newest when the checkpoint was made, is no longer in the log");
      }
    }
    if (!report.valid && report.checkpoint_problem.empty()) {
      checkpoint_fails("the log no longer verifies (see firstBadSeq)");
    }
    report.extends_checkpoint = report.checkpoint_problem.empty();
  }
  return report;
}

Result<VerifyReport> AuditLog::Verify(store::Store& store, const Checkpoint* checkpoint) const {
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store.BeginRead());
  return Verify(*tx, checkpoint);
}

}  // namespace signet::audit
