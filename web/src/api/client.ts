// The console's one way to call signetd: the public HTTP API, same origin, with the browser
// session cookie (HttpOnly, so this code never sees it) and, on every call that changes
// state, the session's CSRF token in X-CSRF-Token. The CSRF token lives in memory only; after
// a reload it comes back from GET /api/v1/auth/session.

export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly reqId: string | undefined;

  constructor(status: number, error: string, message: string, reqId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.error = error;
    this.reqId = reqId;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

let csrfToken: string | null = null;
let onSessionEnded: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

// Called once when a call answers 401: the session expired or was ended elsewhere.
export function setSessionEndedHandler(handler: (() => void) | null): void {
  onSessionEnded = handler;
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

// Turns whatever came back into an ApiError with a message a person can act on.
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  if (body && typeof body === 'object' && 'message' in body) {
    const b = body as { error?: string; message?: string; reqId?: string };
    return new ApiError(res.status, b.error ?? 'Error', b.message || res.statusText, b.reqId);
  }
  return new ApiError(res.status, 'Error', `signetd answered ${res.status} ${res.statusText}`.trim());
}

export interface CallOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NetworkError', 'Cannot reach signetd. Check that it is running and try again.');
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 && onSessionEnded && path !== '/api/v1/auth/session') onSessionEnded();
    throw err;
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
  call<T>('GET', path, { query, signal });
export const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, { body });
export const patch = <T>(path: string, body: unknown) => call<T>('PATCH', path, { body });
export const put = <T>(path: string, body: unknown) => call<T>('PUT', path, { body });
export const del = <T>(path: string) => call<T>('DELETE', path);

// Every item of a list endpoint, 100 at a time, up to `cap` items.
export async function listAll<T>(path: string, key: string, query: Query = {}, cap = 2000): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; offset < cap; offset += 100) {
    const page = await get<Record<string, unknown>>(path, { ...query, offset, limit: 100 });
    const items = (page[key] as T[]) ?? [];
    out.push(...items);
    if (items.length < 100 || out.length >= (page.totalCount as number)) break;
  }
  return out;
}
