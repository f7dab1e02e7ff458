// Certificate Authorities: list, create root or intermediate, download the certificate.
import { useState } from 'preact/hooks';
import { get, post } from '../api/client';
import { P, projectCas } from '../api/lookups';
import type { Ca } from '../api/types';
import { useApp } from '../app/state';
import { Dialog, FormDialog } from '../components/dialog';
import { Empty, ErrorNotice, StatusBadge, toast } from '../components/feedback';
import { SelectField, TextField } from '../components/forms';
import { Link } from '../components/Link';
import { CopyButton, DataTable, PageHeader } from '../components/widgets';
import { KEY_ALGORITHMS, keyAlgorithmLabel } from '../lib/certs';
import { downloadText } from '../lib/download';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDate, formatDay } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { navigate } from '../lib/router';

export function CasPage(p: { openId?: string }) {
  const app = useApp();
  const [creating, setCreating] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const list = useLoad(() => projectCas(app.project.id), [app.project.id]);
  const byId = new Map((list.data ?? []).map((c) => [c.id, c]));
  const open = p.openId ? byId.get(p.openId) : undefined;

  const download = async (ca: Ca) => {
    setDownloadError(null);
    try {
      const r = await get<{ certificate: string; certificateChain: string }>(`${P.cas}/${ca.id}/certificate`);
      downloadText(`${ca.commonName.replace(/[^A-Za-z0-9._-]+/g, '_')}.pem`, r.certificate + (r.certificateChain ?? ''));
    } catch (e) {
      setDownloadError(e);
    }
  };

  return (
    <>
      <PageHeader
        title="Certificate Authorities"
        description="Internal CAs whose keys Signet generates and keeps. Issue code-signing certificates from them on Certificates."
        actions={
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
            Create CA
          </button>
        }
      />
      <ErrorNotice error={downloadError} />
      <div class="card">
        <DataTable<Ca>
          caption="Certificate Authorities"
          rows={list.data}
          loading={list.loading}
          error={list.error}
          rowKey={(c) => c.id}
          empty={
            <Empty title="No certificate authorities yet">
              <p>Create a root CA, then issue code-signing certificates from it.</p>
              <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
                Create CA
              </button>
            </Empty>
          }
          columns={[
            {
              header: 'Common name',
              render: (c) => (
                <>
                  <Link href={`/cas/${c.id}`}>{c.commonName}</Link>
                  <span class="sub mono">{c.serialNumber}</span>
                </>
              ),
            },
            {
              header: 'Type',
              render: (c) => (
                <>
                  {c.type}
                  {c.parentCaId && <span class="sub">under {byId.get(c.parentCaId)?.commonName ?? 'another CA'}</span>}
                </>
              ),
            },
            { header: 'Key', render: (c) => keyAlgorithmLabel(c.keyAlgorithm) },
            { header: 'Expires', render: (c) => formatDay(c.notAfter) },
            { header: 'Status', render: (c) => <StatusBadge status={new Date(c.notAfter).getTime() < Date.now() ? 'expired' : c.status} /> },
            {
              header: 'Actions',
              class: 'actions',
              render: (c) => (
                <button type="button" class="btn btn-ghost btn-sm" onClick={() => download(c)}>
                  Download certificate
                </button>
              ),
            },
          ]}
        />
      </div>
      {creating && <CreateCaDialog cas={list.data ?? []} onClose={() => setCreating(false)} onDone={list.reload} />}
      {open && (
        <Dialog title={open.commonName} onClose={() => navigate('/cas')} wide>
          <dl class="details">
            <dt>ID</dt>
            <dd>
              <code>{open.id}</code> <CopyButton text={open.id} />
            </dd>
            <dt>Type</dt>
            <dd>{open.type}</dd>
            <dt>Parent</dt>
            <dd>{open.parentCaId ? (byId.get(open.parentCaId)?.commonName ?? open.parentCaId) : '—'}</dd>
            <dt>Key</dt>
            <dd>{keyAlgorithmLabel(open.keyAlgorithm)}</dd>
            <dt>Serial number</dt>
            <dd><code>{open.serialNumber}</code></dd>
            <dt>Valid</dt>
            <dd>{formatDate(open.notBefore)} – {formatDate(open.notAfter)}</dd>
          </dl>
          <div class="form-actions">
            <button type="button" class="btn" onClick={() => download(open)}>
              Download certificate
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

function CreateCaDialog(p: { cas: Ca[]; onClose: () => void; onDone: () => void }) {
  const app = useApp();
  const [cn, setCn] = useState('');
  const [alg, setAlg] = useState('EC_prime256v1');
  const [ttl, setTtl] = useState('3650');
  const [parent, setParent] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const submit = async () => {
    if (!cn.trim()) return setError({ field: 'cn', message: 'Enter a common name' });
    if (!/^\d+$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > 3650) return setError({ field: 'ttl', message: 'Validity must be 1 to 3650 days' });
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { projectId: app.project.id, commonName: cn.trim(), keyAlgorithm: alg, ttlDays: Number(ttl) };
      if (parent) body.parentCaId = parent;
      await post(P.cas, body);
      toast(`CA ${cn.trim()} created`);
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(placeError(e, { cn: ['commonName'], ttl: ['ttlDays'], parent: ['parentCaId', 'parent'] }));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);
  return (
    <FormDialog title="Create Certificate Authority" submitLabel="Create" busy={busy} error={error} onClose={p.onClose} onSubmit={submit}>
      <TextField label="Common name" value={cn} onInput={setCn} maxLength={64} placeholder="Example Root CA" error={fe('cn')} />
      <SelectField
        label="Parent CA"
        optional
        value={parent}
        onChange={setParent}
        placeholder="None — a root CA"
        options={p.cas.map((c) => ({ value: c.id, label: `${c.commonName} (${c.type})` }))}
        hint="Choose a parent to create an intermediate CA signed by it."
        error={fe('parent')}
      />
      <div class="row">
        <SelectField label="Key algorithm" value={alg} onChange={setAlg} options={KEY_ALGORITHMS.map((k) => ({ value: k.value, label: k.label }))} />
        <TextField label="Validity (days)" type="number" min={1} max={3650} value={ttl} onInput={setTtl} error={fe('ttl')} />
      </div>
    </FormDialog>
  );
}
