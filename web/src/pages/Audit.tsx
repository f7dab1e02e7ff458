// Audit Log: filters, the detail of each event, and Verify chain.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api/client';
import { P } from '../api/lookups';
import type { AuditCheckpoint, AuditEvent, VerifyReport } from '../api/types';
import { Dialog } from '../components/dialog';
import { Empty, ErrorNotice, Spinner, toast } from '../components/feedback';
import { TextField } from '../components/forms';
import { Link } from '../components/Link';
import { DataTable, PageHeader, Pagination } from '../components/widgets';
import { downloadText } from '../lib/download';
import { formatDate, localInputToIso } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { navigate, setQuery, useLocation } from '../lib/router';

const EVENT_TYPES = [
  'auth.login', 'auth.login.failure', 'auth.logout', 'auth.universal-auth.login', 'auth.universal-auth.failure',
  'sign.success', 'sign.denied', 'sign.failed', 'signer.create', 'signer.update', 'signer.delete', 'signer.member.create',
  'signer.member.update', 'signer.member.delete', 'certificate.issue', 'certificate.import', 'certificate.csr',
  'certificate.import-certificate', 'certificate.revoke', 'ca.create', 'signing-policy.create', 'signing-policy.update',
  'signing-policy.delete', 'signing-request.create', 'signing-request.approve', 'signing-request.reject',
  'signing-request.cancel', 'signing-request.pre-approve', 'grant.create', 'grant.revoke', 'user.create', 'user.update',
  'user.delete', 'identity.create', 'identity.delete', 'identity.client-secret.create', 'identity.client-secret.revoke',
  'project.create', 'project.membership.create', 'project.membership.update', 'project.membership.delete',
  'notification-webhook.create', 'notification-webhook.update', 'notification-webhook.delete', 'notification-smtp.update',
  'notification-smtp.delete', 'admin.bootstrap',
];

