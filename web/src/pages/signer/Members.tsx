// A signer's members: users and machine identities with a role (admin, operator, auditor).
import { useState } from 'preact/hooks';
import { del, patch, post } from '../../api/client';
import { P } from '../../api/lookups';
import type { SignerMember } from '../../api/types';
import { useApp } from '../../app/state';
import { ConfirmDialog } from '../../components/dialog';
import { Empty, ErrorNotice, Spinner, toast } from '../../components/feedback';
import { Segmented, SelectField } from '../../components/forms';
import { PrincipalPicker } from '../../components/PrincipalPicker';
import { DataTable } from '../../components/widgets';
import { placeError, type PlacedError } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import type { SignerContext } from '../Signer';

const ROLES = [
  { value: 'operator', label: 'Operator — read, sign, request access' },
  { value: 'auditor', label: 'Auditor — read, list operations' },
  { value: 'admin', label: 'Admin — everything on this signer' },
];

export function MembersTab({ ctx }: { ctx: SignerContext }) {
  const app = useApp();
  const { signer, access } = ctx;
  const members = access.members;
  const [removing, setRemoving] = useState<SignerMember | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const who = (m: SignerMember) => (m.userId ? app.nameOf('user', m.userId) : app.nameOf('identity', m.identityId ?? ''));

  const changeRole = async (m: SignerMember, role: string) => {
    setRowError(null);
    try {
      await patch(`${P.signers}/${signer.id}/members/${m.id}`, { role });
      toast(`${who(m)} is now ${role}`);
      ctx.reload();
    } catch (e) {
      setRowError({ id: m.id, error: e });
    }
  };

  return (
    <div class="stack">
      {access.canManage && <AddMember ctx={ctx} />}
      <div class="card">
        <div class="card-head">
          <h2>Members</h2>
        </div>
        {members === null ? (
          <div class="card-body">
            <ErrorNotice error={new Error('You may not list the members of this signer.')} />
          </div>
        ) : (
          <DataTable<SignerMember>
            caption="Members"
            rows={members}
            rowKey={(m) => m.id}
            empty={<Empty title="No members">Add users and machine identities that sign, approve or audit.</Empty>}
            columns={[
              {
                header: 'Member',
                render: (m) => (
                  <>
                    {who(m)}
                    <span class="sub">{m.userId ? 'User' : 'Machine identity'}</span>
                    {rowError?.id === m.id && <ErrorNotice error={rowError.error} />}
                  </>
                ),
              },
              {
                header: 'Role',
                render: (m) =>
                  access.canManage ? (
                    <select aria-label={`Role of ${who(m)}`} value={m.role} onChange={(e) => changeRole(m, (e.target as HTMLSelectElement).value)}>
                      <option value="admin">admin</option>
                      <option value="operator">operator</option>
                      <option value="auditor">auditor</option>
                    </select>
                  ) : (
                    m.role
                  ),
              },
              { header: 'Added', render: (m) => formatDate(m.createdAt) },
              {
                header: 'Actions',
                class: 'actions',
                render: (m) =>
                  access.canManage ? (
                    <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setRemoving(m)}>
                      Remove
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </div>
      {removing && (
        <ConfirmDialog
          title={`Remove ${who(removing)}?`}
          confirmLabel="Remove member"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await del(`${P.signers}/${signer.id}/members/${removing.id}`);
            toast(`${who(removing)} removed from ${signer.name}`);
            ctx.reload();
          }}
        >
          <p>
            {who(removing)} loses the {removing.role} role on {signer.name} at once. Grants already given stay until they expire or are
            revoked.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AddMember({ ctx }: { ctx: SignerContext }) {
  const [kind, setKind] = useState<'user' | 'identity'>('user');
  const [id, setId] = useState('');
  const [role, setRole] = useState('operator');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const existing = (ctx.access.members ?? []).map((m) => m.userId ?? m.identityId ?? '');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!id) {
      setError({ field: 'who', message: `Choose a ${kind === 'user' ? 'user' : 'machine identity'}` });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await post(`${P.signers}/${ctx.signer.id}/members`, kind === 'user' ? { userId: id, role } : { identityId: id, role });
      toast('Member added');
      setId('');
      ctx.reload();
    } catch (err) {
      setError(placeError(err, { who: ['userId', 'identityId', 'principal', 'user', 'identity'], role: ['role'] }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <div class="card-head">
        <h2>Add member</h2>
      </div>
      <form class="card-body" onSubmit={submit} noValidate>
        <Segmented
          label="Member type"
          value={kind}
          onChange={(k) => {
            setKind(k);
            setId('');
          }}
          options={[
            { value: 'user', label: 'User' },
            { value: 'identity', label: 'Machine identity' },
          ]}
        />
        {error?.field === null && <ErrorNotice error={new Error(error.message)} />}
        <div class="row">
          <PrincipalPicker kind={kind} value={id} onChange={setId} exclude={existing} error={error?.field === 'who' ? error.message : null} />
          <SelectField label="Role" value={role} onChange={setRole} options={ROLES} error={error?.field === 'role' ? error.message : null} />
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy && <Spinner />} Add member
          </button>
        </div>
      </form>
    </div>
  );
}
