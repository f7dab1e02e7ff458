// Which certificates a signer may use (SPEC §2): codeSigning EKU, a key held by Signet, not
// revoked, inside its validity period. The server checks the same on create; the console only
// offers what would pass.
import type { Certificate } from '../api/types';

export type CertificateState = 'active' | 'revoked' | 'expired' | 'not-yet-valid' | 'pending';

export function certificateState(cert: Certificate, now: number = Date.now()): CertificateState {
  if (cert.status === 'revoked') return 'revoked';
  if (cert.status === 'pending') return 'pending';
  if (cert.notAfter && new Date(cert.notAfter).getTime() <= now) return 'expired';
  if (cert.notBefore && new Date(cert.notBefore).getTime() > now) return 'not-yet-valid';
  return 'active';
}

export function isCodeSigning(cert: Certificate): boolean {
  return cert.extendedKeyUsages.includes('codeSigning');
}

// Why a certificate cannot back a signer, or null when it can.
export function unusableReason(cert: Certificate, now: number = Date.now()): string | null {
  if (!isCodeSigning(cert)) return 'lacks the codeSigning extended key usage';
  switch (certificateState(cert, now)) {
    case 'revoked': return 'is revoked';
    case 'expired': return 'has expired';
    case 'not-yet-valid': return 'is not valid yet';
    case 'pending': return 'waits for its signed certificate (CSR)';
    default: return null;
  }
}

export function usableForSigning(certs: Certificate[], now: number = Date.now()): Certificate[] {
  return certs
    .filter((c) => unusableReason(c, now) === null)
    .sort((a, b) => a.commonName.localeCompare(b.commonName));
}

export function isRsa(algorithm: string): boolean {
  return algorithm.startsWith('RSA');
}

export const KEY_ALGORITHMS = [
  { value: 'EC_prime256v1', label: 'ECDSA P-256' },
  { value: 'EC_secp384r1', label: 'ECDSA P-384' },
  { value: 'EC_secp521r1', label: 'ECDSA P-521' },
  { value: 'RSA_2048', label: 'RSA 2048' },
  { value: 'RSA_3072', label: 'RSA 3072' },
  { value: 'RSA_4096', label: 'RSA 4096' },
] as const;

export function keyAlgorithmLabel(value: string): string {
  return KEY_ALGORITHMS.find((k) => k.value === value)?.label ?? value;
}

// PEM of a DER SubjectPublicKeyInfo given in base64 (GET /signers/{id}/public-key).
export function spkiPem(base64Der: string): string {
  const lines = base64Der.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
