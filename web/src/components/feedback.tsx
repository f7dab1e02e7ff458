// Loading, empty and error states, badges, notices and toasts.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';

export function Spinner() {
  return <span class="spinner" aria-hidden="true" />;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <Spinner /> {label}
    </div>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <h3>{props.title}</h3>
      {props.children}
    </div>
  );
}

// An API error as its message (and request id, for the server log), near what it is about.
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const reqId = error instanceof ApiError ? error.reqId : undefined;
  return (
    <div class="notice notice-error" role="alert">
      <div>
        {title && <strong>{title} </strong>}
        {message}
        {reqId && <span class="req-id">request id {reqId}</span>}
      </div>
    </div>
  );
}

export function Notice(props: { kind: 'info' | 'success' | 'warning' | 'error'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      <div>{props.children}</div>
    </div>
  );
}

const STATUS_KIND: Record<string, string> = {
  active: 'success', success: 'success', approved: 'success', valid: 'success', delivered: 'success',
  disabled: 'neutral', cancelled: 'neutral', pending: 'warning', 'not-yet-valid': 'warning',
  expired: 'danger', revoked: 'danger', rejected: 'danger', failed: 'danger', denied: 'danger',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const kind = STATUS_KIND[status] ?? 'neutral';
  return <span class={`badge badge-${kind}`}>{label ?? status}</span>;
}

export function Badge(props: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge plain badge-${props.kind ?? 'neutral'}`}>{props.children}</span>;
}

// ---- toasts ----
interface Toast { id: number; text: string }
let toastId = 0;
let pushToast: ((t: Toast) => void) | null = null;

export function toast(text: string): void {
  pushToast?.({ id: ++toastId, text });
}

export function Toasts() {
  const [items, setItems] = useState<Toast[]>([]);
  useEffect(() => {
    pushToast = (t) => {
      setItems((xs) => [...xs, t]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== t.id)), 5000);
    };
    return () => {
      pushToast = null;
    };
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {items.map((t) => (
        <div class="toast" key={t.id}>
          <span>{t.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => setItems((xs) => xs.filter((x) => x.id !== t.id))}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
