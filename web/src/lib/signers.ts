// What the Signers table shows for one signer: the effective status (expired when its
// certificate is expired or revoked), the certificate's name and expiry, the policy's name.
// Newer servers send these fields with the signer; older ones need the certificate and policy
// looked up, which the caller passes in.
import type { Certificate, Signer, SigningPolicy } from '../api/types';
import { certificateState } from './certs';

export interface SignerRow {
  signer: Signer;
  status: string;
  certificateName: string | null;
  certificateNotAfter: string | null;
  policyName: string | null;
}

export function effectiveStatus(signer: Signer, cert: Certificate | undefined, now: number = Date.now()): string {
  if (signer.status === 'expired') return 'expired';
  if (signer.certificateStatus === 'revoked' || signer.certificateStatus === 'expired') return 'expired';
  const notAfter = signer.certificateNotAfter ?? cert?.notAfter ?? null;
  if (notAfter && new Date(notAfter).getTime() <= now) return 'expired';
  if (cert && ['revoked', 'expired'].includes(certificateState(cert, now))) return 'expired';
  return signer.status;
}

export function signerRow(
  signer: Signer,
  cert: Certificate | undefined,
  policy: SigningPolicy | undefined,
  now: number = Date.now(),
): SignerRow {
  const policyId = signer.signingPolicyId ?? signer.approvalPolicyId ?? null;
  return {
    signer,
    status: effectiveStatus(signer, cert, now),
    certificateName: signer.certificateCommonName ?? cert?.commonName ?? null,
    certificateNotAfter: signer.certificateNotAfter ?? cert?.notAfter ?? null,
    policyName: policyId ? (signer.approvalPolicyName ?? policy?.name ?? null) : null,
  };
}

// Whether the signer read model came with the certificate fields (no lookups needed).
export function hasReadModel(signer: Signer): boolean {
  return signer.certificateCommonName !== undefined;
}
