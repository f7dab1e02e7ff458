// Notifications (docs/notifications.md): the project's webhooks — create, edit, delete, send a
// test, read the delivery log — and, for org admins, the e-mail server (SMTP). Secrets and the
// SMTP password are write-only: the API never returns them, so the forms never show them.
import { useState } from 'preact/hooks';
import { ApiError, del, get, patch, post, put } from '../api/client';
import { P } from '../api/lookups';
import { NOTIFY_EVENTS, type Delivery, type NotifyEvent, type SmtpSecurity, type SmtpSettings, type Webhook, type WebhookFormat } from '../api/types';
import { useApp } from '../app/state';
import { ConfirmDialog, Dialog, FormDialog } from '../components/dialog';
import { Badge, Empty, ErrorNotice, Notice, Spinner, StatusBadge, toast } from '../components/feedback';
import { CheckField, SelectField, TextAreaField, TextField } from '../components/forms';
import { DataTable, PageHeader } from '../components/widgets';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { deliveryOutcome, portFor, webhookBody } from '../lib/notifications';

const EVENT_LABELS: Record<NotifyEvent, string> = {
  'request.created': 'a request is made',
  'request.step_advanced': 'a request moves to its next step',
  'request.approved': 'a request is approved',
  'request.rejected': 'a request is rejected',
  'request.cancelled': 'a request is cancelled',
  'request.expired': 'a request expires',
  'grant.expiring': 'a grant is about to run out',
  'certificate.expiring': 'a certificate is about to expire',
};

const FORMATS: { value: WebhookFormat; label: string }[] = [
  { value: 'signet', label: 'Signet — signed JSON (Signet-Signature header)' },
  { value: 'slack', label: 'Slack incoming webhook' },
  { value: 'teams', label: 'Microsoft Teams incoming webhook' },
];

export function NotificationsPage() {
  const app = useApp();
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Webhooks and e-mail tell approvers about requests as they happen; delivery never holds a request up."
      />
      <div class="stack">
        <Webhooks key={app.project.id} />
        {app.isOrgAdmin && <SmtpCard />}
      </div>
    </>
  );
}

// ---- webhooks ----

