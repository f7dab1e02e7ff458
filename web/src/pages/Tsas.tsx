// Time-stamp authorities (RFC 3161, docs/timestamping.md): list, create from a CA, show and
// download the certificate chain, edit name / policy / requireAuth, delete.
import { useState } from 'preact/hooks';
import { del, get, patch, post } from '../api/client';
import { P, projectCas, projectTsas } from '../api/lookups';
import type { Ca, Tsa } from '../api/types';
import { useApp } from '../app/state';
import { ConfirmDialog, Dialog, FormDialog } from '../components/dialog';
import { Badge, Empty, ErrorNotice, Spinner, StatusBadge, toast } from '../components/feedback';
import { CheckField, SelectField, TextField } from '../components/forms';
import { Link } from '../components/Link';
import { CopyButton, DataTable, PageHeader } from '../components/widgets';
import { KEY_ALGORITHMS, keyAlgorithmLabel } from '../lib/certs';
import { downloadText } from '../lib/download';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDate, formatDay } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { navigate } from '../lib/router';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

interface TsaCertificate {
  certificatePem: string;
  certificateChainPem: string;
  serialNumber: string;
}

export function TsasPage(p: { openId?: string }) {
  const app = useApp();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Tsa | null>(null);
  const [deleting, setDeleting] = useState<Tsa | null>(null);
  const list = useLoad(() => projectTsas(app.project.id), [app.project.id]);
  const cas = useLoad(() => projectCas(app.project.id), [app.project.id]);
  const open = p.openId ? (list.data ?? []).find((t) => t.id === p.openId) : undefined;
  const caName = (id: string | null) => (id ? ((cas.data ?? []).find((c) => c.id === id)?.commonName ?? id) : 'imported');

  return (
    <>
      <PageHeader
        title="Time-Stamp Authorities"
        description="RFC 3161 timestamps for your signatures: Authenticode, Java and CMS signers ask these TSAs while signing."
        actions={
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
            Create TSA
          </button>
        }
      />
      <div class="card">
        <DataTable<Tsa>
          caption="Time-Stamp Authorities"
          rows={list.data}
          loading={list.loading}
          error={list.error}
          rowKey={(t) => t.id}
          empty={
            <Empty title="No time-stamp authorities yet">
              <p>Create one from a certificate authority of this project.</p>
              <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
                Create TSA
              </button>
            </Empty>
          }
          columns={[
            {
              header: 'Name',
              render: (t) => (
                <>
                  <Link href={`/timestamping/${t.id}`}>{t.name}</Link> {t.isDefault && <Badge kind="info">default</Badge>}
                  <span class="sub mono">{t.url}</span>
                </>
              ),
            },
            { header: 'Issued by', render: (t) => caName(t.caId) },
            { header: 'Key', render: (t) => `${keyAlgorithmLabel(t.keyAlgorithm)}${t.keySource === 'hsm' ? ' (HSM)' : ''}` },
            { header: 'Access', render: (t) => (t.requireAuth ? 'Token required' : 'Public') },
            { header: 'Timestamps', render: (t) => String(t.timestampsIssued) },
            { header: 'Expires', render: (t) => formatDay(t.notAfter) },
            { header: 'Status', render: (t) => <StatusBadge status={new Date(t.notAfter).getTime() < Date.now() ? 'expired' : t.status} /> },
            {
              header: 'Actions',
              class: 'actions',
              render: (t) => (
                <>
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => setEditing(t)} aria-label={`Edit ${t.name}`}>
                    Edit
                  </button>
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => setDeleting(t)} aria-label={`Delete ${t.name}`}>
                    Delete
                  </button>
                </>
              ),
            },
          ]}
        />
      </div>
      {creating && <CreateTsaDialog cas={cas.data ?? []} onClose={() => setCreating(false)} onDone={list.reload} />}
      {editing && <EditTsaDialog tsa={editing} onClose={() => setEditing(null)} onDone={list.reload} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete TSA"
          danger
          typeToConfirm={deleting.name}
          onConfirm={async () => {
            await del(`${P.tsas}/${deleting.id}`);
            toast(`TSA ${deleting.name} deleted`);
            if (p.openId === deleting.id) navigate('/timestamping');
            list.reload();
          }}
          onClose={() => setDeleting(null)}
        >
          <p>
            Its key is destroyed and its certificate revoked; timestamps it issued stay verifiable with its certificate. Clients using{' '}
            <code>{deleting.url}</code> will get 404.
          </p>
        </ConfirmDialog>
      )}
      {open && <TsaDetails tsa={open} caName={caName(open.caId)} onClose={() => navigate('/timestamping')} />}
    </>
  );
}

