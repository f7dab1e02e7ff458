#pragma once
// What replies show around an entity (SPEC §10, Infisical's read model): the entity plus
// values joined from other rows or computed at read time. Plain values, built by service/
// for entities the caller may already read, encoded by api/encode.h.

#include <optional>
#include <string>

#include "common/clock.h"
#include "domain/entities.h"

namespace signet::domain {

// A signer with its certificate, its policy's name and its effective status.
struct SignerDetail {
  Signer signer;
  // The signer's certificate without its PEM texts; absent when the row is gone.
  std::optional<Certificate> certificate;
  std::optional<std::string> policy_name;  // when the signer has a policy
  // "expired" when the certificate is revoked or past notAfter, else the signer's status
  // ("active" | "disabled").
  std::string effective_status;
  // "expired" when past notAfter, else the certificate's status; empty without certificate.
  std::string certificate_status;
};

// A grant with its signer's name and who revoked it (from the audit log).
struct GrantDetail {
  Grant grant;
  std::string project_id;  // the signer's
  std::string signer_name;
  std::optional<std::string> revoked_by_user_id;  // a revoked grant's revoker, when a user
};

// Who asked, by name, and the signer's name, for a signing request.
struct RequestParties {
  std::string requester_name;   // a user's email, an identity's name
  std::string requester_email;  // a user's email, "" for an identity
  std::string signer_name;
};

}  // namespace signet::domain
