// Approvals: the inbox of requests waiting for me (approve or reject with a comment), and my
// own requests with their progress step by step.
import { useState } from 'preact/hooks';
import { get, listAll, post } from '../api/client';
import { P } from '../api/lookups';
import type { Signer, SigningRequest } from '../api/types';
import { useApp } from '../app/state';
import { Dialog, FormDialog } from '../components/dialog';
import { Empty, ErrorNotice, Loading, StatusBadge, toast } from '../components/feedback';
import { TextAreaField } from '../components/forms';
import { Link } from '../components/Link';
import { RequestedAccess, RequestsTable, StepList, requesterName, signerNameOf } from '../components/requests';
import { PageHeader, TabLinks } from '../components/widgets';
import { formatDate, relativeTime } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { isMine, isWaitingFor } from '../lib/inbox';
import { navigate, useLocation } from '../lib/router';

export function ApprovalsPage(p: { openId?: string }) {
  const app = useApp();
  const { query } = useLocation();
  const view = query.get('view') === 'mine' ? 'mine' : 'inbox';
  const names = useLoad(async () => {
    const signers = await listAll<Signer>(P.signers, 'signers', { projectId: app.project.id }).catch(() => [] as Signer[]);
    return new Map(signers.map((s) => [s.id, s.name]));
  }, [app.project.id]);
  const mine = useLoad(async () => (await listAll<SigningRequest>(P.requests, 'requests', {}, 1000)).filter((r) => isMine(r, app.me)), [app.me.id]);
  const [deciding, setDeciding] = useState<{ req: SigningRequest; action: 'approve' | 'reject' } | null>(null);
  const signerName = (r: SigningRequest) => signerNameOf(r.signerId, names.data, r.requestData?.requestData?.signerName);

  return (
    <>
      <PageHeader title="Approvals" description="Requests for access to signers with a signing policy. Approve or reject the ones waiting for you; follow your own." />
      <TabLinks
        label="Approvals"
        current={view}
        tabs={[
          { id: 'inbox', label: `Waiting for me (${app.inbox.length})`, href: '/approvals' },
          { id: 'mine', label: 'My requests', href: '/approvals?view=mine' },
        ]}
      />
      <section id="tab-panel" role="tabpanel" aria-labelledby={`tab-${view}`}>
        {view === 'inbox' ? (
          app.inbox.length === 0 ? (
            <div class="card">
              <Empty title="Nothing waiting for you">Requests that need your approval appear here, and their count in the navigation.</Empty>
            </div>
          ) : (
            <div class="stack">
              {app.inbox.map((r) => (
                <article class="card" key={r.id} aria-labelledby={`req-${r.id}`}>
                  <div class="card-head">
                    <h2 id={`req-${r.id}`}>
                      {requesterName(app, r)} asks to sign with <Link href={`/signers/${r.signerId}`}>{signerName(r)}</Link>
                    </h2>
                    <span class="muted small" title={r.createdAt}>
                      {relativeTime(r.createdAt)} · expires {relativeTime(r.expiresAt)}
                    </span>
                  </div>
                  <div class="card-body grid-2">
                    <div>
                      <p class="justification">“{r.justification}”</p>
                      <p>
                        <RequestedAccess r={r} />
                      </p>
                    </div>
                    <div>
                      <StepList r={r} />
                    </div>
                  </div>
                  <div class="dialog-foot">
                    <Link class="btn btn-ghost" href={`/approvals/${r.id}`}>
                      Details
                    </Link>
                    <button type="button" class="btn" onClick={() => setDeciding({ req: r, action: 'reject' })}>
                      Reject
                    </button>
                    <button type="button" class="btn btn-primary" onClick={() => setDeciding({ req: r, action: 'approve' })}>
                      Approve
                    </button>
                  </div>
                </article>
              ))}
            </div>
          )
        ) : (
          <div class="card">
            <RequestsTable
              rows={mine.data}
              loading={mine.loading}
              error={mine.error}
              reload={mine.reload}
              showSigner
              signerNames={names.data}
              empty="You have not asked for access yet"
            />
          </div>
        )}
      </section>
      {deciding && (
        <DecideDialog
          req={deciding.req}
          action={deciding.action}
          signerName={signerName(deciding.req)}
          onClose={() => setDeciding(null)}
          onDone={() => {
            app.refreshInbox();
            mine.reload();
          }}
        />
      )}
      {p.openId && <RequestDetails id={p.openId} signerName={signerName} onDecide={(req, action) => setDeciding({ req, action })} />}
    </>
  );
}

