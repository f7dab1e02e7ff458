// Grants: list with filters, revoke with a reason.
import { listAll } from '../api/client';
import { P } from '../api/lookups';
import type { Grant, Signer } from '../api/types';
import { useApp } from '../app/state';
import { GrantsTable } from '../components/requests';
import { SelectField } from '../components/forms';
import { PageHeader } from '../components/widgets';
import { useLoad } from '../lib/hooks';
import { setQuery, useLocation } from '../lib/router';

export function GrantsPage() {
  const app = useApp();
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const signerId = query.get('signer') ?? '';
  const signers = useLoad(() => listAll<Signer>(P.signers, 'signers', { projectId: app.project.id }).catch(() => [] as Signer[]), [app.project.id]);
  const grants = useLoad(() => listAll<Grant>(P.grants, 'grants', { status: status || undefined, signerId: signerId || undefined }, 1000), [status, signerId]);
  const names = new Map((signers.data ?? []).map((s) => [s.id, s.name]));
  return (
    <>
      <PageHeader
        title="Grants"
        description="Access given by approved or pre-approved requests: who may sign on which signer, how many times, until when. Revocation applies to the next sign call."
      />
      <div class="card">
        <div class="toolbar">
          <SelectField
            label="Status"
            value={status}
            onChange={(v) => setQuery({ status: v || null })}
            placeholder="All"
            options={[
              { value: 'active', label: 'Active' },
              { value: 'expired', label: 'Expired' },
              { value: 'revoked', label: 'Revoked' },
            ]}
          />
          <SelectField
            label="Signer"
            value={signerId}
            onChange={(v) => setQuery({ signer: v || null })}
            placeholder="All signers"
            options={(signers.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          />
        </div>
        <GrantsTable
          rows={grants.data}
          loading={grants.loading}
          error={grants.error}
          reload={grants.reload}
          showSigner
          signerNames={names}
          canRevoke={(g) => !(g.granteeType === app.me.type && g.granteeId === app.me.id) || app.isOrgAdmin}
          empty={status || signerId ? 'No grant matches these filters' : 'No grants yet'}
        />
      </div>
    </>
  );
}
