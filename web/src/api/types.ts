// The shapes of the public API (docs/api.md) as the console reads them. Optional fields are
// ones that a newer signetd adds (e.g. the signer's certificate read model); the console works
// with and without them.

export type Id = string;

export interface Principal {
  type: 'user' | 'identity';
  id: Id;
  name: string;
  email?: string;
  orgRole: 'admin' | 'member';
  mfa?: boolean; // the session passed a second factor (users)
}

export type MfaRequirement = 'none' | 'privileged' | 'all';

export interface MfaStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
  sessionVerified: boolean;
  required: MfaRequirement;
}

export interface SessionInfo {
  principal: Principal;
  csrfToken: string | null;
  expiresIn?: number;
}

export interface Page<T> {
  items: T[];
  totalCount: number;
}

export interface User {
  id: Id;
  email: string;
  orgRole: 'admin' | 'member';
  createdAt: string;
  updatedAt: string;
}

export interface Identity {
  id: Id;
  name: string;
  clientId: string;
  createdAt: string;
  updatedAt: string;
}

export interface Project {
  id: Id;
  name: string;
  slug: string;
  description: string;
  // csbr: the CA/Browser Forum Code Signing Baseline Requirements apply (docs/hsm.md).
  complianceProfile: 'none' | 'csbr';
  createdAt: string;
}

export interface Membership {
  id: Id;
  projectId: Id;
  role: string;
  userId?: Id;
  identityId?: Id;
  createdAt: string;
}

export type KeyAlgorithm =
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_prime256v1' | 'EC_secp384r1' | 'EC_secp521r1';

export interface Ca {
  id: Id;
  projectId: Id;
  parentCaId: Id | null;
  type: 'root' | 'intermediate';
  commonName: string;
  keyAlgorithm: KeyAlgorithm;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  status: string;
  createdAt: string;
}

// A time-stamp authority (docs/timestamping.md).
export interface Tsa {
  id: Id;
  projectId: Id;
  name: string;
  caId: Id | null;
  certificateId: Id | null;
  keyAlgorithm: KeyAlgorithm;
  keySource: 'software' | 'hsm';
  policyOid: string;
  accuracyMs: number;
  requireAuth: boolean;
  isDefault: boolean;
  status: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  timestampsIssued: number;
  url: string;
  createdAt: string;
  updatedAt: string;
}

export interface Certificate {
  id: Id;
  projectId: Id;
  caId: Id | null;
  commonName: string;
  keyAlgorithm: KeyAlgorithm;
  status: 'active' | 'revoked' | 'pending' | string;
  serialNumber: string;
  notBefore: string | null;
  notAfter: string | null;
  keyUsages: string[];
  extendedKeyUsages: string[];
  revokedAt: string | null;
  createdAt: string;
}

export interface Signer {
  id: Id;
  projectId: Id;
  name: string;
  description: string;
  status: 'active' | 'disabled' | 'expired' | string;
  certificateId: Id;
  signingPolicyId: Id | null;
  lastSignedAt: string | null;
  createdAt: string;
  updatedAt: string;
  // The certificate read model of newer servers (Infisical's names).
  certificateCommonName?: string;
  certificateNotAfter?: string | null;
  certificateStatus?: string;
  approvalPolicyId?: Id | null;
  approvalPolicyName?: string | null;
}

export interface SignerMember {
  id: Id;
  signerId: Id;
  role: 'admin' | 'operator' | 'auditor';
  userId?: Id;
  identityId?: Id;
  createdAt: string;
}

export interface Operation {
  id: Id;
  signerId: Id;
  status: 'success' | 'failed' | 'denied';
  signingAlgorithm: string;
  dataHash: string;
  actorType: 'user' | 'identity';
  actorId: Id;
  actorName: string;
  grantId: Id | null;
  approvalGrantId?: Id | null;
  clientMetadata: Record<string, string>;
  sourceIp: string;
  errorMessage: string | null;
  createdAt: string;
}

export interface PolicyStep {
  name: string;
  requiredApprovals: number;
  approvers: { type: 'user'; id: Id }[];
}

export interface SigningPolicy {
  id: Id;
  projectId: Id;
  name: string;
  steps: PolicyStep[];
  constraints: { maxWindowDuration: string | null; maxSignings: number | null };
  maxRequestTtl: string;
  bypassForMachineIdentities: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Approval {
  id: Id;
  requestId: Id;
  step: number;
  approverUserId: Id;
  decision: 'approved' | 'rejected';
  comment: string;
  createdAt: string;
}

export interface SigningRequest {
  id: Id;
  signerId: Id;
  projectId: Id;
  requesterType: 'user' | 'identity';
  requesterId: Id;
  // Newer servers name the parties (Infisical's request read model).
  requesterName?: string;
  requesterEmail?: string;
  requestData?: { requestData?: { signerName?: string } };
  justification: string;
  requestedSignings: number | null;
  requestedWindowDuration: string | null;
  requestedWindowStart: string | null;
  requestedWindowEnd: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';
  currentStep: number;
  signingPolicyId: Id | null;
  policy: SigningPolicy | null;
  approvals: Approval[];
  expiresAt: string;
  grantId: Id | null;
  createdAt: string;
  updatedAt: string;
}

export interface Grant {
  id: Id;
  signerId: Id;
  requestId: Id | null;
  granteeType: 'user' | 'identity';
  granteeId: Id;
  maxSignings: number | null;
  usedSignings: number;
  remainingSignings: number | null;
  windowStart: string;
  expiresAt: string | null;
  status: 'active' | 'expired' | 'revoked';
  revokedReason: string;
  createdAt: string;
  attributes?: { signerName?: string };
}

export interface AuditEvent {
  seq: number;
  nodeId: string;
  time: string;
  eventType: string;
  actor: { type: string; id: string; name: string };
  target: { type: string; id: string };
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface VerifyReport {
  valid: boolean;
  checked: number;
  firstBadSeq?: number;
  firstBadNodeId?: string;
  reason?: string;
  extendsCheckpoint?: boolean; // when verified against a saved checkpoint
  checkpointProblem?: string;
}

export interface AuditCheckpoint {
  version: number;
  time: string;
  heads: { nodeId: string; seq: number; hash: string }[];
  signature: string;
}

// Notifications (docs/notifications.md).
export const NOTIFY_EVENTS = [
  'request.created',
  'request.step_advanced',
  'request.approved',
  'request.rejected',
  'request.cancelled',
  'request.expired',
  'grant.expiring',
  'certificate.expiring',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export type WebhookFormat = 'signet' | 'slack' | 'teams';

export interface Webhook {
  id: Id;
  projectId: Id;
  name: string;
  url: string;
  format: WebhookFormat;
  events: NotifyEvent[]; // empty: every event
  enabled: boolean;
  hasSecret: boolean; // the secret itself is never returned
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: Id;
  eventId: Id;
  event: string;
  channel: 'webhook' | 'email';
  webhookId: Id | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  payload: string;
}

export type SmtpSecurity = 'none' | 'starttls' | 'tls';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  hasPassword: boolean; // the password is write-only
  from: string;
  caCertificate: string | null;
  updatedAt: string;
}
