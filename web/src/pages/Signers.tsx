// Signers: the table (status, certificate, policy, last signed), search, pagination, and
// Create Signer.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post } from '../api/client';
import { certificatesById, P, projectCertificates, projectPolicies } from '../api/lookups';
import type { Certificate, Signer } from '../api/types';
import { useApp } from '../app/state';
import { FormDialog } from '../components/dialog';
import { Empty, ErrorNotice, Spinner, StatusBadge, toast } from '../components/feedback';
import { SelectField, TextAreaField, TextField } from '../components/forms';
import { Link } from '../components/Link';
import { DataTable, PageHeader, Pagination } from '../components/widgets';
import { keyAlgorithmLabel, usableForSigning } from '../lib/certs';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDay, relativeTime } from '../lib/format';
import { useDebounced, useLoad } from '../lib/hooks';
import { navigate, setQuery, useLocation } from '../lib/router';
import { hasReadModel, signerRow, type SignerRow } from '../lib/signers';
import { slugProblem } from '../lib/slug';

export function SignersPage() {
  const app = useApp();
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = Number(query.get('limit') ?? 20) || 20;
  const search = query.get('q') ?? '';
  const [text, setText] = useState(search);
  const debounced = useDebounced(text, 250);
  const [creating, setCreating] = useState(query.get('create') === '1');
  const hasModel = useRef(false); // the server sends the signer read model: no look-ups
  useEffect(() => {
    if (debounced !== search) setQuery({ q: debounced || null, offset: null });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  const list = useLoad(
    async (signal) => {
      const project = app.project.id;
      // A server without the signer read model needs the certificates and policies looked up:
      // ask for them together with the signers (one round trip), then for any certificate not
      // on the project's first page of certificates.
      const [page, certPage, policies] = await Promise.all([
        get<{ signers: Signer[]; totalCount: number }>(P.signers, { projectId: project, offset, limit, search: search || undefined }, signal),
        hasModel.current ? null : get<{ certificates: Certificate[] }>(P.certificates, { projectId: project, limit: 100 }, signal).catch(() => null),
        hasModel.current ? null : projectPolicies(project).catch(() => []),
      ]);
      const needLookups = page.signers.length > 0 && !hasReadModel(page.signers[0]);
      hasModel.current = page.signers.length > 0 && !needLookups; // the server has the read model: stop asking
      const certs = new Map((certPage?.certificates ?? []).map((c) => [c.id, c]));
      if (needLookups) {
        const missing = page.signers.map((s) => s.certificateId).filter((id) => !certs.has(id));
        for (const [id, c] of await certificatesById(missing)) certs.set(id, c);
      }
      const now = Date.now();
      const rows = page.signers.map((s) =>
        signerRow(s, certs.get(s.certificateId), (policies ?? []).find((x) => x.id === s.signingPolicyId), now),
      );
      return { rows, total: page.totalCount };
    },
    [app.project.id, offset, limit, search],
  );

  useEffect(() => {
    // For bench/console.sh: when the first page of signers is on screen.
    if (list.data) performance.mark('signet:signers-rendered');
  }, [list.data]);

  return (
    <>
      <PageHeader
        title="Signers"
        description="A signer is a named code-signing identity bound to a certificate whose key Signet keeps. Members sign through the API, the CLI or PKCS#11."
        actions={
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
            Create Signer
          </button>
        }
      />
      <div class="card">
        <div class="toolbar" role="search">
          <div class="field grow">
            <label for="signer-search">Search</label>
            <input id="signer-search" type="search" placeholder="Name or description" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          </div>
          {list.loading && list.data && <Spinner />}
        </div>
        <DataTable<SignerRow>
          caption="Signers"
          loading={list.loading}
          error={list.error}
          rows={list.data?.rows}
          rowKey={(r) => r.signer.id}
          empty={
            search ? (
              <Empty title="No signer matches">
                <p>Nothing in {app.project.name} matches “{search}”.</p>
              </Empty>
            ) : (
              <Empty title="No signers yet">
                <p>Create a signer on a code-signing certificate to start signing.</p>
                <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
                  Create Signer
                </button>
              </Empty>
            )
          }
          columns={[
            {
              header: 'Name',
              render: (r) => (
                <>
                  <Link href={`/signers/${r.signer.id}`}>{r.signer.name}</Link>
                  {r.signer.description && <span class="sub">{r.signer.description}</span>}
                </>
              ),
            },
            { header: 'Status', render: (r) => <StatusBadge status={r.status} /> },
            {
              header: 'Certificate',
              render: (r) => (
                <>
                  {r.certificateName ?? <span class="muted">—</span>}
                  {r.certificateNotAfter && <span class="sub">expires {formatDay(r.certificateNotAfter)}</span>}
                </>
              ),
            },
            { header: 'Signing policy', render: (r) => r.policyName ?? <span class="muted">None</span> },
            {
              header: 'Last signed',
              render: (r) => <span title={r.signer.lastSignedAt ?? undefined}>{relativeTime(r.signer.lastSignedAt)}</span>,
            },
          ]}
        />
        {list.data && (
          <Pagination offset={offset} limit={limit} total={list.data.total} noun="signers" onChange={(o, l) => setQuery({ offset: o || null, limit: l === 20 ? null : l })} />
        )}
      </div>
      {creating && <CreateSignerDialog onClose={() => setCreating(false)} />}
    </>
  );
}

const SIGNER_FIELDS = {
  name: ['name', 'a signer named'],
  description: ['description'],
  certificate: ['certificateId', 'certificate'],
  policy: ['signingPolicyId', 'signing policy', 'approvalPolicyId'],
};

export function CreateSignerDialog(p: { onClose: () => void }) {
  const app = useApp();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [certificateId, setCertificateId] = useState('');
  const [policyId, setPolicyId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);

  const choices = useLoad(async () => {
    const [certs, policies] = await Promise.all([
      projectCertificates(app.project.id, 'codeSigning'),
      projectPolicies(app.project.id),
    ]);
    return { certs: usableForSigning(certs), policies };
  }, [app.project.id]);

  const nameProblem = touched ? slugProblem(name) : null;
  const certProblem = error?.field === 'certificate' ? error.message : null;

  const submit = async () => {
    setTouched(true);
    const local = slugProblem(name);
    if (local) return;
    if (!certificateId) {
      setError({ field: 'certificate', message: 'Choose a certificate' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { projectId: app.project.id, name, certificateId };
      if (description) body.description = description;
      if (policyId) body.signingPolicyId = policyId;
      const signer = await post<Signer>(P.signers, body);
      toast(`Signer ${signer.name} created`);
      p.onClose();
      navigate(`/signers/${signer.id}`);
    } catch (e) {
      setError(placeError(e, SIGNER_FIELDS));
    } finally {
      setBusy(false);
    }
  };

  const certs = choices.data?.certs ?? [];
  return (
    <FormDialog title="Create Signer" submitLabel="Create" busy={busy} error={error} onClose={p.onClose} onSubmit={submit}>
      <ErrorNotice error={choices.error} title="Could not load certificates and policies." />
      <TextField
        label="Name"
        name="name"
        value={name}
        onInput={(v) => {
          setName(v);
          setTouched(true);
          if (error?.field === 'name') setError(null);
        }}
        autoFocus
        maxLength={64}
        hint="Lower-case letters, digits and single hyphens; unique in the project. Tools see it as the token label."
        error={nameProblem ?? (error?.field === 'name' ? error.message : null)}
        ok={touched && !nameProblem && name ? 'Valid name' : null}
      />
      <TextAreaField
        label="Description"
        name="description"
        optional
        value={description}
        onInput={setDescription}
        maxLength={256}
        rows={2}
        error={error?.field === 'description' ? error.message : null}
      />
      <SelectField
        label="Certificate"
        name="certificate"
        value={certificateId}
        onChange={(v) => {
          setCertificateId(v);
          if (error?.field === 'certificate') setError(null);
        }}
        placeholder={choices.loading ? 'Loading certificates…' : certs.length ? 'Choose a certificate' : 'No usable code-signing certificate'}
        options={certs.map((c) => ({ value: c.id, label: `${c.commonName} · ${keyAlgorithmLabel(c.keyAlgorithm)} · expires ${formatDay(c.notAfter)}` }))}
        hint={
          <>
            Only active code-signing certificates with a key held by Signet are offered.{' '}
            {!choices.loading && certs.length === 0 && (
              <Link href="/certificates">Issue or import one on Certificates.</Link>
            )}
          </>
        }
        error={certProblem}
      />
      <SelectField
        label="Signing Policy"
        name="policy"
        optional
        value={policyId}
        onChange={setPolicyId}
        placeholder="None — members with sign permission sign at once"
        options={(choices.data?.policies ?? []).map((x) => ({ value: x.id, label: x.name }))}
        error={error?.field === 'policy' ? error.message : null}
      />
    </FormDialog>
  );
}
