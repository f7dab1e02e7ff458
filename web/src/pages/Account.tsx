// Account security: the user's authenticator (TOTP) — enrol with a QR code, confirm with the
// first code, recovery codes shown once, new codes, removal — and, for org admins, whom the
// organisation asks for a second factor (docs/api.md "Multi-factor authentication").
import qrcode from 'qrcode-generator';
import { useState } from 'preact/hooks';
import { call } from '../api/client';
import type { MfaRequirement, MfaStatus } from '../api/types';
import { useApp } from '../app/state';
import { ErrorNotice, Loading, Notice, Spinner, toast } from '../components/feedback';
import { Segmented, TextField } from '../components/forms';
import { CopyButton, PageHeader } from '../components/widgets';
import { useAction, useLoad } from '../lib/hooks';

const MFA = '/api/v1/auth/mfa';

function qrDataUrl(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return qr.createDataURL(4, 2);
}

function RecoveryCodes(p: { codes: string[]; onDone: () => void }) {
  const text = p.codes.join('\n');
  return (
    <div class="card-body">
      <Notice kind="warning">
        Save these recovery codes somewhere safe now: they are shown only once. Each one logs you in once if you lose your
        authenticator.
      </Notice>
      <ul class="recovery-codes" aria-label="Recovery codes">
        {p.codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <CopyButton text={text} label="Copy codes" />{' '}
      <button type="button" class="btn btn-primary" onClick={p.onDone}>
        I have saved them
      </button>
    </div>
  );
}

// {code} or {recoveryCode} from one field: a 6-digit value is a code.
function proofOf(text: string): { code: string } | { recoveryCode: string } {
  const t = text.trim();
  return /^\d{6}$/.test(t.replace(/\s/g, '')) ? { code: t.replace(/\s/g, '') } : { recoveryCode: t };
}

function Enrol(p: { onEnabled: (codes: string[]) => void }) {
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const start = useAction(async () => setEnrolment(await call<{ secret: string; otpauthUri: string }>('POST', MFA + '/totp/enroll', { body: {} })));
  const confirm = useAction(async () => {
    const r = await call<{ recoveryCodes: string[] }>('POST', MFA + '/totp/confirm', { body: { code: code.replace(/\s/g, '') } });
    setCode('');
    p.onEnabled(r.recoveryCodes);
  });
  if (!enrolment) {
    return (
      <div class="card-body">
        <p>Add an authenticator app (any app that supports time-based codes) as a second factor for logging in.</p>
        <ErrorNotice error={start.error} />
        <button type="button" class="btn btn-primary" disabled={start.busy} onClick={() => void start.run()}>
          {start.busy && <Spinner />} Set up an authenticator
        </button>
      </div>
    );
  }
  return (
    <div class="card-body">
      <ol class="steps">
        <li>
          Scan this QR code with your authenticator app.
          <div>
            <img class="qr" src={qrDataUrl(enrolment.otpauthUri)} alt="QR code of the authenticator secret" width={180} height={180} />
          </div>
          Or type the key: <code data-testid="totp-secret">{enrolment.secret}</code> <CopyButton text={enrolment.secret} label="Copy key" small />
        </li>
        <li>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void confirm.run();
            }}
            noValidate
          >
            <TextField label="Code from the app" name="code" value={code} onInput={setCode} autoComplete="one-time-code" />
            <ErrorNotice error={confirm.error} />
            <button type="submit" class="btn btn-primary" disabled={confirm.busy || !code.trim()}>
              {confirm.busy && <Spinner />} Turn on
            </button>
          </form>
        </li>
      </ol>
    </div>
  );
}

function Enabled(p: { status: MfaStatus; onChanged: () => void; onCodes: (codes: string[]) => void }) {
  const [proof, setProof] = useState('');
  const regenerate = useAction(async () => {
    const r = await call<{ recoveryCodes: string[] }>('POST', MFA + '/recovery-codes', { body: proofOf(proof) });
    setProof('');
    p.onCodes(r.recoveryCodes);
  });
  const disable = useAction(async () => {
    await call('POST', MFA + '/totp/disable', { body: proofOf(proof) });
    setProof('');
    toast('Authenticator removed');
    p.onChanged();
  });
  return (
    <div class="card-body">
      <Notice kind="success">
        Your account uses an authenticator app. {p.status.recoveryCodesLeft} recovery code{p.status.recoveryCodesLeft === 1 ? '' : 's'} left.
      </Notice>
      <p>To make new recovery codes or remove the authenticator, enter a current code (or a recovery code).</p>
      <TextField label="Code or recovery code" name="proof" value={proof} onInput={setProof} autoComplete="one-time-code" />
      <ErrorNotice error={regenerate.error ?? disable.error} />
      <button type="button" class="btn" disabled={regenerate.busy || !proof.trim()} onClick={() => void regenerate.run()}>
        {regenerate.busy && <Spinner />} New recovery codes
      </button>{' '}
      <button type="button" class="btn btn-danger" disabled={disable.busy || !proof.trim()} onClick={() => void disable.run()}>
        {disable.busy && <Spinner />} Remove authenticator
      </button>
    </div>
  );
}

const REQUIREMENTS: { value: MfaRequirement; label: string }[] = [
  { value: 'none', label: 'Nobody' },
  { value: 'privileged', label: 'Approvers and admins' },
  { value: 'all', label: 'Every user' },
];

function OrgRequirement(p: { status: MfaStatus; onChanged: () => void }) {
  const save = useAction(async (required: MfaRequirement) => {
    await call('PUT', '/api/v1/admin/mfa-policy', { body: { required } });
    toast('Requirement saved');
    p.onChanged();
  });
  return (
    <div class="card">
      <div class="card-head">
        <h2>Organisation</h2>
      </div>
      <div class="card-body">
        <p>
          Who must log in with a second factor. With “Approvers and admins”, approving requests and administration need it;
          with “Every user”, people without one can only set it up. Machine identities are never asked.
        </p>
        <Segmented label="Require multi-factor authentication of" value={p.status.required} options={REQUIREMENTS} onChange={(v) => void save.run(v)} />
        {save.busy && <Spinner />}
        <ErrorNotice error={save.error} />
      </div>
    </div>
  );
}

export function AccountPage() {
  const app = useApp();
  const status = useLoad(() => call<MfaStatus>('GET', MFA), []);
  const [codes, setCodes] = useState<string[] | null>(null);
  return (
    <>
      <PageHeader title="Account security" description={`Logged in as ${app.me.name}.`} />
      {status.data && !status.data.sessionVerified && status.data.required !== 'none' && (
        <Notice kind="warning">
          {status.data.required === 'all'
            ? 'Your organisation requires a second factor for every user: set up an authenticator to continue.'
            : 'Your organisation requires a second factor for approvals and administration.'}
          {status.data.enabled && ' Log out and log in again with your authenticator.'}
        </Notice>
      )}
      <div class="card">
        <div class="card-head">
          <h2>Authenticator app</h2>
        </div>
        {status.loading && !status.data && <Loading />}
        <ErrorNotice error={status.error} />
        {codes ? (
          <RecoveryCodes
            codes={codes}
            onDone={() => {
              setCodes(null);
              status.reload();
            }}
          />
        ) : status.data?.enabled ? (
          <Enabled status={status.data} onChanged={status.reload} onCodes={setCodes} />
        ) : status.data ? (
          <Enrol onEnabled={setCodes} />
        ) : null}
      </div>
      {app.isOrgAdmin && status.data && <OrgRequirement status={status.data} onChanged={status.reload} />}
    </>
  );
}
