// Placing API errors next to what they are about. The API's messages name the field first
// ("name must not contain two hyphens in a row", "certificateId ... lacks codeSigning"), so
// the form whose field is named shows the message under that field; anything else shows at
// the top of the form.
import { ApiError } from '../api/client';

export interface PlacedError {
  field: string | null; // the form's field key, or null for the whole form
  message: string;
  reqId?: string;
}

// `fields` maps form keys to the API field names they send (e.g. {certificate: 'certificateId'}).
export function placeError(error: unknown, fields: Record<string, string[]>): PlacedError {
  if (!(error instanceof ApiError)) {
    return { field: null, message: error instanceof Error ? error.message : String(error) };
  }
  const message = error.message;
  let best: { key: string; at: number } | null = null;
  for (const [key, names] of Object.entries(fields)) {
    for (const name of names) {
      const re = new RegExp(`(^|[^A-Za-z0-9_.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`, 'i');
      const m = re.exec(message);
      if (m && (best === null || m.index < best.at)) best = { key, at: m.index };
    }
  }
  return { field: best?.key ?? null, message, reqId: error.reqId };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

// Brings the first error of the page into view (long forms), after the next render.
export function revealError(): void {
  requestAnimationFrame(() => {
    const el = document.querySelector('[aria-invalid="true"], .field-error, .notice-error');
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  });
}
