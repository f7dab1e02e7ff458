// One signer: overview (certificate, downloads, enable/disable, certificate and policy
// binding, delete), Members, Approvals, Activity, How to sign.
import { useState } from 'preact/hooks';
import { del, get, patch } from '../api/client';
import { P, projectCertificates, projectPolicies } from '../api/lookups';
import type { Certificate, Signer, SigningPolicy } from '../api/types';
import { useApp } from '../app/state';
import { ConfirmDialog, FormDialog } from '../components/dialog';
import { ErrorNotice, Loading, Notice, StatusBadge, toast } from '../components/feedback';
import { SelectField, TextAreaField } from '../components/forms';
import { Link } from '../components/Link';
import { CopyButton, PageHeader, TabLinks } from '../components/widgets';
import { certificateState, keyAlgorithmLabel, spkiPem, usableForSigning } from '../lib/certs';
import { downloadText } from '../lib/download';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDate, formatDay, relativeTime } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { navigate } from '../lib/router';
import type { SignerTab } from '../lib/routes';
import { effectiveStatus } from '../lib/signers';
import { loadSignerAccess, type SignerAccess } from './signer/access';
import { ActivityTab } from './signer/Activity';
import { SignerApprovalsTab } from './signer/Approvals';
import { HowToSignTab } from './signer/HowToSign';
import { MembersTab } from './signer/Members';

export interface SignerContext {
  signer: Signer;
  certificate: Certificate | null;
  policy: SigningPolicy | null;
  access: SignerAccess;
  reload: () => void;
}

const TABS: { id: SignerTab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'members', label: 'Members' },
  { id: 'approvals', label: 'Approvals' },
  { id: 'activity', label: 'Activity' },
  { id: 'how-to-sign', label: 'How to sign' },
];

export function SignerPage(p: { id: string; tab: SignerTab }) {
  const app = useApp();
  const data = useLoad(async (signal) => {
    const signer = await get<Signer>(`${P.signers}/${p.id}`, undefined, signal);
    const [certificate, policy, access] = await Promise.all([
      get<Certificate>(`${P.certificates}/${signer.certificateId}`).catch(() => null),
      signer.signingPolicyId ? get<SigningPolicy>(`${P.policies}/${signer.signingPolicyId}`).catch(() => null) : null,
      loadSignerAccess(signer.id, signer.projectId, app.me),
    ]);
    return { signer, certificate, policy, access };
  }, [p.id]);

  if (data.loading && !data.data) return <Loading />;
  if (data.error || !data.data) {
    return (
      <>
        <PageHeader title="Signer" breadcrumb={<Link href="/signers">Signers</Link>} />
        <ErrorNotice error={data.error} />
      </>
    );
  }
  const ctx: SignerContext = { ...data.data, reload: data.reload };
  const { signer } = ctx;
  const status = effectiveStatus(signer, ctx.certificate ?? undefined);
  return (
    <>
      <PageHeader
        breadcrumb={<Link href="/signers">Signers</Link>}
        title={
          <>
            <h1>{signer.name}</h1>
            <StatusBadge status={status} />
          </>
        }
        description={signer.description || undefined}
      />
      <TabLinks
        label="Signer sections"
        current={p.tab}
        tabs={TABS.map((t) => ({ ...t, href: t.id === 'overview' ? `/signers/${signer.id}` : `/signers/${signer.id}/${t.id}` }))}
      />
      <section id="tab-panel" role="tabpanel" aria-labelledby={`tab-${p.tab}`}>
        {p.tab === 'overview' && <Overview ctx={ctx} status={status} />}
        {p.tab === 'members' && <MembersTab ctx={ctx} />}
        {p.tab === 'approvals' && <SignerApprovalsTab ctx={ctx} />}
        {p.tab === 'activity' && <ActivityTab ctx={ctx} />}
        {p.tab === 'how-to-sign' && <HowToSignTab ctx={ctx} />}
      </section>
    </>
  );
}