function Webhooks() {
  const app = useApp();
  const project = app.project;
  const hooks = useLoad((signal) => get<{ webhooks: Webhook[] }>(P.webhooks, { projectId: project.id, limit: 100 }, signal).then((r) => r.webhooks), [project.id]);
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [logOf, setLogOf] = useState<Webhook | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const [logTick, setLogTick] = useState(0);
  const sendTest = async (w: Webhook) => {
    setTesting(w.id);
    setRowError(null);
    try {
      const d = await post<Delivery>(`${P.webhooks}/${w.id}/test`, {});
      toast(`Test to ${w.name}: ${deliveryOutcome(d)}`);
      setLogOf(w);
      setLogTick((t) => t + 1);
    } catch (e) {
      setRowError({ id: w.id, error: e });
    } finally {
      setTesting(null);
    }
  };
  const shown = logOf && hooks.data?.find((w) => w.id === logOf.id);
  return (
    <>
      <div class="card">
        <div class="card-head">
          <h2>Webhooks of {project.name}</h2>
          <button type="button" class="btn btn-primary" onClick={() => setEditing('new')}>
            Create webhook
          </button>
        </div>
        <DataTable<Webhook>
          caption={`Webhooks of ${project.name}`}
          rows={hooks.data}
          loading={hooks.loading}
          error={hooks.error}
          rowKey={(w) => w.id}
          empty={
            <Empty title="No webhooks">
              <p>A webhook posts every approval event to a URL: your own service (signed JSON), a Slack or a Teams channel.</p>
            </Empty>
          }
          columns={[
            {
              header: 'Name',
              render: (w) => (
                <>
                  {w.name}
                  <span class="sub mono break">{w.url}</span>
                  {rowError?.id === w.id && <ErrorNotice error={rowError.error} />}
                </>
              ),
            },
            { header: 'Format', render: (w) => w.format },
            {
              header: 'Events',
              render: (w) => (w.events.length === 0 ? <span class="muted">all</span> : w.events.map((e) => <span class="chip" key={e}>{e}</span>)),
            },
            {
              header: 'State',
              render: (w) => (
                <>
                  <StatusBadge status={w.enabled ? 'active' : 'disabled'} label={w.enabled ? 'enabled' : 'disabled'} />
                  {w.hasSecret && <span class="sub">signed with a secret</span>}
                </>
              ),
            },
            {
              header: 'Actions',
              class: 'actions',
              render: (w) => (
                <>
                  <button type="button" class="btn btn-ghost btn-sm" aria-pressed={shown?.id === w.id} onClick={() => setLogOf(w)}>
                    Deliveries
                  </button>
                  <button type="button" class="btn btn-ghost btn-sm" disabled={testing === w.id} onClick={() => sendTest(w)}>
                    {testing === w.id && <Spinner />} Send test
                  </button>
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => setEditing(w)}>
                    Edit
                  </button>
                  <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setDeleting(w)}>
                    Delete
                  </button>
                </>
              ),
            },
          ]}
        />
      </div>
      {shown && <DeliveryLog webhook={shown} tick={logTick} />}
      {editing && (
        <WebhookDialog
          webhook={editing === 'new' ? null : editing}
          projectId={project.id}
          onClose={() => setEditing(null)}
          onDone={hooks.reload}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete webhook ${deleting.name}?`}
          confirmLabel="Delete webhook"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await del(`${P.webhooks}/${deleting.id}`);
            toast(`Webhook ${deleting.name} deleted`);
            if (logOf?.id === deleting.id) setLogOf(null);
            hooks.reload();
          }}
        >
          <p>Nothing more is sent to {deleting.url}; deliveries still queued for it are dropped.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function WebhookDialog(p: { webhook: Webhook | null; projectId: string; onClose: () => void; onDone: () => void }) {
  const w = p.webhook;
  const [name, setName] = useState(w?.name ?? '');
  const [url, setUrl] = useState(w?.url ?? '');
  const [secret, setSecret] = useState('');
  const [removeSecret, setRemoveSecret] = useState(false);
  const [format, setFormat] = useState<WebhookFormat>(w?.format ?? 'signet');
  const [events, setEvents] = useState<NotifyEvent[]>(w?.events ?? []);
  const [enabled, setEnabled] = useState(w?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const toggle = (e: NotifyEvent, on: boolean) => setEvents((cur) => (on ? [...cur, e] : cur.filter((x) => x !== e)));
  const submit = async () => {
    if (!url.trim()) return setError({ field: 'url', message: 'Enter the URL to post to' });
    if (!w && format === 'signet' && secret.length < 16) {
      return setError({ field: 'secret', message: 'The signet format needs a secret of at least 16 characters' });
    }
    setBusy(true);
    setError(null);
    const body = webhookBody({ name, url, secret, removeSecret, format, events, enabled }, w, p.projectId);
    try {
      if (w) {
        await patch(`${P.webhooks}/${w.id}`, body);
        toast(`Webhook ${name.trim() || w.name} saved`);
      } else {
        const created = await post<Webhook>(P.webhooks, body);
        toast(`Webhook ${created.name} created`);
      }
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(placeError(e, { name: ['name'], url: ['url'], secret: ['secret'], format: ['format'], events: ['events'] }));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);
  return (
    <FormDialog
      title={w ? `Edit webhook ${w.name}` : 'Create webhook'}
      submitLabel={w ? 'Save' : 'Create webhook'}
      wide
      busy={busy}
      error={error}
      onClose={p.onClose}
      onSubmit={submit}
    >
      <TextField label="URL" value={url} onInput={setUrl} mono maxLength={2048} error={fe('url')} hint="https://…; plain http only to a loopback address." />
      <TextField label="Name" optional value={name} onInput={setName} maxLength={64} error={fe('name')} hint={w ? undefined : "Unique in the project; by default the URL's host."} />
      <SelectField label="Format" value={format} onChange={(v) => setFormat(v as WebhookFormat)} options={FORMATS} error={fe('format')} />
      <TextField
        label="Secret"
        type="password"
        optional={format !== 'signet' || !!w}
        value={secret}
        onInput={setSecret}
        autoComplete="new-password"
        maxLength={256}
        error={fe('secret')}
        hint={
          w?.hasSecret
            ? 'A secret is set and never shown. Leave empty to keep it; type a new one to replace it.'
            : '16 to 256 characters; the receiver checks the Signet-Signature HMAC with it.'
        }
      />
      {w?.hasSecret && format !== 'signet' && !secret && (
        <CheckField label="Remove the secret" checked={removeSecret} onChange={setRemoveSecret} hint="Slack and Teams do not check it." />
      )}
      <fieldset class="field">
        <legend>Events</legend>
        <span class="hint">None checked: every event.</span>
        {fe('events') && (
          <span class="field-error" role="alert">
            {fe('events')}
          </span>
        )}
        {NOTIFY_EVENTS.map((e) => (
          <CheckField key={e} label={`${e} — ${EVENT_LABELS[e]}`} checked={events.includes(e)} onChange={(on) => toggle(e, on)} />
        ))}
      </fieldset>
      <CheckField label="Enabled" checked={enabled} onChange={setEnabled} hint="A disabled webhook is sent nothing." />
    </FormDialog>
  );
}

function DeliveryLog(p: { webhook: Webhook; tick: number }) {
  const [tick, setTick] = useState(0);
  const [open, setOpen] = useState<Delivery | null>(null);
  const log = useLoad(
    (signal) => get<{ deliveries: Delivery[] }>(`${P.webhooks}/${p.webhook.id}/deliveries`, { limit: 50 }, signal).then((r) => r.deliveries),
    [p.webhook.id, p.tick, tick],
  );
  return (
    <div class="card">
      <div class="card-head">
        <h2>Deliveries of {p.webhook.name}</h2>
        <button type="button" class="btn btn-sm" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </div>
      <DataTable<Delivery>
        caption={`Deliveries of ${p.webhook.name}`}
        rows={log.data}
        loading={log.loading}
        error={log.error}
        rowKey={(d) => d.id}
        empty={<Empty title="Nothing sent yet">Events appear here as they are delivered; Send test posts one now.</Empty>}
        columns={[
          { header: 'Queued', render: (d) => formatDate(d.createdAt) },
          { header: 'Event', render: (d) => <code>{d.event}</code> },
          { header: 'Status', render: (d) => <StatusBadge status={d.status} /> },
          { header: 'Attempts', render: (d) => `${d.attempts} of ${d.maxAttempts}` },
          {
            header: 'Last answer',
            render: (d) => (
              <>
                {d.lastStatusCode !== null ? <Badge>HTTP {d.lastStatusCode}</Badge> : <span class="muted">—</span>}
                {d.lastError && <span class="sub">{d.lastError}</span>}
                {d.status === 'pending' && d.nextAttemptAt && <span class="sub">next attempt {formatDate(d.nextAttemptAt)}</span>}
              </>
            ),
          },
          {
            header: 'Actions',
            class: 'actions',
            render: (d) => (
              <button type="button" class="btn btn-ghost btn-sm" onClick={() => setOpen(d)}>
                Payload
              </button>
            ),
          },
        ]}
      />
      {open && (
        <Dialog title={`Delivery of ${open.event}`} wide onClose={() => setOpen(null)}>
          <dl class="details">
            <dt>Event id</dt>
            <dd>
              <code>{open.eventId}</code>
            </dd>
            <dt>Status</dt>
            <dd>{deliveryOutcome(open)}</dd>
            <dt>Delivered</dt>
            <dd>{open.deliveredAt ? formatDate(open.deliveredAt) : '—'}</dd>
            <dt>Payload</dt>
            <dd>
              <pre class="mono break">{prettyJson(open.payload)}</pre>
            </dd>
          </dl>
        </Dialog>
      )}
    </div>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// ---- e-mail ----

interface SmtpForm {
  host: string;
  port: string;
  security: SmtpSecurity;
  username: string;
  password: string;
  removePassword: boolean;
  from: string;
  caCertificate: string;
}

function formOf(s: SmtpSettings | null): SmtpForm {
  if (!s) return { host: '', port: '587', security: 'starttls', username: '', password: '', removePassword: false, from: '', caCertificate: '' };
  return { host: s.host, port: String(s.port), security: s.security, username: s.username ?? '', password: '', removePassword: false, from: s.from, caCertificate: s.caCertificate ?? '' };
}

function SmtpCard() {
  const [form, setForm] = useState<SmtpForm | null>(null);
  const current = useLoad(async (signal) => {
    try {
      const s = await get<SmtpSettings>(P.smtp, undefined, signal);
      setForm(formOf(s));
      return s;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
      setForm(formOf(null));
      return null;
    }
  }, []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const [deleting, setDeleting] = useState(false);
  const s = current.data ?? null;
  const set = <K extends keyof SmtpForm>(k: K) => (v: SmtpForm[K]) => setForm((f) => (f ? { ...f, [k]: v } : f));
  const setSecurity = (v: string) =>
    setForm((f) => {
      if (!f) return f;
      const security = v as SmtpSecurity;
      return { ...f, security, port: portFor(security, f.security, f.port) };
    });
  const save = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    if (!form.host.trim()) return setError({ field: 'host', message: 'Enter the mail server' });
    if (!form.from.trim()) return setError({ field: 'from', message: 'Enter the sender address' });
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { host: form.host.trim(), port: Number(form.port), security: form.security, from: form.from.trim() };
    if (form.username.trim()) body.username = form.username.trim();
    if (form.password) body.password = form.password;
    else if (form.removePassword) body.password = null;
    if (form.caCertificate.trim()) body.caCertificate = form.caCertificate;
    try {
      const saved = await put<SmtpSettings>(P.smtp, body);
      current.setData(saved);
      setForm(formOf(saved));
      toast('E-mail settings saved');
    } catch (err) {
      setError(placeError(err, { host: ['host'], port: ['port'], security: ['security'], username: ['username'], password: ['password'], from: ['from'], ca: ['caCertificate'] }));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);
  return (
    <div class="card">
      <div class="card-head">
        <h2>E-mail (SMTP)</h2>
        {s && (
          <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setDeleting(true)}>
            Turn e-mail off
          </button>
        )}
      </div>
      <div class="card-body">
        {current.loading && !form && <Spinner />}
        <ErrorNotice error={current.error} />
        {!current.loading && !current.error && (
          <Notice kind={s ? 'success' : 'info'}>
            {s
              ? `E-mail is on: ${s.host}:${s.port} (${s.security}), from ${s.from}${s.hasPassword ? ', with a stored password' : ''}. Saved ${formatDate(s.updatedAt)}.`
              : 'E-mail is off. Approvers get e-mail once a mail server is set here (org-wide).'}
          </Notice>
        )}
        {form && (
          <form onSubmit={save} noValidate aria-label="E-mail settings">
            {error && error.field === null && <ErrorNotice error={new Error(error.message)} />}
            <div class="row">
              <TextField label="Host" value={form.host} onInput={set('host')} mono maxLength={253} error={fe('host')} />
              <SelectField
                label="Security"
                value={form.security}
                onChange={setSecurity}
                error={fe('security')}
                options={[
                  { value: 'starttls', label: 'STARTTLS (required)' },
                  { value: 'tls', label: 'TLS (implicit)' },
                  { value: 'none', label: 'None (plain text)' },
                ]}
              />
              <TextField label="Port" type="number" min={1} max={65535} value={form.port} onInput={set('port')} error={fe('port')} />
            </div>
            <TextField label="From" value={form.from} onInput={set('from')} maxLength={320} error={fe('from')} hint="signet@example.com or Signet <signet@example.com>" />
            <div class="row">
              <TextField label="Username" optional value={form.username} onInput={set('username')} maxLength={256} error={fe('username')} />
              <TextField
                label="Password"
                type="password"
                optional
                value={form.password}
                onInput={set('password')}
                autoComplete="new-password"
                error={fe('password')}
                hint={s?.hasPassword ? 'A password is stored and never shown. Leave empty to keep it.' : 'Sent with SMTP AUTH; never shown again.'}
              />
            </div>
            {s?.hasPassword && !form.password && (
              <CheckField label="Remove the stored password" checked={form.removePassword} onChange={set('removePassword')} />
            )}
            <TextAreaField
              label="CA certificate"
              optional
              mono
              rows={3}
              value={form.caCertificate}
              onInput={set('caCertificate')}
              error={fe('ca')}
              hint="PEM certificates to trust instead of the system's, for a private mail relay."
            />
            <div class="form-actions">
              <button type="submit" class="btn btn-primary" disabled={busy}>
                {busy && <Spinner />} Save e-mail settings
              </button>
            </div>
          </form>
        )}
      </div>
      {deleting && (
        <ConfirmDialog
          title="Turn e-mail off?"
          confirmLabel="Turn e-mail off"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await del(P.smtp);
            toast('E-mail turned off');
            current.setData(null);
            setForm(formOf(null));
          }}
        >
          <p>The settings and the stored password are deleted; webhooks go on.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