function TsaDetails(p: { tsa: Tsa; caName: string; onClose: () => void }) {
  const t = p.tsa;
  const cert = useLoad(() => get<TsaCertificate>(`${P.tsas}/${t.id}/certificate`), [t.id]);
  const url = `${location.origin}${t.url}`;
  return (
    <Dialog title={t.name} onClose={p.onClose} wide>
      <dl class="details">
        <dt>ID</dt>
        <dd>
          <code>{t.id}</code> <CopyButton text={t.id} />
        </dd>
        <dt>URL</dt>
        <dd>
          <code>{url}</code> <CopyButton text={url} />
          {t.isDefault && <span class="sub">also answers at {location.origin}/tsa (the project's default TSA)</span>}
        </dd>
        <dt>Issued by</dt>
        <dd>{p.caName}</dd>
        <dt>Key</dt>
        <dd>
          {keyAlgorithmLabel(t.keyAlgorithm)} ({t.keySource === 'hsm' ? 'in the HSM' : 'software key store'})
        </dd>
        <dt>Policy</dt>
        <dd>
          <code>{t.policyOid}</code>
        </dd>
        <dt>Accuracy</dt>
        <dd>{t.accuracyMs > 0 ? `${t.accuracyMs} ms` : 'not stated'}</dd>
        <dt>Access</dt>
        <dd>{t.requireAuth ? 'Members of the project, with a token' : 'Public (rate-limited)'}</dd>
        <dt>Certificate serial</dt>
        <dd>
          <code>{t.serialNumber}</code>
          {t.certificateId && (
            <span class="sub">
              <Link href={`/certificates/${t.certificateId}`}>Open certificate</Link>
            </span>
          )}
        </dd>
        <dt>Valid</dt>
        <dd>
          {formatDate(t.notBefore)} – {formatDate(t.notAfter)}
        </dd>
        <dt>Timestamps issued</dt>
        <dd>{t.timestampsIssued}</dd>
      </dl>
      <ErrorNotice error={cert.error} />
      {cert.loading && <Spinner />}
      {cert.data && (
        <>
          <h3>Certificate chain</h3>
          <pre class="mono break" tabIndex={0} aria-label="Certificate chain (PEM)">
            <code>{cert.data.certificatePem + cert.data.certificateChainPem}</code>
          </pre>
          <div class="form-actions">
            <button
              type="button"
              class="btn"
              onClick={() => downloadText(`${t.name}-chain.pem`, cert.data!.certificatePem + cert.data!.certificateChainPem)}
            >
              Download chain
            </button>
            <CopyButton text={cert.data.certificatePem + cert.data.certificateChainPem} label="Copy chain" />
          </div>
        </>
      )}
    </Dialog>
  );
}

function CreateTsaDialog(p: { cas: Ca[]; onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const active = p.cas.filter((c) => c.status === 'active' && new Date(c.notAfter).getTime() > Date.now());
  const [name, setName] = useState('');
  const [caId, setCaId] = useState(active[0]?.id ?? '');
  const [alg, setAlg] = useState('EC_prime256v1');
  const [ttl, setTtl] = useState('1825');
  const [policy, setPolicy] = useState('');
  const [requireAuth, setRequireAuth] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const submit = async () => {
    if (!SLUG.test(name)) return setError({ field: 'name', message: 'Use 1 to 64 lower-case letters, digits and dashes' });
    if (!caId) return setError({ field: 'ca', message: 'Choose the CA that issues the TSA certificate' });
    if (!/^\d+$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > 3650) return setError({ field: 'ttl', message: 'Validity must be 1 to 3650 days' });
    if (policy && !OID.test(policy)) return setError({ field: 'policy', message: 'A dotted object identifier, such as 1.3.6.1.4.1.99999.1' });
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { projectId: app.project.id, name, caId, keyAlgorithm: alg, ttlDays: Number(ttl), requireAuth };
      if (policy) body.policyOid = policy;
      await post(P.tsas, body);
      toast(`TSA ${name} created`);
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(placeError(e, { name: ['name'], ca: ['caId', 'CA'], ttl: ['ttlDays'], policy: ['policyOid'], alg: ['keyAlgorithm'] }));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);
  return (
    <FormDialog title="Create Time-Stamp Authority" submitLabel="Create" busy={busy} error={error} onClose={p.onClose} onSubmit={submit}>
      <TextField label="Name" value={name} onInput={setName} maxLength={64} placeholder="public" hint="Also the certificate's common name." error={fe('name')} />
      <SelectField
        label="Issuing CA"
        value={caId}
        onChange={setCaId}
        placeholder={active.length ? undefined : 'No active CA — create one first'}
        options={active.map((c) => ({ value: c.id, label: `${c.commonName} (${c.type})` }))}
        error={fe('ca')}
      />
      <div class="row">
        <SelectField label="Key algorithm" value={alg} onChange={setAlg} options={KEY_ALGORITHMS.map((k) => ({ value: k.value, label: k.label }))} error={fe('alg')} />
        <TextField label="Validity (days)" type="number" min={1} max={3650} value={ttl} onInput={setTtl} error={fe('ttl')} />
      </div>
      <TextField label="Policy OID" optional value={policy} onInput={setPolicy} placeholder="1.3.6.1.4.1.59327.3161.1" error={fe('policy')} />
      <CheckField label="Require a token" checked={requireAuth} onChange={setRequireAuth} hint="Only members of this project, with a bearer token, may ask for timestamps." />
    </FormDialog>
  );
}

function EditTsaDialog(p: { tsa: Tsa; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(p.tsa.name);
  const [policy, setPolicy] = useState(p.tsa.policyOid);
  const [requireAuth, setRequireAuth] = useState(p.tsa.requireAuth);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const submit = async () => {
    if (!SLUG.test(name)) return setError({ field: 'name', message: 'Use 1 to 64 lower-case letters, digits and dashes' });
    if (!OID.test(policy)) return setError({ field: 'policy', message: 'A dotted object identifier, such as 1.3.6.1.4.1.99999.1' });
    const body: Record<string, unknown> = {};
    if (name !== p.tsa.name) body.name = name;
    if (policy !== p.tsa.policyOid) body.policyOid = policy;
    if (requireAuth !== p.tsa.requireAuth) body.requireAuth = requireAuth;
    if (Object.keys(body).length === 0) return p.onClose();
    setBusy(true);
    setError(null);
    try {
      await patch(`${P.tsas}/${p.tsa.id}`, body);
      toast(`TSA ${name} saved`);
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(placeError(e, { name: ['name'], policy: ['policyOid'] }));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);
  return (
    <FormDialog title={`Edit ${p.tsa.name}`} submitLabel="Save" busy={busy} error={error} onClose={p.onClose} onSubmit={submit}>
      <TextField label="Name" value={name} onInput={setName} maxLength={64} hint="The certificate keeps the name it was issued with." error={fe('name')} />
      <TextField label="Policy OID" value={policy} onInput={setPolicy} hint="Queries asking for another policy are refused." error={fe('policy')} />
      <CheckField label="Require a token" checked={requireAuth} onChange={setRequireAuth} hint="Only members of this project, with a bearer token, may ask for timestamps." />
    </FormDialog>
  );
}
