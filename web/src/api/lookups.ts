// Reads several pages use: certificates by id, policies and CAs of a project.
import { get, listAll } from './client';
import type { Ca, Certificate, SigningPolicy, Tsa } from './types';

export const P = {
  signers: '/api/v1/pki/signers',
  certificates: '/api/v1/pki/certificates',
  cas: '/api/v1/pki/ca',
  tsas: '/api/v1/pki/tsa',
  policies: '/api/v1/pki/signing-policies',
  requests: '/api/v1/pki/signing-requests',
  grants: '/api/v1/pki/signing-grants',
  audit: '/api/v1/audit-logs',
  users: '/api/v1/users',
  identities: '/api/v1/identities',
  projects: '/api/v1/projects',
  webhooks: '/api/v1/notifications/webhooks',
  smtp: '/api/v1/notifications/smtp',
};

// Certificates by id, fetched in parallel; a certificate the caller cannot read is left out.
export async function certificatesById(ids: string[]): Promise<Map<string, Certificate>> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map((id) => get<Certificate>(`${P.certificates}/${id}`).catch(() => null)));
  const out = new Map<string, Certificate>();
  for (const c of found) if (c) out.set(c.id, c);
  return out;
}

export function projectPolicies(projectId: string): Promise<SigningPolicy[]> {
  return listAll<SigningPolicy>(P.policies, 'policies', { projectId });
}

export function projectCertificates(projectId: string, extendedKeyUsage?: string): Promise<Certificate[]> {
  return listAll<Certificate>(P.certificates, 'certificates', { projectId, extendedKeyUsage });
}

export function projectCas(projectId: string): Promise<Ca[]> {
  return listAll<Ca>(P.cas, 'cas', { projectId });
}

export function projectTsas(projectId: string): Promise<Tsa[]> {
  return listAll<Tsa>(P.tsas, 'tsas', { projectId });
}