function Overview({ ctx, status }: { ctx: SignerContext; status: string }) {
  const { signer, certificate: cert, policy, access } = ctx;
  const [dialog, setDialog] = useState<null | 'status' | 'certificate' | 'policy' | 'description' | 'delete'>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const enabled = signer.status !== 'disabled';

  const download = async (what: 'cert' | 'chain' | 'pubkey') => {
    setDownloadError(null);
    try {
      if (what === 'pubkey') {
        const k = await get<{ publicKey: string }>(`${P.signers}/${signer.id}/public-key`);
        downloadText(`${signer.name}.pub.pem`, spkiPem(k.publicKey));
      } else {
        const c = await get<{ certificatePem: string; certificateChainPem: string }>(`${P.signers}/${signer.id}/certificate`);
        if (what === 'cert') downloadText(`${signer.name}.pem`, c.certificatePem);
        else downloadText(`${signer.name}-chain.pem`, c.certificatePem + c.certificateChainPem);
      }
    } catch (e) {
      setDownloadError(e);
    }
  };

  return (
    <div class="stack">
      {status === 'expired' && (
        <Notice kind="error">
          The certificate of this signer has expired or was revoked: signing is refused until the signer is bound to a valid
          certificate.
        </Notice>
      )}
      {signer.status === 'disabled' && <Notice kind="warning">This signer is disabled: every sign call is refused.</Notice>}
      <div class="grid-2">
        <div class="card">
          <div class="card-head">
            <h2>Signer</h2>
            {access.canManage && signer.status !== 'expired' && (
              <button type="button" class="btn btn-sm" onClick={() => setDialog('status')}>
                {enabled ? 'Disable' : 'Enable'}
              </button>
            )}
          </div>
          <div class="card-body">
            <dl class="details">
              <dt>ID</dt>
              <dd>
                <code>{signer.id}</code> <CopyButton text={signer.id} />
              </dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={signer.status} />
              </dd>
              <dt>Description</dt>
              <dd>
                {signer.description ? <span class="description">{signer.description}</span> : <span class="muted">None</span>}{' '}
                {access.canManage && (
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => setDialog('description')}>
                    Edit
                  </button>
                )}
              </dd>
              <dt>Your role</dt>
              <dd>{access.role ?? (access.projectAdmin ? 'project admin' : 'none')}</dd>
              <dt>Created</dt>
              <dd>{formatDate(signer.createdAt)}</dd>
              <dt>Last signed</dt>
              <dd title={signer.lastSignedAt ?? undefined}>{relativeTime(signer.lastSignedAt)}</dd>
            </dl>
          </div>
        </div>
        <div class="card">
          <div class="card-head">
            <h2>Signing policy</h2>
            {access.projectAdmin && (
              <button type="button" class="btn btn-sm" onClick={() => setDialog('policy')}>
                Change
              </button>
            )}
          </div>
          <div class="card-body">
            {signer.signingPolicyId ? (
              <>
                <p>
                  <Link href={`/policies/${signer.signingPolicyId}`}>{policy?.name ?? signer.signingPolicyId}</Link>
                </p>
                {policy && (
                  <p class="muted small">
                    {policy.steps.length} approval step{policy.steps.length === 1 ? '' : 's'}
                    {policy.constraints.maxSignings ? ` · at most ${policy.constraints.maxSignings} signings per grant` : ''}
                    {policy.constraints.maxWindowDuration ? ` · windows up to ${policy.constraints.maxWindowDuration}` : ''}
                    {policy.bypassForMachineIdentities ? ' · machine identities sign without approval' : ''}
                  </p>
                )}
                <p class="small">
                  Signing needs an approved request. <Link href={`/signers/${signer.id}/approvals`}>Request access</Link>
                </p>
              </>
            ) : (
              <p class="muted">None: members with sign permission sign at once.</p>
            )}
          </div>
        </div>
      </div>

      <div class="card">
        <div class="card-head">
          <h2>Certificate</h2>
          <div class="actions row">
            <button type="button" class="btn btn-sm" onClick={() => download('cert')}>
              Download certificate
            </button>
            <button type="button" class="btn btn-sm" onClick={() => download('chain')}>
              Download chain
            </button>
            <button type="button" class="btn btn-sm" onClick={() => download('pubkey')}>
              Download public key
            </button>
            {access.canManage && (
              <button type="button" class="btn btn-sm" onClick={() => setDialog('certificate')}>
                Change certificate
              </button>
            )}
          </div>
        </div>
        <div class="card-body">
          <ErrorNotice error={downloadError} />
          {cert ? (
            <dl class="details">
              <dt>Common name</dt>
              <dd>{cert.commonName}</dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={certificateState(cert)} />
              </dd>
              <dt>Key</dt>
              <dd>{keyAlgorithmLabel(cert.keyAlgorithm)}</dd>
              <dt>Serial number</dt>
              <dd>
                <code>{cert.serialNumber}</code>
              </dd>
              <dt>Valid</dt>
              <dd>
                {formatDate(cert.notBefore)} – {formatDate(cert.notAfter)} ({relativeTime(cert.notAfter).replace(/^in /, 'expires in ')})
              </dd>
              <dt>Extended key usage</dt>
              <dd>
                {cert.extendedKeyUsages.map((e) => (
                  <span class="chip" key={e}>
                    {e}
                  </span>
                ))}
              </dd>
              <dt>Certificate ID</dt>
              <dd>
                <Link href={`/certificates/${cert.id}`}>
                  <code>{cert.id}</code>
                </Link>
              </dd>
            </dl>
          ) : (
            <p class="muted">
              Certificate <code>{signer.certificateId}</code> (its details are visible to members of the project).
            </p>
          )}
        </div>
      </div>

      {access.canManage && (
        <div class="card">
          <div class="card-head">
            <h2>Delete signer</h2>
          </div>
          <div class="card-body">
            <p class="muted">
              Deleting removes the signer and its members. Its signing operations stay in the audit log; the certificate and its
              key stay in Certificates.
            </p>
            <button type="button" class="btn btn-danger" onClick={() => setDialog('delete')}>
              Delete signer
            </button>
          </div>
        </div>
      )}

      {dialog === 'status' && (
        <ConfirmDialog
          title={enabled ? `Disable ${signer.name}?` : `Enable ${signer.name}?`}
          confirmLabel={enabled ? 'Disable' : 'Enable'}
          danger={enabled}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await patch(`${P.signers}/${signer.id}`, { status: enabled ? 'disabled' : 'active' });
            toast(`${signer.name} ${enabled ? 'disabled' : 'enabled'}`);
            ctx.reload();
          }}
        >
          <p>{enabled ? 'Every sign call on this signer will be refused until it is enabled again.' : 'Members can sign again.'}</p>
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete ${signer.name}?`}
          confirmLabel="Delete signer"
          danger
          typeToConfirm={signer.name}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await del(`${P.signers}/${signer.id}`);
            toast(`Signer ${signer.name} deleted`);
            navigate('/signers');
          }}
        >
          <p>This cannot be undone. Tools configured with this signer will stop working.</p>
        </ConfirmDialog>
      )}
      {dialog === 'description' && <DescriptionDialog ctx={ctx} onClose={() => setDialog(null)} />}
      {dialog === 'certificate' && <CertificateDialog ctx={ctx} onClose={() => setDialog(null)} />}
      {dialog === 'policy' && <PolicyDialog ctx={ctx} onClose={() => setDialog(null)} />}
    </div>
  );
}

function DescriptionDialog({ ctx, onClose }: { ctx: SignerContext; onClose: () => void }) {
  const [text, setText] = useState(ctx.signer.description);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await patch(`${P.signers}/${ctx.signer.id}`, { description: text });
      toast('Description saved');
      onClose();
      ctx.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title="Edit description" submitLabel="Save" busy={busy} onClose={onClose} onSubmit={save}>
      <TextAreaField label="Description" value={text} onInput={setText} maxLength={256} rows={3} error={error ? (error as Error).message : null} />
    </FormDialog>
  );
}

function CertificateDialog({ ctx, onClose }: { ctx: SignerContext; onClose: () => void }) {
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const certs = useLoad(async () => usableForSigning(await projectCertificates(ctx.signer.projectId, 'codeSigning')), [ctx.signer.projectId]);
  const options = (certs.data ?? []).filter((c) => c.id !== ctx.signer.certificateId);
  const save = async () => {
    if (!choice) {
      setError({ field: 'certificate', message: 'Choose a certificate' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await patch(`${P.signers}/${ctx.signer.id}`, { certificateId: choice });
      toast('Certificate changed');
      onClose();
      ctx.reload();
    } catch (e) {
      setError(placeError(e, { certificate: ['certificateId', 'certificate'] }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title="Change certificate" submitLabel="Change certificate" busy={busy} onClose={onClose} onSubmit={save}>
      <p class="muted">Signatures made from now on use the new certificate's key. Tools that cached the old certificate see the new one after their cache expires.</p>
      {error?.field === null && <ErrorNotice error={new Error(error.message)} />}
      <ErrorNotice error={certs.error} />
      <SelectField
        label="Certificate"
        value={choice}
        onChange={setChoice}
        placeholder={certs.loading ? 'Loading…' : options.length ? 'Choose a certificate' : 'No other usable code-signing certificate'}
        options={options.map((c) => ({ value: c.id, label: `${c.commonName} · ${keyAlgorithmLabel(c.keyAlgorithm)} · expires ${formatDay(c.notAfter)}` }))}
        error={error?.field === 'certificate' ? error.message : null}
      />
    </FormDialog>
  );
}

function PolicyDialog({ ctx, onClose }: { ctx: SignerContext; onClose: () => void }) {
  const [choice, setChoice] = useState(ctx.signer.signingPolicyId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const policies = useLoad(() => projectPolicies(ctx.signer.projectId), [ctx.signer.projectId]);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await patch(`${P.signers}/${ctx.signer.id}`, { signingPolicyId: choice || null });
      toast(choice ? 'Signing policy attached' : 'Signing policy detached');
      onClose();
      ctx.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title="Signing policy" submitLabel="Save" busy={busy} onClose={onClose} onSubmit={save}>
      <ErrorNotice error={error ?? policies.error} />
      <SelectField
        label="Signing Policy"
        value={choice}
        onChange={setChoice}
        placeholder="None — members with sign permission sign at once"
        options={(policies.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
        hint="A policy applies to requests made after the change; existing grants stay valid."
      />
    </FormDialog>
  );
}
