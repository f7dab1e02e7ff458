// A signer's approvals: request access, pre-approve someone, the signer's requests and grants.
import { useState } from 'preact/hooks';
import { listAll, post } from '../../api/client';
import { P } from '../../api/lookups';
import type { Grant, SigningRequest } from '../../api/types';
import { useApp } from '../../app/state';
import { ErrorNotice, Notice, Spinner, toast } from '../../components/feedback';
import { Segmented, TextAreaField, TextField } from '../../components/forms';
import { PrincipalPicker } from '../../components/PrincipalPicker';
import { GrantsTable, RequestsTable } from '../../components/requests';
import { durationProblem, parseDuration } from '../../lib/duration';
import { placeError, type PlacedError } from '../../lib/errors';
import { useLoad } from '../../lib/hooks';
import type { SignerContext } from '../Signer';

const REQUEST_FIELDS = {
  justification: ['justification'],
  signings: ['requestedSignings', 'signings'],
  window: ['requestedWindowDuration', 'window', 'maxWindowDuration'],
  who: ['granteeUserId', 'granteeIdentityId', 'grantee', 'yourself'],
};

export function SignerApprovalsTab({ ctx }: { ctx: SignerContext }) {
  const app = useApp();
  const { signer, access, policy } = ctx;
  const requests = useLoad(() => listAll<SigningRequest>(P.requests, 'requests', { signerId: signer.id }, 500), [signer.id]);
  const grants = useLoad(() => listAll<Grant>(P.grants, 'grants', { signerId: signer.id }, 500), [signer.id]);
  const reload = () => {
    requests.reload();
    grants.reload();
    app.refreshInbox();
  };
  return (
    <div class="stack">
      {!signer.signingPolicyId ? (
        <Notice kind="info">
          This signer has no signing policy: members with sign permission sign at once, no request needed. Grants given earlier are
          listed below.
        </Notice>
      ) : (
        <div class={access.canManage ? 'grid-2' : ''}>
          <AccessForm ctx={ctx} mode="request" onDone={reload} />
          {access.canManage && <AccessForm ctx={ctx} mode="pre-approve" onDone={reload} />}
        </div>
      )}
      <div class="card">
        <div class="card-head">
          <h2>Requests</h2>
          {policy && <span class="muted small">Policy {policy.name}</span>}
        </div>
        <RequestsTable rows={requests.data} loading={requests.loading} error={requests.error} reload={reload} empty="No requests for this signer" />
      </div>
      <div class="card">
        <div class="card-head">
          <h2>Grants</h2>
        </div>
        <GrantsTable
          rows={grants.data}
          loading={grants.loading}
          error={grants.error}
          reload={reload}
          canRevoke={() => access.canManage}
          empty="No grants on this signer"
        />
      </div>
    </div>
  );
}

function AccessForm({ ctx, mode, onDone }: { ctx: SignerContext; mode: 'request' | 'pre-approve'; onDone: () => void }) {
  const { signer, policy } = ctx;
  const [kind, setKind] = useState<'user' | 'identity'>('user');
  const [grantee, setGrantee] = useState('');
  const [justification, setJustification] = useState('');
  const [signings, setSignings] = useState('');
  const [windowText, setWindowText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const max = policy?.constraints.maxSignings ?? null;
  const maxWindow = policy?.constraints.maxWindowDuration ?? null;

  const submit = async (e: Event) => {
    e.preventDefault();
    const local: PlacedError | null = !justification.trim()
      ? { field: 'justification', message: 'Say why access is needed' }
      : signings && !/^\d+$/.test(signings)
        ? { field: 'signings', message: 'Signings must be a whole number' }
        : windowText && durationProblem(windowText, 'Window', 60_000, maxWindow ? (parseDuration(maxWindow) ?? undefined) : undefined)
          ? { field: 'window', message: durationProblem(windowText, 'Window', 60_000, maxWindow ? (parseDuration(maxWindow) ?? undefined) : undefined)! }
          : mode === 'pre-approve' && !grantee
            ? { field: 'who', message: 'Choose who gets the grant' }
            : null;
    if (local) {
      setError(local);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { justification: justification.trim() };
      if (signings) body.requestedSignings = Number(signings);
      if (windowText) body.requestedWindowDuration = windowText.trim();
      if (mode === 'request') {
        await post(`${P.signers}/${signer.id}/requests`, body);
        toast('Access requested; approvers see it in their inbox');
      } else {
        body[kind === 'user' ? 'granteeUserId' : 'granteeIdentityId'] = grantee;
        await post(`${P.signers}/${signer.id}/requests/pre-approve`, body);
        toast('Grant created');
      }
      setJustification('');
      setSignings('');
      setWindowText('');
      setGrantee('');
      onDone();
    } catch (err) {
      setError(placeError(err, REQUEST_FIELDS));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (f: string) => (error?.field === f ? error.message : null);
  return (
    <div class="card">
      <div class="card-head">
        <h2>{mode === 'request' ? 'Request access' : 'Pre-approve access'}</h2>
      </div>
      <form class="card-body" onSubmit={submit} noValidate>
        <p class="muted small">
          {mode === 'request'
            ? 'Approvers of the signing policy decide; once the last step approves, you get a grant limited in time and signings.'
            : 'Give an operator a grant now, without approval steps. Never for yourself.'}
        </p>
        {error?.field === null && <ErrorNotice error={new Error(error.message)} />}
        {mode === 'pre-approve' && (
          <>
            <Segmented
              label="Grantee type"
              value={kind}
              onChange={(k) => {
                setKind(k);
                setGrantee('');
              }}
              options={[
                { value: 'user', label: 'User' },
                { value: 'identity', label: 'Machine identity' },
              ]}
            />
            <PrincipalPicker kind={kind} value={grantee} onChange={setGrantee} label="Grantee" error={fieldError('who')} />
          </>
        )}
        <TextAreaField label="Justification" value={justification} onInput={setJustification} maxLength={1024} rows={2} error={fieldError('justification')} />
        <div class="row">
          <TextField
            label="Signings"
            optional
            type="number"
            min={1}
            value={signings}
            onInput={setSignings}
            hint={max ? `At most ${max}; ${max} when left empty` : 'Unlimited when left empty'}
            error={fieldError('signings')}
          />
          <TextField
            label="Window"
            optional
            value={windowText}
            onInput={setWindowText}
            placeholder="1h"
            hint={maxWindow ? `Such as 30m or 8h; at most ${maxWindow}, the default` : 'Such as 30m, 8h or 7d'}
            error={fieldError('window')}
          />
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy && <Spinner />} {mode === 'request' ? 'Request access' : 'Pre-approve'}
          </button>
        </div>
      </form>
    </div>
  );
}
