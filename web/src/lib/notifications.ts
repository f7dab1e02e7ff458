// What the Notifications screen computes: a delivery's outcome in words, the SMTP port that
// goes with a security setting, and the webhook body of a create or an edit (a secret is sent
// only when typed; an edit without one keeps the stored secret).
import { NOTIFY_EVENTS, type Delivery, type NotifyEvent, type SmtpSecurity, type Webhook, type WebhookFormat } from '../api/types';

export function deliveryOutcome(d: Pick<Delivery, 'status' | 'lastStatusCode' | 'lastError'>): string {
  if (d.status === 'delivered') return `delivered (HTTP ${d.lastStatusCode ?? '?'})`;
  const why = d.lastError ?? (d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : 'no answer yet');
  return d.status === 'failed' ? `failed: ${why}` : `pending: ${why}`;
}

export const DEFAULT_PORTS: Record<SmtpSecurity, string> = { starttls: '587', tls: '465', none: '25' };

// The port after the security changes: the new setting's usual port, unless another was typed.
export function portFor(security: SmtpSecurity, previous: SmtpSecurity, port: string): string {
  return !port || port === DEFAULT_PORTS[previous] ? DEFAULT_PORTS[security] : port;
}

export interface WebhookForm {
  name: string;
  url: string;
  secret: string;
  removeSecret: boolean;
  format: WebhookFormat;
  events: NotifyEvent[];
  enabled: boolean;
}

export function webhookBody(form: WebhookForm, existing: Webhook | null, projectId: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    url: form.url.trim(),
    format: form.format,
    events: NOTIFY_EVENTS.filter((e) => form.events.includes(e)),
    enabled: form.enabled,
  };
  const name = form.name.trim();
  if (existing) {
    if (name && name !== existing.name) body.name = name;
    if (form.secret) body.secret = form.secret;
    else if (form.removeSecret) body.secret = null;
  } else {
    body.projectId = projectId;
    if (name) body.name = name;
    if (form.secret) body.secret = form.secret;
  }
  return body;
}
