// Signing requests and grants as tables, with their progress and actions; shared by the
// signer's Approvals tab, the Approvals page and the Grants page.
import { useState } from 'preact/hooks';
import { post } from '../api/client';
import { P } from '../api/lookups';
import type { Grant, SigningRequest } from '../api/types';
import { useApp } from '../app/state';
import { formatDate, relativeTime, shortId } from '../lib/format';
import { isMine, progressSummary, stepProgress } from '../lib/inbox';
import { humanDuration } from '../lib/duration';
import { ConfirmDialog, FormDialog } from './dialog';
import { Empty, ErrorNotice, StatusBadge, toast } from './feedback';
import { TextAreaField } from './forms';
import { Link } from './Link';
import { DataTable } from './widgets';

export function requesterName(app: ReturnType<typeof useApp>, r: SigningRequest): string {
  if (r.requesterEmail) return r.requesterEmail;
  if (r.requesterName) return r.requesterName;
  return app.nameOf(r.requesterType, r.requesterId);
}

// The signer's name: from the request itself on newer servers, else from the signers the
// caller can list, else a short id (approvers need not be members of the signer).
export function signerNameOf(signerId: string, names: Map<string, string> | undefined, fromServer?: string): string {
  return fromServer ?? names?.get(signerId) ?? `signer ${shortId(signerId)}`;
}

export function RequestedAccess({ r }: { r: SigningRequest }) {
  return (
    <>
      {r.requestedSignings ? `${r.requestedSignings} signing${r.requestedSignings === 1 ? '' : 's'}` : 'any number of signings'}{' '}
      <span class="sub">
        {r.requestedWindowStart && r.requestedWindowEnd
          ? `${formatDate(r.requestedWindowStart)} – ${formatDate(r.requestedWindowEnd)}`
          : `for ${humanDuration(r.requestedWindowDuration)}`}
      </span>
    </>
  );
}

