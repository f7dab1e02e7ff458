#include "domain/entities.h"

#include <array>
#include <string>
#include <utility>

namespace signet::domain {
namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <class E, std::size_t N>
std::string_view NameOf(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <class E, std::size_t N>
Result<E> ParseWith(const NameTable<E, N>& table, std::string_view field, std::string_view text) {
  std::string accepted;
  for (const auto& [v, name] : table) {
    if (name == text) return v;
    if (!accepted.empty()) accepted += ", ";
    accepted += name;
  }
  return InvalidArgument(std::string(field) + " '" + std::string(text) + "' is not one of " +
                         accepted);
}

constexpr NameTable<OrgRole, 2> kOrgRoles{
    {{OrgRole::kAdmin, "admin"}, {OrgRole::kMember, "member"}}};
constexpr NameTable<PrincipalType, 2> kPrincipalTypes{
    {{PrincipalType::kUser, "user"}, {PrincipalType::kIdentity, "identity"}}};
constexpr NameTable<ProjectRole, 2> kProjectRoles{
    {{ProjectRole::kAdmin, "admin"}, {ProjectRole::kMember, "member"}}};
constexpr NameTable<CaStatus, 2> kCaStatuses{
    {{CaStatus::kActive, "active"}, {CaStatus::kDisabled, "disabled"}}};
constexpr NameTable<CertificateStatus, 3> kCertificateStatuses{
    {{CertificateStatus::kPending, "pending"},
     {CertificateStatus::kActive, "active"},
     {CertificateStatus::kRevoked, "revoked"}}};
constexpr NameTable<SignerStatus, 2> kSignerStatuses{
    {{SignerStatus::kActive, "active"}, {SignerStatus::kDisabled, "disabled"}}};
constexpr NameTable<SignerRole, 3> kSignerRoles{{{SignerRole::kAdmin, "admin"},
                                                 {SignerRole::kOperator, "operator"},
                                                 {SignerRole::kAuditor, "auditor"}}};
constexpr NameTable<RequestStatus, 5> kRequestStatuses{{{RequestStatus::kPending, "pending"},
                                                        {RequestStatus::kApproved, "approved"},
                                                        {RequestStatus::kRejected, "rejected"},
                                                        {RequestStatus::kCancelled, "cancelled"},
                                                        {RequestStatus::kExpired, "expired"}}};
constexpr NameTable<ApprovalDecision, 2> kApprovalDecisions{
    {{ApprovalDecision::kApproved, "approved"}, {ApprovalDecision::kRejected, "rejected"}}};
constexpr NameTable<GrantStatus, 3> kGrantStatuses{{{GrantStatus::kActive, "active"},
                                                    {GrantStatus::kExpired, "expired"},
                                                    {GrantStatus::kRevoked, "revoked"}}};
constexpr NameTable<OperationStatus, 3> kOperationStatuses{{{OperationStatus::kSuccess, "success"},
                                                            {OperationStatus::kFailed, "failed"},
                                                            {OperationStatus::kDenied, "denied"}}};
constexpr NameTable<KeySourceType, 2> kKeySourceTypes{
    {{KeySourceType::kSoftware, "software"}, {KeySourceType::kHsm, "hsm"}}};
constexpr NameTable<ComplianceProfile, 2> kComplianceProfiles{
    {{ComplianceProfile::kNone, "none"}, {ComplianceProfile::kCsbr, "csbr"}}};

}  // namespace

std::string_view OrgRoleName(OrgRole v) { return NameOf(kOrgRoles, v); }
std::string_view PrincipalTypeName(PrincipalType v) { return NameOf(kPrincipalTypes, v); }
std::string_view ProjectRoleName(ProjectRole v) { return NameOf(kProjectRoles, v); }
std::string_view CaStatusName(CaStatus v) { return NameOf(kCaStatuses, v); }
std::string_view CertificateStatusName(CertificateStatus v) {
  return NameOf(kCertificateStatuses, v);
}
std::string_view SignerStatusName(SignerStatus v) { return NameOf(kSignerStatuses, v); }
std::string_view SignerRoleName(SignerRole v) { return NameOf(kSignerRoles, v); }
std::string_view RequestStatusName(RequestStatus v) { return NameOf(kRequestStatuses, v); }
std::string_view ApprovalDecisionName(ApprovalDecision v) { return NameOf(kApprovalDecisions, v); }
std::string_view GrantStatusName(GrantStatus v) { return NameOf(kGrantStatuses, v); }
std::string_view OperationStatusName(OperationStatus v) { return NameOf(kOperationStatuses, v); }
std::string_view KeySourceTypeName(KeySourceType v) { return NameOf(kKeySourceTypes, v); }
std::string_view ComplianceProfileName(ComplianceProfile v) {
  return NameOf(kComplianceProfiles, v);
}

Result<OrgRole> ParseOrgRole(std::string_view text) { return ParseWith(kOrgRoles, "role", text); }
Result<PrincipalType> ParsePrincipalType(std::string_view text) {
  return ParseWith(kPrincipalTypes, "principal type", text);
}
Result<ProjectRole> ParseProjectRole(std::string_view text) {
  return ParseWith(kProjectRoles, "role", text);
}
Result<CaStatus> ParseCaStatus(std::string_view text) {
  return ParseWith(kCaStatuses, "status", text);
}
Result<CertificateStatus> ParseCertificateStatus(std::string_view text) {
  return ParseWith(kCertificateStatuses, "status", text);
}
Result<SignerStatus> ParseSignerStatus(std::string_view text) {
  return ParseWith(kSignerStatuses, "status", text);
}
Result<SignerRole> ParseSignerRole(std::string_view text) {
  return ParseWith(kSignerRoles, "role", text);
}
Result<RequestStatus> ParseRequestStatus(std::string_view text) {
  return ParseWith(kRequestStatuses, "status", text);
}
Result<ApprovalDecision> ParseApprovalDecision(std::string_view text) {
  return ParseWith(kApprovalDecisions, "decision", text);
}
Result<GrantStatus> ParseGrantStatus(std::string_view text) {
  return ParseWith(kGrantStatuses, "status", text);
}
Result<OperationStatus> ParseOperationStatus(std::string_view text) {
  return ParseWith(kOperationStatuses, "status", text);
}

Result<KeySourceType> ParseKeySourceType(std::string_view text) {
  return ParseWith(kKeySourceTypes, "keySource", text);
}
Result<ComplianceProfile> ParseComplianceProfile(std::string_view text) {
  return ParseWith(kComplianceProfiles, "complianceProfile", text);
}

}  // namespace signet::domain
