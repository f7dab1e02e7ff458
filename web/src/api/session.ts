// Browser session calls (docs/api.md "Browser sessions").
import { ApiError, call, setCsrfToken } from './client';
import type { SessionInfo } from './types';

export const SESSION_PATH = '/api/v1/auth/session';

// Who is logged in, or null when the browser has no valid session.
export async function currentSession(): Promise<SessionInfo | null> {
  try {
    const s = await call<SessionInfo>('GET', SESSION_PATH);
    setCsrfToken(s.csrfToken);
    return s;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

// The password step's answer for an account with an authenticator.
export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  expiresIn: number;
}

export async function logIn(email: string, password: string): Promise<SessionInfo | MfaChallenge> {
  const s = await call<SessionInfo | MfaChallenge>('POST', SESSION_PATH, { body: { email, password } });
  if ('mfaRequired' in s) return s;
  setCsrfToken(s.csrfToken);
  return s;
}

// The second login step: a code from the authenticator, or a recovery code.
export async function verifyMfa(mfaToken: string, proof: { code: string } | { recoveryCode: string }): Promise<SessionInfo> {
  const s = await call<SessionInfo>('POST', SESSION_PATH + '/mfa', { body: { mfaToken, ...proof } });
  setCsrfToken(s.csrfToken);
  return s;
}

export async function logOut(): Promise<void> {
  try {
    await call('DELETE', SESSION_PATH);
  } finally {
    setCsrfToken(null);
  }
}