export function StepList({ r }: { r: SigningRequest }) {
  const app = useApp();
  const steps = stepProgress(r);
  if (steps.length === 0) return <span class="muted">No approval steps</span>;
  return (
    <ol class="steps" aria-label="Approval steps">
      {steps.map((s) => (
        <li key={s.index}>
          <span class={`step-dot ${s.state}`} aria-hidden="true" />
          <span>
            <strong>{s.name}</strong>: {s.approvals} of {s.required} approval{s.required === 1 ? '' : 's'}
            {s.state === 'current' && ' — waiting'}
            {s.state === 'rejected' && ' — rejected'}
            {s.approvers.length > 0 && <span class="sub">by {s.approvers.map((id) => app.nameOf('user', id)).join(', ')}</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}

export function RequestsTable(p: {
  rows: SigningRequest[] | undefined;
  loading: boolean;
  error: unknown;
  reload: () => void;
  showSigner?: boolean;
  empty: string;
  signerNames?: Map<string, string>;
}) {
  const app = useApp();
  const [cancelling, setCancelling] = useState<SigningRequest | null>(null);
  return (
    <>
      <DataTable<SigningRequest>
        caption="Signing requests"
        rows={p.rows}
        loading={p.loading}
        error={p.error}
        rowKey={(r) => r.id}
        empty={<Empty title={p.empty} />}
        columns={[
          ...(p.showSigner
            ? [
                {
                  header: 'Signer',
                  render: (r: SigningRequest) => (
                    <Link href={`/signers/${r.signerId}`}>{signerNameOf(r.signerId, p.signerNames, r.requestData?.requestData?.signerName)}</Link>
                  ),
                },
              ]
            : []),
          {
            header: 'Requester',
            render: (r) => (
              <>
                {requesterName(app, r)}
                <span class="sub">{relativeTime(r.createdAt)}</span>
              </>
            ),
          },
          { header: 'Justification', render: (r) => <span class="justification">{r.justification}</span> },
          { header: 'Access', render: (r) => <RequestedAccess r={r} /> },
          {
            header: 'Status',
            render: (r) => (
              <>
                <StatusBadge status={r.status} />
                <span class="sub">{progressSummary(r)}</span>
              </>
            ),
          },
          {
            header: 'Actions',
            class: 'actions',
            render: (r) => (
              <>
                <Link class="btn btn-ghost btn-sm" href={`/approvals/${r.id}`}>
                  Details
                </Link>
                {r.status === 'pending' && isMine(r, app.me) && (
                  <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setCancelling(r)}>
                    Cancel
                  </button>
                )}
              </>
            ),
          },
        ]}
      />
      {cancelling && (
        <ConfirmDialog
          title="Cancel this request?"
          confirmLabel="Cancel request"
          danger
          onClose={() => setCancelling(null)}
          onConfirm={async () => {
            await post(`${P.requests}/${cancelling.id}/cancel`, {});
            toast('Request cancelled');
            p.reload();
            app.refreshInbox();
          }}
        >
          <p>Approvers will no longer see it. You can ask again later.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

export function GrantsTable(p: {
  rows: Grant[] | undefined;
  loading: boolean;
  error: unknown;
  reload: () => void;
  canRevoke: (g: Grant) => boolean;
  showSigner?: boolean;
  signerNames?: Map<string, string>;
  empty: string;
}) {
  const app = useApp();
  const [revoking, setRevoking] = useState<Grant | null>(null);
  return (
    <>
      <DataTable<Grant>
        caption="Grants"
        rows={p.rows}
        loading={p.loading}
        error={p.error}
        rowKey={(g) => g.id}
        empty={<Empty title={p.empty} />}
        columns={[
          ...(p.showSigner
            ? [
                {
                  header: 'Signer',
                  render: (g: Grant) => <Link href={`/signers/${g.signerId}`}>{signerNameOf(g.signerId, p.signerNames, g.attributes?.signerName)}</Link>,
                },
              ]
            : []),
          {
            header: 'Grantee',
            render: (g) => (
              <>
                {app.nameOf(g.granteeType, g.granteeId)}
                <span class="sub mono">grant {shortId(g.id)}</span>
              </>
            ),
          },
          {
            header: 'Signings',
            render: (g) => (
              <>
                {g.usedSignings} used{g.maxSignings !== null ? ` of ${g.maxSignings}` : ''}
                {g.maxSignings !== null && (
                  <meter class="visually-hidden" min={0} max={g.maxSignings} value={g.usedSignings} aria-label="Signings used" />
                )}
              </>
            ),
          },
          {
            header: 'Window',
            render: (g) => (
              <>
                from {formatDate(g.windowStart)}
                <span class="sub">{g.expiresAt ? `until ${formatDate(g.expiresAt)}` : 'no end'}</span>
              </>
            ),
          },
          {
            header: 'Status',
            render: (g) => (
              <>
                <StatusBadge status={g.status} />
                {g.status === 'revoked' && g.revokedReason && <span class="sub">{g.revokedReason}</span>}
              </>
            ),
          },
          {
            header: 'Actions',
            class: 'actions',
            render: (g) =>
              g.status === 'active' && p.canRevoke(g) ? (
                <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setRevoking(g)}>
                  Revoke
                </button>
              ) : null,
          },
        ]}
      />
      {revoking && (
        <RevokeGrantDialog
          grant={revoking}
          onClose={() => setRevoking(null)}
          onDone={() => {
            p.reload();
          }}
        />
      )}
    </>
  );
}

export function RevokeGrantDialog(p: { grant: Grant; onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await post(`${P.grants}/${p.grant.id}/revoke`, reason ? { reason } : {});
      toast('Grant revoked');
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title="Revoke grant?" submitLabel="Revoke grant" danger busy={busy} onClose={p.onClose} onSubmit={submit}>
      <ErrorNotice error={error} />
      <p>
        {app.nameOf(p.grant.granteeType, p.grant.granteeId)} can no longer sign with this grant, starting with the next sign call. This
        cannot be undone.
      </p>
      <TextAreaField label="Reason" optional value={reason} onInput={setReason} maxLength={1024} rows={2} hint="Kept with the grant and in the audit log." />
    </FormDialog>
  );
}
