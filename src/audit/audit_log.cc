#include "audit/audit_log.h"

#include <utility>

#include "crypto/mac.h"

namespace signet::audit {
namespace {

constexpr std::string_view kVersionTag = "signet.audit.v1";
constexpr std::string_view kHkdfInfo = "signet audit v1";
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

}  // namespace

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

Result<std::unique_ptr<AuditLog>> AuditLog::Create(std::string node_id, SecretBytes audit_key) {
  if (node_id.empty()) return InvalidArgument("audit node id must not be empty");
  if (node_id.size() > kMaxNodeIdLength) {
    return InvalidArgument("audit node id is " + std::to_string(node_id.size()) +
                           " bytes; the maximum is " + std::to_string(kMaxNodeIdLength));
  }
  if (audit_key.size() != kAuditHashLength) {
    return InvalidArgument("audit key is " + std::to_string(audit_key.size()) +
                           " bytes; it must be 32");
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(node_id), std::move(audit_key)));
}

Status AuditLog::Append(store::Tx& tx, AuditEventInput in, TimePoint now) const {
  if (in.event_type.empty()) return InvalidArgument("audit event type must not be empty");
  SIGNET_ASSIGN_OR_RETURN(std::optional<domain::AuditEvent> last, tx.LastAuditEvent(node_id_));
  domain::AuditEvent e;
  e.node_id = node_id_;
  if (last) {
    if (last->hash.size() != kAuditHashLength) {
      return Internal("audit event " + std::to_string(last->seq) + " of node '" + node_id_ +
                      "' has a malformed hash");
    }
    e.seq = last->seq + 1;
    e.prev_hash = last->hash;
  } else {
    e.seq = 1;
    e.prev_hash = Bytes(kAuditHashLength, 0);
  }
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
  return tx.AppendAuditEvent(e);
}

Result<VerifyReport> AuditLog::Verify(store::Tx& tx) const {
  VerifyReport report;
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> nodes, tx.ListAuditNodeIds());
  for (const std::string& node : nodes) {
    std::int64_t expected_seq = 1;
    Bytes prev(kAuditHashLength, 0);
    std::optional<ChainBreak> broken;
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
      ++report.checked;
      ++expected_seq;
      prev = e.hash;
      return Ok();
    });
    if (broken) {
      report.valid = false;
      report.first_bad = std::move(broken);
      return report;
    }
    if (!walked) return tl::unexpected(std::move(walked).error());
  }
  return report;
}

Result<VerifyReport> AuditLog::Verify(store::Store& store) const {
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<store::Tx> tx, store.BeginRead());
  return Verify(*tx);
}

}  // namespace signet::audit
