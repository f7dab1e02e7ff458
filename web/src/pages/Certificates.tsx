// Certificates: list with EKU and status; issue from a CA, import PEM or PKCS#12, create a
// key + CSR and import the signed result, revoke.
import { useState } from 'preact/hooks';
import { get, post } from '../api/client';
import { P, projectCas, projectCertificates } from '../api/lookups';
import type { Certificate } from '../api/types';
import { useApp } from '../app/state';
import { ConfirmDialog, Dialog, FormDialog } from '../components/dialog';
import { Empty, ErrorNotice, Notice, StatusBadge, toast } from '../components/feedback';
import { CheckField, Segmented, SelectField, TextAreaField, TextField } from '../components/forms';
import { Link } from '../components/Link';
import { CopyButton, DataTable, PageHeader } from '../components/widgets';
import { certificateState, KEY_ALGORITHMS, keyAlgorithmLabel } from '../lib/certs';
import { downloadText, fileToBase64 } from '../lib/download';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDate, formatDay } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { navigate, setQuery, useLocation } from '../lib/router';

type DialogKind = null | 'issue' | 'import' | 'csr';

export function CertificatesPage(p: { openId?: string }) {
  const app = useApp();
  const { query } = useLocation();
  const eku = query.get('eku') ?? '';
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [revoking, setRevoking] = useState<Certificate | null>(null);
  const [completing, setCompleting] = useState<Certificate | null>(null);
  const list = useLoad(() => projectCertificates(app.project.id, eku || undefined), [app.project.id, eku]);
  const rows = (list.data ?? []).slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const open = p.openId ? rows.find((c) => c.id === p.openId) : undefined;

  const download = async (c: Certificate) => {
    const pem = await get<{ certificate: string; certificateChain: string }>(`${P.certificates}/${c.id}/certificate`);
    downloadText(`${c.commonName.replace(/[^A-Za-z0-9._-]+/g, '_')}.pem`, pem.certificate + (pem.certificateChain ?? ''));
  };

  return (
    <>
      <PageHeader
        title="Certificates"
        description="X.509 certificates whose private keys Signet holds. A signer needs one with the codeSigning extended key usage."
        actions={
          <>
            <button type="button" class="btn btn-primary" onClick={() => setDialog('issue')}>
              Issue certificate
            </button>
            <button type="button" class="btn" onClick={() => setDialog('import')}>
              Import
            </button>
            <button type="button" class="btn" onClick={() => setDialog('csr')}>
              Create key + CSR
            </button>
          </>
        }
      />
      <div class="card">
        <div class="toolbar">
          <SelectField
            label="Extended key usage"
            value={eku}
            onChange={(v) => setQuery({ eku: v || null })}
            placeholder="All"
            options={[
              { value: 'codeSigning', label: 'codeSigning' },
              { value: 'serverAuth', label: 'serverAuth' },
              { value: 'clientAuth', label: 'clientAuth' },
              { value: 'timeStamping', label: 'timeStamping' },
            ]}
          />
        </div>
        <DataTable<Certificate>
          caption="Certificates"
          rows={list.data ? rows : undefined}
          loading={list.loading}
          error={list.error}
          rowKey={(c) => c.id}
          empty={
            <Empty title={eku ? `No ${eku} certificates` : 'No certificates yet'}>
              <p>Issue one from a Certificate Authority, import one, or create a key and a CSR for an external CA.</p>
            </Empty>
          }
          columns={[
            {
              header: 'Common name',
              render: (c) => (
                <>
                  <Link href={`/certificates/${c.id}`}>{c.commonName}</Link>
                  <span class="sub mono">{c.serialNumber || 'CSR pending'}</span>
                </>
              ),
            },
            { header: 'Status', render: (c) => <StatusBadge status={certificateState(c)} /> },
            {
              header: 'Extended key usage',
              render: (c) =>
                c.extendedKeyUsages.length ? c.extendedKeyUsages.map((e) => <span class="chip" key={e}>{e}</span>) : <span class="muted">none</span>,
            },
            { header: 'Key', render: (c) => keyAlgorithmLabel(c.keyAlgorithm) },
            { header: 'Expires', render: (c) => formatDay(c.notAfter) },
            {
              header: 'Actions',
              class: 'actions',
              render: (c) => (
                <>
                  {c.status === 'pending' ? (
                    <button type="button" class="btn btn-ghost btn-sm" onClick={() => setCompleting(c)}>
                      Import signed certificate
                    </button>
                  ) : (
                    <button type="button" class="btn btn-ghost btn-sm" onClick={() => download(c)}>
                      Download
                    </button>
                  )}
                  {c.status === 'active' && (
                    <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setRevoking(c)}>
                      Revoke
                    </button>
                  )}
                </>
              ),
            },
          ]}
        />
      </div>
      {open && <CertificateDetails cert={open} onClose={() => navigate('/certificates')} />}
      {dialog === 'issue' && <IssueDialog onClose={() => setDialog(null)} onDone={list.reload} />}
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} onDone={list.reload} />}
      {dialog === 'csr' && <CsrDialog onClose={() => setDialog(null)} onDone={list.reload} />}
      {completing && <CompleteCsrDialog cert={completing} onClose={() => setCompleting(null)} onDone={list.reload} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.commonName}?`}
          confirmLabel="Revoke certificate"
          danger
          typeToConfirm={revoking.commonName}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await post(`${P.certificates}/${revoking.id}/revoke`, {});
            toast(`${revoking.commonName} revoked`);
            list.reload();
          }}
        >
          <p>Signers bound to this certificate stop signing at once (their status becomes expired). This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CertificateDetails({ cert, onClose }: { cert: Certificate; onClose: () => void }) {
  return (
    <Dialog title={cert.commonName} onClose={onClose} wide>
      <dl class="details">
        <dt>ID</dt>
        <dd>
          <code>{cert.id}</code> <CopyButton text={cert.id} />
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={certificateState(cert)} />
          {cert.revokedAt && <span class="muted"> since {formatDate(cert.revokedAt)}</span>}
        </dd>
        <dt>Serial number</dt>
        <dd><code>{cert.serialNumber || '—'}</code></dd>
        <dt>Key</dt>
        <dd>{keyAlgorithmLabel(cert.keyAlgorithm)}</dd>
        <dt>Valid</dt>
        <dd>{formatDate(cert.notBefore)} – {formatDate(cert.notAfter)}</dd>
        <dt>Key usage</dt>
        <dd>{cert.keyUsages.map((k) => <span class="chip" key={k}>{k}</span>)}</dd>
        <dt>Extended key usage</dt>
        <dd>{cert.extendedKeyUsages.map((k) => <span class="chip" key={k}>{k}</span>)}</dd>
        <dt>Issued by</dt>
        <dd>{cert.caId ? <Link href={`/cas/${cert.caId}`}>internal CA</Link> : 'imported'}</dd>
        <dt>Created</dt>
        <dd>{formatDate(cert.createdAt)}</dd>
      </dl>
    </Dialog>
  );
}

function useSubmit<T>(fields: Record<string, string[]>, action: () => Promise<T>, done: (r: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      done(await action());
    } catch (e) {
      setError(placeError(e, fields));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run, fieldError: (f: string) => (error?.field === f ? error.message : null) };
}

const EKUS = ['codeSigning', 'serverAuth', 'clientAuth', 'emailProtection', 'timeStamping'];

function IssueDialog(p: { onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const cas = useLoad(() => projectCas(app.project.id), [app.project.id]);
  const [caId, setCaId] = useState('');
  const [cn, setCn] = useState('');
  const [alg, setAlg] = useState('EC_prime256v1');
  const [ttl, setTtl] = useState('365');
  const [ekus, setEkus] = useState<string[]>(['codeSigning']);
  const s = useSubmit(
    { ca: ['caId', 'ca'], cn: ['commonName'], ttl: ['ttlDays'], eku: ['extendedKeyUsages'], alg: ['keyAlgorithm'] },
    () =>
      post<{ certificateId: string }>(`${P.certificates}/issue`, {
        projectId: app.project.id,
        caId,
        commonName: cn.trim(),
        keyAlgorithm: alg,
        ttlDays: Number(ttl),
        extendedKeyUsages: ekus,
      }),
    () => {
      toast(`Certificate ${cn.trim()} issued`);
      p.onClose();
      p.onDone();
    },
  );
  const submit = () => {
    if (!caId) return s.setError({ field: 'ca', message: 'Choose a CA' });
    if (!cn.trim()) return s.setError({ field: 'cn', message: 'Enter a common name' });
    if (!/^\d+$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > 3650) return s.setError({ field: 'ttl', message: 'Validity must be 1 to 3650 days' });
    void s.run();
  };
  const toggle = (e: string, on: boolean) => setEkus((xs) => (on ? [...xs, e] : xs.filter((x) => x !== e)));
  return (
    <FormDialog title="Issue certificate" submitLabel="Issue" busy={s.busy} error={s.error} onClose={p.onClose} onSubmit={submit}>
      <ErrorNotice error={cas.error} />
      <SelectField
        label="Certificate Authority"
        value={caId}
        onChange={setCaId}
        placeholder={cas.loading ? 'Loading…' : cas.data?.length ? 'Choose a CA' : 'No CA yet — create one on Certificate Authorities'}
        options={(cas.data ?? []).map((c) => ({ value: c.id, label: `${c.commonName} (${c.type})` }))}
        error={s.fieldError('ca')}
      />
      <TextField label="Common name" value={cn} onInput={setCn} maxLength={64} placeholder="Example Release Signing" error={s.fieldError('cn')} />
      <div class="row">
        <SelectField label="Key algorithm" value={alg} onChange={setAlg} options={KEY_ALGORITHMS.map((k) => ({ value: k.value, label: k.label }))} error={s.fieldError('alg')} />
        <TextField label="Validity (days)" type="number" min={1} max={3650} value={ttl} onInput={setTtl} error={s.fieldError('ttl')} />
      </div>
      <fieldset>
        <legend>Extended key usage</legend>
        <div class="checks">
          {EKUS.map((e) => (
            <CheckField key={e} label={e} checked={ekus.includes(e)} onChange={(on) => toggle(e, on)} />
          ))}
        </div>
        {s.fieldError('eku') && <span class="field-error">{s.fieldError('eku')}</span>}
      </fieldset>
      {!ekus.includes('codeSigning') && <Notice kind="warning">Without codeSigning this certificate cannot back a signer.</Notice>}
    </FormDialog>
  );
}

function ImportDialog(p: { onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const [mode, setMode] = useState<'pem' | 'p12'>('pem');
  const [certPem, setCertPem] = useState('');
  const [keyPem, setKeyPem] = useState('');
  const [chainPem, setChainPem] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const s = useSubmit(
    { cert: ['certificatePem', 'certificate'], key: ['privateKeyPem', 'private key', 'key'], chain: ['certificateChainPem'], p12: ['pkcs12', 'PKCS#12', 'password'] },
    async () => {
      if (mode === 'pem') {
        const body: Record<string, unknown> = { projectId: app.project.id, certificatePem: certPem, privateKeyPem: keyPem };
        if (chainPem.trim()) body.certificateChainPem = chainPem;
        return post(`${P.certificates}/import`, body);
      }
      return post(`${P.certificates}/import`, { projectId: app.project.id, pkcs12: await fileToBase64(file!), password });
    },
    () => {
      toast('Certificate imported');
      p.onClose();
      p.onDone();
    },
  );
  const submit = () => {
    if (mode === 'pem' && !certPem.includes('BEGIN CERTIFICATE')) return s.setError({ field: 'cert', message: 'Paste the certificate in PEM' });
    if (mode === 'pem' && !keyPem.includes('PRIVATE KEY')) return s.setError({ field: 'key', message: 'Paste the private key in PEM' });
    if (mode === 'p12' && !file) return s.setError({ field: 'p12', message: 'Choose a .p12 or .pfx file' });
    void s.run();
  };
  return (
    <FormDialog title="Import certificate" submitLabel="Import" wide busy={s.busy} onClose={p.onClose} onSubmit={submit}>
      <Segmented label="Format" value={mode} onChange={setMode} options={[{ value: 'pem', label: 'PEM' }, { value: 'p12', label: 'PKCS#12' }]} />
      <p class="muted small">The private key is encrypted under the root key at once and never leaves Signet again.</p>
      {s.error?.field === null && <ErrorNotice error={new Error(s.error.message)} />}
      {mode === 'pem' ? (
        <>
          <TextAreaField label="Certificate" mono value={certPem} onInput={setCertPem} placeholder="-----BEGIN CERTIFICATE-----" error={s.fieldError('cert')} />
          <TextAreaField label="Private key" mono value={keyPem} onInput={setKeyPem} placeholder="-----BEGIN PRIVATE KEY-----" error={s.fieldError('key')} />
          <TextAreaField label="Certificate chain" optional mono value={chainPem} onInput={setChainPem} error={s.fieldError('chain')} />
        </>
      ) : (
        <>
          <div class="field">
            <label for="p12-file">PKCS#12 file</label>
            <input id="p12-file" type="file" accept=".p12,.pfx,application/x-pkcs12" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} aria-invalid={s.fieldError('p12') ? 'true' : undefined} />
            {s.fieldError('p12') && <span class="field-error" role="alert">{s.fieldError('p12')}</span>}
          </div>
          <TextField label="Password" type="password" value={password} onInput={setPassword} autoComplete="off" />
        </>
      )}
    </FormDialog>
  );
}

function CsrDialog(p: { onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const [cn, setCn] = useState('');
  const [alg, setAlg] = useState('RSA_3072');
  const [org, setOrg] = useState('');
  const [country, setCountry] = useState('');
  const [result, setResult] = useState<{ certificateId: string; csr: string } | null>(null);
  const s = useSubmit(
    { cn: ['commonName'], country: ['subject.country', 'country'], org: ['subject.organization'] },
    () => {
      const subject: Record<string, string> = {};
      if (org.trim()) subject.organization = org.trim();
      if (country.trim()) subject.country = country.trim().toUpperCase();
      return post<{ certificateId: string; csr: string }>(`${P.certificates}/csr`, {
        projectId: app.project.id,
        commonName: cn.trim(),
        keyAlgorithm: alg,
        ...(Object.keys(subject).length ? { subject } : {}),
      });
    },
    (r) => {
      setResult(r);
      p.onDone();
    },
  );
  if (result) {
    return (
      <Dialog title="CSR created" wide onClose={p.onClose} footer={<button type="button" class="btn btn-primary" onClick={p.onClose}>Done</button>}>
        <Notice kind="success">The key was generated on the server. Have your CA sign this request, then use “Import signed certificate” on the pending row.</Notice>
        <div class="snippet">
          <div class="snippet-head">
            <h3>Certificate signing request</h3>
            <div class="row">
              <CopyButton text={result.csr} />
              <button type="button" class="btn btn-sm" onClick={() => downloadText(`${cn.trim() || 'request'}.csr`, result.csr)}>
                Download
              </button>
            </div>
          </div>
          <pre tabIndex={0}><code>{result.csr}</code></pre>
        </div>
      </Dialog>
    );
  }
  const submit = () => {
    if (!cn.trim()) return s.setError({ field: 'cn', message: 'Enter a common name' });
    if (country && !/^[A-Za-z]{2}$/.test(country.trim())) return s.setError({ field: 'country', message: 'Country is a two-letter code such as DE' });
    void s.run();
  };
  return (
    <FormDialog title="Create key + CSR" submitLabel="Create" busy={s.busy} onClose={p.onClose} onSubmit={submit}>
      <p class="muted small">Signet generates the key pair and keeps the private key; you get a CSR for an external CA.</p>
      {s.error?.field === null && <ErrorNotice error={new Error(s.error.message)} />}
      <TextField label="Common name" value={cn} onInput={setCn} maxLength={64} error={s.fieldError('cn')} />
      <SelectField label="Key algorithm" value={alg} onChange={setAlg} options={KEY_ALGORITHMS.map((k) => ({ value: k.value, label: k.label }))} />
      <div class="row">
        <TextField label="Organization" optional value={org} onInput={setOrg} maxLength={64} error={s.fieldError('org')} />
        <TextField label="Country" optional value={country} onInput={setCountry} maxLength={2} placeholder="DE" error={s.fieldError('country')} />
      </div>
    </FormDialog>
  );
}

function CompleteCsrDialog(p: { cert: Certificate; onClose: () => void; onDone: () => void }) {
  const [pem, setPem] = useState('');
  const [chain, setChain] = useState('');
  const s = useSubmit(
    { cert: ['certificatePem', 'public key', 'certificate'], chain: ['certificateChainPem'] },
    () => post(`${P.certificates}/${p.cert.id}/import-certificate`, chain.trim() ? { certificatePem: pem, certificateChainPem: chain } : { certificatePem: pem }),
    () => {
      toast(`${p.cert.commonName} is ready`);
      p.onClose();
      p.onDone();
    },
  );
  const submit = () => {
    if (!pem.includes('BEGIN CERTIFICATE')) return s.setError({ field: 'cert', message: 'Paste the signed certificate in PEM' });
    void s.run();
  };
  return (
    <FormDialog title={`Import signed certificate for ${p.cert.commonName}`} submitLabel="Import" wide busy={s.busy} error={s.error} onClose={p.onClose} onSubmit={submit}>
      <TextAreaField label="Signed certificate" mono value={pem} onInput={setPem} placeholder="-----BEGIN CERTIFICATE-----" hint="Its public key must match the key generated for the CSR." error={s.fieldError('cert')} />
      <TextAreaField label="Certificate chain" optional mono value={chain} onInput={setChain} error={s.fieldError('chain')} />
    </FormDialog>
  );
}
