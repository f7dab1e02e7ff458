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

export async function logIn(email: string, password: string): Promise<SessionInfo> {
  const s = await call<SessionInfo>('POST', SESSION_PATH, { body: { email, password } });
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
