// Signing Policies: list; create and edit steps (approvers picked by name), constraints,
// machine-identity bypass; the signers using a policy.
import { useState } from 'preact/hooks';
import { del, get, listAll, patch, post } from '../api/client';
import { P, projectPolicies } from '../api/lookups';
import type { Membership, Signer, SigningPolicy } from '../api/types';
import { useApp } from '../app/state';
import { ConfirmDialog } from '../components/dialog';
import { Empty, ErrorNotice, Loading, Notice, Spinner, toast } from '../components/feedback';
import { CheckField, TextAreaField, TextField } from '../components/forms';
import { Link } from '../components/Link';
import { DataTable, PageHeader } from '../components/widgets';
import { durationProblem, humanDuration } from '../lib/duration';
import { placeError, revealError, type PlacedError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { navigate } from '../lib/router';

export function PoliciesPage() {
  const app = useApp();
  const data = useLoad(async () => {
    const [policies, signers] = await Promise.all([
      projectPolicies(app.project.id),
      listAll<Signer>(P.signers, 'signers', { projectId: app.project.id }).catch(() => [] as Signer[]),
    ]);
    return { policies, signers };
  }, [app.project.id]);
  const usage = (id: string) => (data.data?.signers ?? []).filter((s) => (s.signingPolicyId ?? s.approvalPolicyId) === id).length;
  return (
    <>
      <PageHeader
        title="Signing Policies"
        description="A policy makes signing wait for approval: requests go through its steps in order, and the last approval creates a grant limited in time and in signings."
        actions={
          <Link class="btn btn-primary" href="/policies/new">
            Create policy
          </Link>
        }
      />
      <div class="card">
        <DataTable<SigningPolicy>
          caption="Signing policies"
          rows={data.data?.policies}
          loading={data.loading}
          error={data.error}
          rowKey={(p) => p.id}
          empty={
            <Empty title="No signing policies">
              <p>Without a policy, members with sign permission sign at once.</p>
              <Link class="btn btn-primary" href="/policies/new">
                Create policy
              </Link>
            </Empty>
          }
          columns={[
            { header: 'Name', render: (p) => <Link href={`/policies/${p.id}`}>{p.name}</Link> },
            {
              header: 'Steps',
              render: (p) =>
                p.steps.length === 0
                  ? 'none'
                  : p.steps.map((s, i) => (
                      <span class="sub" key={i}>
                        {i + 1}. {s.name || `Step ${i + 1}`}: {s.requiredApprovals} of {s.approvers.length}
                      </span>
                    )),
            },
            {
              header: 'Constraints',
              render: (p) => (
                <>
                  {p.constraints.maxSignings ? `≤ ${p.constraints.maxSignings} signings` : 'any signings'}
                  <span class="sub">{p.constraints.maxWindowDuration ? `windows ≤ ${humanDuration(p.constraints.maxWindowDuration)}` : 'any window'}</span>
                </>
              ),
            },
            { header: 'Machine identities', render: (p) => (p.bypassForMachineIdentities ? 'sign without approval' : 'need approval') },
            { header: 'Signers', render: (p) => usage(p.id) },
          ]}
        />
      </div>
    </>
  );
}

interface StepDraft {
  name: string;
  requiredApprovals: string;
  approvers: string[];
}

const POLICY_FIELDS = {
  name: ['name'],
  steps: ['steps'],
  maxWindowDuration: ['constraints.maxWindowDuration', 'maxWindowDuration', 'window'],
  maxSignings: ['constraints.maxSignings', 'maxSignings'],
  constraints: ['constraints'],
  maxRequestTtl: ['maxRequestTtl'],
};

export function PolicyEditPage({ id }: { id: string }) {
  const app = useApp();
  const isNew = id === 'new';
  const loaded = useLoad(async () => {
    const [policy, signers] = await Promise.all([
      isNew ? null : get<SigningPolicy>(`${P.policies}/${id}`),
      isNew ? [] : listAll<Signer>(P.signers, 'signers', { projectId: app.project.id }).catch(() => [] as Signer[]),
    ]);
    return { policy, signers: signers.filter((s) => (s.signingPolicyId ?? s.approvalPolicyId) === id) };
  }, [id, app.project.id]);
  if (loaded.loading) return <Loading />;
  if (loaded.error) {
    return (
      <>
        <PageHeader title="Signing policy" breadcrumb={<Link href="/policies">Signing Policies</Link>} />
        <ErrorNotice error={loaded.error} />
      </>
    );
  }
  return <PolicyEditor key={id} policy={loaded.data?.policy ?? null} signers={loaded.data?.signers ?? []} />;
}

function PolicyEditor({ policy, signers }: { policy: SigningPolicy | null; signers: Signer[] }) {
  const app = useApp();
  const [name, setName] = useState(policy?.name ?? '');
  const [steps, setSteps] = useState<StepDraft[]>(
    policy?.steps.map((s) => ({ name: s.name, requiredApprovals: String(s.requiredApprovals), approvers: s.approvers.map((a) => a.id) })) ?? [
      { name: 'Approval', requiredApprovals: '1', approvers: [] },
    ],
  );
  const [maxWindow, setMaxWindow] = useState(policy?.constraints.maxWindowDuration ?? '1h');
  const [maxSignings, setMaxSignings] = useState(policy?.constraints.maxSignings ? String(policy.constraints.maxSignings) : '');
  const [ttl, setTtl] = useState(policy?.maxRequestTtl ?? '7d');
  const [bypass, setBypass] = useState(policy?.bypassForMachineIdentities ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const [deleting, setDeleting] = useState(false);
  const fe = (f: string) => (error?.field === f ? error.message : null);

  const updateStep = (i: number, change: Partial<StepDraft>) => setSteps((xs) => xs.map((s, j) => (j === i ? { ...s, ...change } : s)));

  const validate = (): PlacedError | null => {
    if (!name.trim()) return { field: 'name', message: 'Enter a name' };
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      const n = Number(s.requiredApprovals);
      if (!/^\d+$/.test(s.requiredApprovals) || n < 1) return { field: `step${i}`, message: `Step ${i + 1}: required approvals must be 1 or more` };
      if (s.approvers.length < n) {
        return { field: `step${i}`, message: `Step ${i + 1} needs ${n} approval${n === 1 ? '' : 's'} but lists ${s.approvers.length} approver${s.approvers.length === 1 ? '' : 's'}` };
      }
    }
    if (!maxWindow.trim() && !maxSignings.trim()) return { field: 'constraints', message: 'Set a maximum window, a maximum number of signings, or both' };
    if (maxWindow.trim()) {
      const p = durationProblem(maxWindow, 'Maximum window', 60_000, 30 * 86_400_000);
      if (p) return { field: 'maxWindowDuration', message: p };
    }
    if (maxSignings.trim() && (!/^\d+$/.test(maxSignings) || Number(maxSignings) < 1)) return { field: 'maxSignings', message: 'Maximum signings must be 1 or more' };
    if (ttl.trim()) {
      const p = durationProblem(ttl, 'Request expiry');
      if (p) return { field: 'maxRequestTtl', message: p };
    }
    return null;
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const local = validate();
    if (local) {
      setError(local);
      revealError();
      return;
    }
    setBusy(true);
    setError(null);
    const constraints: Record<string, unknown> = {};
    if (maxWindow.trim()) constraints.maxWindowDuration = maxWindow.trim();
    if (maxSignings.trim()) constraints.maxSignings = Number(maxSignings);
    const body: Record<string, unknown> = {
      name: name.trim(),
      steps: steps.map((s) => ({
        ...(s.name.trim() ? { name: s.name.trim() } : {}),
        requiredApprovals: Number(s.requiredApprovals),
        approvers: s.approvers.map((id) => ({ type: 'user', id })),
      })),
      constraints,
      bypassForMachineIdentities: bypass,
    };
    if (ttl.trim()) body.maxRequestTtl = ttl.trim();
    try {
      if (policy) {
        await patch(`${P.policies}/${policy.id}`, body);
        toast(`Policy ${name.trim()} saved; it applies to new requests`);
      } else {
        const created = await post<SigningPolicy>(P.policies, { projectId: app.project.id, ...body });
        toast(`Policy ${created.name} created`);
        navigate(`/policies/${created.id}`, { replace: true });
      }
    } catch (err) {
      const placed = placeError(err, POLICY_FIELDS);
      const step = /steps\[(\d+)\]/.exec(placed.message);
      setError(step ? { ...placed, field: `step${step[1]}` } : placed);
      revealError();
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        breadcrumb={<Link href="/policies">Signing Policies</Link>}
        title={policy ? policy.name : 'Create signing policy'}
        description={policy ? `Created ${formatDate(policy.createdAt)}. Changes apply to new requests only.` : 'Requests go through the steps in order; each step needs its number of distinct approvers.'}
        actions={
          policy && (
            <button type="button" class="btn btn-danger" onClick={() => setDeleting(true)}>
              Delete policy
            </button>
          )
        }
      />
      <form class="stack" onSubmit={save} noValidate>
        <div class="card">
          <div class="card-body">
            <TextField label="Name" value={name} onInput={setName} maxLength={64} placeholder="two-person release" error={fe('name')} />
          </div>
        </div>
        <div class="card">
          <div class="card-head">
            <h2>Approval steps</h2>
            <button type="button" class="btn btn-sm" onClick={() => setSteps((xs) => [...xs, { name: `Step ${xs.length + 1}`, requiredApprovals: '1', approvers: [] }])}>
              Add step
            </button>
          </div>
          <div class="card-body">
            {steps.length === 0 && <Notice kind="warning">No steps: requests are approved without anyone deciding.</Notice>}
            {steps.map((s, i) => (
              <fieldset class="policy-step" key={i}>
                <legend>Step {i + 1}</legend>
                <div class="policy-step-head">
                  <span class="muted small">{i === 0 ? 'Decided first' : `After step ${i}`}</span>
                  <div class="row">
                    <button type="button" class="btn btn-ghost btn-sm" disabled={i === 0} onClick={() => setSteps((xs) => swap(xs, i, i - 1))} aria-label={`Move step ${i + 1} up`}>
                      ↑
                    </button>
                    <button type="button" class="btn btn-ghost btn-sm" disabled={i === steps.length - 1} onClick={() => setSteps((xs) => swap(xs, i, i + 1))} aria-label={`Move step ${i + 1} down`}>
                      ↓
                    </button>
                    <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setSteps((xs) => xs.filter((_, j) => j !== i))}>
                      Remove step
                    </button>
                  </div>
                </div>
                <div class="row">
                  <TextField label="Step name" optional value={s.name} onInput={(v) => updateStep(i, { name: v })} maxLength={64} />
                  <TextField label="Required approvals" type="number" min={1} value={s.requiredApprovals} onInput={(v) => updateStep(i, { requiredApprovals: v })} />
                </div>
                <ApproverPicker step={i + 1} value={s.approvers} onChange={(ids) => updateStep(i, { approvers: ids })} />
                {fe(`step${i}`) && (
                  <span class="field-error" role="alert">
                    {fe(`step${i}`)}
                  </span>
                )}
              </fieldset>
            ))}
          </div>
        </div>
        <div class="card">
          <div class="card-head">
            <h2>Limits</h2>
          </div>
          <div class="card-body">
            {fe('constraints') && <ErrorNotice error={new Error(fe('constraints')!)} />}
            <div class="row">
              <TextField label="Maximum window" optional value={maxWindow} onInput={setMaxWindow} placeholder="1h" hint="How long a grant lasts at most: 1m to 30d. Requests default to it." error={fe('maxWindowDuration')} />
              <TextField label="Maximum signings" optional type="number" min={1} value={maxSignings} onInput={setMaxSignings} hint="Signatures per grant at most. Requests default to it." error={fe('maxSignings')} />
              <TextField label="Request expiry" value={ttl} onInput={setTtl} hint="A pending request expires after this (default 7d)." error={fe('maxRequestTtl')} />
            </div>
            <CheckField
              label="Machine identities sign without approval"
              checked={bypass}
              onChange={setBypass}
              hint="For CI: operators that are machine identities sign at once; people still need an approved request."
            />
          </div>
        </div>
        {error && (error.field === null || error.field === 'steps') && <ErrorNotice error={new Error(error.message)} />}
        <div class="form-actions">
          <Link class="btn" href="/policies">
            Cancel
          </Link>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy && <Spinner />} {policy ? 'Save policy' : 'Create policy'}
          </button>
        </div>
      </form>
      {policy && (
        <div class="card section">
          <div class="card-head">
            <h2>Signers using this policy</h2>
          </div>
          <DataTable<Signer>
            caption="Signers using this policy"
            rows={signers}
            rowKey={(s) => s.id}
            empty={<Empty title="No signer uses this policy">Attach it on a signer's overview.</Empty>}
            columns={[
              { header: 'Signer', render: (s) => <Link href={`/signers/${s.id}`}>{s.name}</Link> },
              { header: 'Status', render: (s) => s.status },
            ]}
          />
        </div>
      )}
      {deleting && policy && (
        <ConfirmDialog
          title={`Delete ${policy.name}?`}
          confirmLabel="Delete policy"
          danger
          typeToConfirm={policy.name}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await del(`${P.policies}/${policy.id}`);
            toast(`Policy ${policy.name} deleted`);
            navigate('/policies');
          }}
        >
          <p>{signers.length ? `${signers.length} signer(s) use it; the server refuses while they do.` : 'No signer uses it.'}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function swap<T>(xs: T[], i: number, j: number): T[] {
  const out = xs.slice();
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

// Approvers are users who may act in the project (its members and org admins), picked by
// email; callers who may not list users give ids instead.
function ApproverPicker(p: { step: number; value: string[]; onChange: (ids: string[]) => void }) {
  const app = useApp();
  const [filter, setFilter] = useState('');
  const members = useLoad(
    () => listAll<Membership>(`${P.projects}/${app.project.id}/memberships`, 'memberships').catch(() => [] as Membership[]),
    [app.project.id],
  );
  if (!app.directory.complete) {
    return (
      <TextAreaField
        label="Approvers (user IDs, one per line)"
        mono
        rows={3}
        value={p.value.join('\n')}
        onInput={(v) => p.onChange(v.split(/\s+/).map((x) => x.trim()).filter(Boolean))}
        hint={`Members of project ${app.project.name}. Only org admins can list users; ask one for the IDs.`}
      />
    );
  }
  const inProject = new Set((members.data ?? []).map((m) => m.userId).filter(Boolean));
  const eligible = app.directory.users.filter((u) => u.orgRole === 'admin' || inProject.has(u.id) || p.value.includes(u.id));
  const users = eligible.filter((u) => u.email.toLowerCase().includes(filter.toLowerCase()));
  const toggle = (id: string, on: boolean) => p.onChange(on ? [...p.value, id] : p.value.filter((x) => x !== id));
  return (
    <fieldset>
      <legend>
        Approvers of step {p.step} ({p.value.length} chosen)
      </legend>
      {eligible.length > 8 && <TextField label="Filter users" type="search" value={filter} onInput={setFilter} />}
      <div class="approver-list">
        {users.map((u) => (
          <CheckField key={u.id} label={u.id === app.me.id ? `${u.email} (you)` : u.email} checked={p.value.includes(u.id)} onChange={(on) => toggle(u.id, on)} />
        ))}
        {users.length === 0 && <p class="muted small">{members.loading ? 'Loading…' : 'No user matches.'}</p>}
      </div>
      <span class="hint">
        Members of project {app.project.name} and org admins. <Link href="/admin/projects">Add people to the project</Link>
      </span>
    </fieldset>
  );
}
