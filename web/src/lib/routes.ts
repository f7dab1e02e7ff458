// The console's pages. signetd serves index.html for exactly these patterns
// (src/http/console.cc kPagePatterns lists the same; tests check both).
export const PAGE_PATTERNS = [
  '/',
  '/login',
  '/signers',
  '/signers/{id}',
  '/signers/{id}/{tab}',
  '/certificates',
  '/certificates/{id}',
  '/cas',
  '/cas/{id}',
  '/timestamping',
  '/timestamping/{id}',
  '/policies',
  '/policies/{id}',
  '/approvals',
  '/approvals/{id}',
  '/grants',
  '/audit',
  '/audit/{seq}',
  '/notifications',
  '/admin',
  '/admin/{tab}',
  '/account',
] as const;

export const SIGNER_TABS = ['overview', 'members', 'approvals', 'activity', 'how-to-sign'] as const;
export type SignerTab = (typeof SIGNER_TABS)[number];
export const ADMIN_TABS = ['users', 'identities', 'projects'] as const;