export function AuditPage(p: { openSeq?: string }) {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = Number(query.get('limit') ?? 50) || 50;
  const eventType = query.get('eventType') ?? '';
  const actorId = query.get('actorId') ?? '';
  const since = query.get('since') ?? '';
  const until = query.get('until') ?? '';
  const [draft, setDraft] = useState({ eventType, actorId, since, until });
  useEffect(() => setDraft({ eventType, actorId, since, until }), [eventType, actorId, since, until]);

  const events = useLoad(
    (signal) =>
      get<{ auditLogs: AuditEvent[]; totalCount: number }>(
        P.audit,
        { eventType, actorId, since: localInputToIso(since), until: localInputToIso(until), offset, limit },
        signal,
      ),
    [eventType, actorId, since, until, offset, limit],
  );
  const verify = useAction(() => get<VerifyReport>(`${P.audit}/verify`));
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [checkpointTime, setCheckpointTime] = useState<string | null>(null);
  const saveCheckpoint = useAction(async () => {
    const cp = await get<AuditCheckpoint>(`${P.audit}/checkpoint`);
    downloadText(`signet-audit-checkpoint-${cp.time.replace(/[:.]/g, '-')}.json`, `${JSON.stringify(cp, null, 2)}\n`, 'application/json');
    toast('Checkpoint saved: keep it outside this server');
  });
  const verifyCheckpoint = useAction(async (file: File) => {
    let checkpoint: AuditCheckpoint;
    try {
      checkpoint = JSON.parse(await file.text());
    } catch {
      throw new Error(`${file.name} is not a checkpoint (not JSON)`);
    }
    setReport(null);
    const r = await post<VerifyReport>(`${P.audit}/verify`, { checkpoint });
    setCheckpointTime(checkpoint.time ?? null);
    setReport(r);
  });
  const open = p.openSeq ? events.data?.auditLogs.find((e) => String(e.seq) === p.openSeq) : undefined;
  const back = () => navigate(`/audit${location.search}`);

  const apply = (e: Event) => {
    e.preventDefault();
    setQuery({ ...draft, offset: null });
  };

  return (
    <>
      <PageHeader
        title="Audit Log"
        description="Every state change and every sign attempt, chained per node with an HMAC under a key derived from the root key: rewriting rows without that key is detected."
        actions={
          <>
            <button
              type="button"
              class="btn btn-primary"
              disabled={verify.busy}
              onClick={async () => {
                setReport(null);
                setCheckpointTime(null);
                const r = await verify.run();
                if (r) setReport(r);
              }}
            >
              {verify.busy && <Spinner />} Verify chain
            </button>
            <button type="button" class="btn" disabled={saveCheckpoint.busy} onClick={() => saveCheckpoint.run()}>
              {saveCheckpoint.busy && <Spinner />} Save checkpoint
            </button>
            <input
              id="checkpoint-file"
              class="visually-hidden file-trigger"
              type="file"
              accept="application/json,.json"
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                const file = input.files?.[0];
                input.value = '';
                if (file) void verifyCheckpoint.run(file);
              }}
            />
            <label class="btn" for="checkpoint-file">
              {verifyCheckpoint.busy && <Spinner />} Verify against a checkpoint…
            </label>
          </>
        }
      />
      <ErrorNotice error={verify.error} title="Verification failed to run." />
      <ErrorNotice error={saveCheckpoint.error} title="No checkpoint saved." />
      <ErrorNotice error={verifyCheckpoint.error} title="Not verified against the checkpoint." />
      {report && (
        <div class={`notice ${report.valid && report.extendsCheckpoint !== false ? 'notice-success' : 'notice-error'}`} role="status" aria-live="polite" id="verify-result">
          <div class="verify-result">
            <span class="big" aria-hidden="true">
              {report.valid && report.extendsCheckpoint !== false ? '✓' : '✗'}
            </span>
            <div>
              {report.valid ? (
                <strong>Chain intact: {report.checked} events checked.</strong>
              ) : (
                <>
                  <strong>Chain broken.</strong> The first bad event is seq {report.firstBadSeq}
                  {report.firstBadNodeId ? ` on node ${report.firstBadNodeId}` : ''} ({report.checked} events checked)
                  {report.reason ? `: ${report.reason}` : ''}. Rows were changed outside Signet.
                </>
              )}
              {report.extendsCheckpoint !== undefined && (
                <div>
                  {report.extendsCheckpoint
                    ? `The log still extends the checkpoint of ${formatDate(checkpointTime)}: nothing recorded up to then was removed.`
                    : `The log does not extend the checkpoint of ${formatDate(checkpointTime)}${report.checkpointProblem ? `: ${report.checkpointProblem}` : ''}.`}
                </div>
              )}
            </div>
          </div>
        </div>
      )}
      <div class="card">
        <form class="toolbar" onSubmit={apply}>
          <div class="field">
            <label for="audit-event-type">Event type</label>
            <input id="audit-event-type" type="text" list="audit-event-types" value={draft.eventType} onInput={(e) => setDraft({ ...draft, eventType: (e.target as HTMLInputElement).value })} />
            <datalist id="audit-event-types">
              {EVENT_TYPES.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </div>
          <TextField label="Actor ID" value={draft.actorId} onInput={(v) => setDraft({ ...draft, actorId: v.trim() })} mono />
          <TextField label="Since" type="datetime-local" value={draft.since} onInput={(v) => setDraft({ ...draft, since: v })} />
          <TextField label="Until" type="datetime-local" value={draft.until} onInput={(v) => setDraft({ ...draft, until: v })} />
          <button type="submit" class="btn">
            Apply filters
          </button>
          {(eventType || actorId || since || until) && (
            <button type="button" class="btn btn-ghost" onClick={() => setQuery({ eventType: null, actorId: null, since: null, until: null, offset: null })}>
              Clear
            </button>
          )}
        </form>
        <DataTable<AuditEvent>
          caption="Audit events"
          rows={events.data?.auditLogs}
          loading={events.loading}
          error={events.error}
          rowKey={(e) => `${e.nodeId}-${e.seq}`}
          empty={<Empty title="No events match" />}
          columns={[
            { header: 'Seq', render: (e) => <code>{e.seq}</code> },
            { header: 'Time', render: (e) => formatDate(e.time) },
            { header: 'Event', render: (e) => <code>{e.eventType}</code> },
            { header: 'Actor', render: (e) => <>{e.actor.name || <span class="muted">anonymous</span>}<span class="sub">{e.actor.type}</span></> },
            { header: 'Target', render: (e) => <>{e.target.type}<span class="sub mono">{e.target.id}</span></> },
            {
              header: 'Actions',
              class: 'actions',
              render: (e) => (
                <Link class="btn btn-ghost btn-sm" href={`/audit/${e.seq}${location.search}`}>
                  Details
                </Link>
              ),
            },
          ]}
        />
        {events.data && (
          <Pagination offset={offset} limit={limit} total={events.data.totalCount} noun="events" onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />
        )}
      </div>
      {p.openSeq && (
        <Dialog title={`Audit event ${p.openSeq}`} wide onClose={back}>
          {!open ? (
            <p class="muted">{events.loading ? 'Loading…' : 'This event is not on the current page of the list.'}</p>
          ) : (
            <dl class="details">
              <dt>Seq</dt>
              <dd>{open.seq}</dd>
              <dt>Node</dt>
              <dd>{open.nodeId}</dd>
              <dt>Time</dt>
              <dd>{formatDate(open.time)}</dd>
              <dt>Event</dt>
              <dd>
                <code>{open.eventType}</code>
              </dd>
              <dt>Actor</dt>
              <dd>
                {open.actor.name} ({open.actor.type}) <code>{open.actor.id}</code>
              </dd>
              <dt>Target</dt>
              <dd>
                {open.target.type} <code>{open.target.id}</code>
              </dd>
              <dt>Details</dt>
              <dd>
                <pre class="mono break">{JSON.stringify(open.details, null, 2)}</pre>
              </dd>
              <dt>Previous hash</dt>
              <dd>
                <code class="break">{open.prevHash}</code>
              </dd>
              <dt>Hash</dt>
              <dd>
                <code class="break">{open.hash}</code>
              </dd>
            </dl>
          )}
        </Dialog>
      )}
    </>
  );
}