function DecideDialog(p: { req: SigningRequest; action: 'approve' | 'reject'; signerName: string; onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const approve = p.action === 'approve';
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await post<SigningRequest>(`${P.requests}/${p.req.id}/${p.action}`, comment.trim() ? { comment: comment.trim() } : {});
      toast(approve ? (r.status === 'approved' ? 'Approved: the grant is active' : 'Approved; the next step decides now') : 'Request rejected');
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog
      title={approve ? 'Approve request' : 'Reject request'}
      submitLabel={approve ? 'Approve' : 'Reject'}
      danger={!approve}
      busy={busy}
      onClose={p.onClose}
      onSubmit={submit}
    >
      <ErrorNotice error={error} />
      <p>
        {requesterName(app, p.req)} → <strong>{p.signerName}</strong>: <RequestedAccess r={p.req} />
      </p>
      <p class="muted justification">“{p.req.justification}”</p>
      <TextAreaField label="Comment" optional value={comment} onInput={setComment} maxLength={1024} rows={2} hint="Kept with your decision and in the audit log." />
    </FormDialog>
  );
}

function RequestDetails(p: { id: string; signerName: (r: SigningRequest) => string; onDecide: (r: SigningRequest, a: 'approve' | 'reject') => void }) {
  const app = useApp();
  const req = useLoad(() => get<SigningRequest>(`${P.requests}/${p.id}`), [p.id, app.inbox.length]);
  const close = () => navigate('/approvals');
  const r = req.data;
  return (
    <Dialog title="Signing request" wide onClose={close}>
      {req.loading && !r && <Loading />}
      <ErrorNotice error={req.error} />
      {r && (
        <div class="stack">
          <dl class="details">
            <dt>Signer</dt>
            <dd>
              <Link href={`/signers/${r.signerId}`}>{p.signerName(r)}</Link>
            </dd>
            <dt>Requester</dt>
            <dd>{requesterName(app, r)}</dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={r.status} />
            </dd>
            <dt>Justification</dt>
            <dd class="justification">{r.justification}</dd>
            <dt>Access</dt>
            <dd>
              <RequestedAccess r={r} />
            </dd>
            <dt>Created</dt>
            <dd>{formatDate(r.createdAt)}</dd>
            <dt>Expires</dt>
            <dd>{formatDate(r.expiresAt)}</dd>
            {r.grantId && (
              <>
                <dt>Grant</dt>
                <dd>
                  <code>{r.grantId}</code>
                </dd>
              </>
            )}
          </dl>
          <div>
            <h3>Progress</h3>
            <StepList r={r} />
          </div>
          {r.approvals.length > 0 && (
            <div>
              <h3>Decisions</h3>
              <ul>
                {r.approvals.map((a) => (
                  <li key={a.id}>
                    {app.nameOf('user', a.approverUserId)} {a.decision} step {a.step + 1} {relativeTime(a.createdAt)}
                    {a.comment && <>: “{a.comment}”</>}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {isWaitingFor(r, app.me) && (
            <div class="form-actions">
              <button type="button" class="btn" onClick={() => p.onDecide(r, 'reject')}>
                Reject
              </button>
              <button type="button" class="btn btn-primary" onClick={() => p.onDecide(r, 'approve')}>
                Approve
              </button>
            </div>
          )}
        </div>
      )}
    </Dialog>
  );
}
