// What the logged-in user may do on one signer: org admins and project admins manage every
// signer of the project; otherwise the signer role decides (SPEC §2). The server checks
// again; this only decides which actions the page offers.
import { get, listAll } from '../../api/client';
import type { Membership, Principal, SignerMember } from '../../api/types';

export interface SignerAccess {
  role: SignerMember['role'] | null;
  projectAdmin: boolean;
  canManage: boolean;
  canSign: boolean;
  members: SignerMember[] | null; // null when the caller may not list them
}

export async function loadSignerAccess(signerId: string, projectId: string, me: Principal): Promise<SignerAccess> {
  const [members, memberships] = await Promise.all([
    listAll<SignerMember>(`/api/v1/pki/signers/${signerId}/members`, 'members').catch(() => null),
    get<{ memberships: Membership[] }>(`/api/v1/projects/${projectId}/memberships`, { limit: 100 })
      .then((r) => r.memberships)
      .catch(() => [] as Membership[]),
  ]);
  const mine = members?.find((m) => (me.type === 'user' ? m.userId : m.identityId) === me.id) ?? null;
  const orgAdmin = me.type === 'user' && me.orgRole === 'admin';
  const projectAdmin =
    orgAdmin || memberships.some((m) => (me.type === 'user' ? m.userId : m.identityId) === me.id && m.role === 'admin');
  const role = mine?.role ?? null;
  return {
    role,
    projectAdmin,
    canManage: projectAdmin || role === 'admin',
    canSign: projectAdmin || role === 'admin' || role === 'operator',
    members,
  };
}
