// A signer's signing operations: status, actor, algorithm, grant, client metadata; filters.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { get } from '../../api/client';
import { P } from '../../api/lookups';
import type { Operation } from '../../api/types';
import { Dialog } from '../../components/dialog';
import { Empty, StatusBadge } from '../../components/feedback';
import { SelectField } from '../../components/forms';
import { DataTable, Pagination } from '../../components/widgets';
import { formatDate, relativeTime, shortId } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { setQuery, useLocation } from '../../lib/router';
import type { SignerContext } from '../Signer';

export function ActivityTab({ ctx }: { ctx: SignerContext }) {
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = Number(query.get('limit') ?? 20) || 20;
  const [open, setOpen] = useState<Operation | null>(null);
  const ops = useLoad(
    (signal) =>
      get<{ operations: Operation[]; totalCount: number }>(`${P.signers}/${ctx.signer.id}/operations`, { status: status || undefined, offset, limit }, signal),
    [ctx.signer.id, status, offset, limit],
  );
  return (
    <div class="card">
      <div class="toolbar">
        <SelectField
          label="Status"
          value={status}
          onChange={(v) => setQuery({ status: v || null, offset: null })}
          placeholder="All"
          options={[
            { value: 'success', label: 'Success' },
            { value: 'denied', label: 'Denied' },
            { value: 'failed', label: 'Failed' },
          ]}
        />
        <button type="button" class="btn" onClick={ops.reload}>
          Refresh
        </button>
      </div>
      <DataTable<Operation>
        caption="Signing operations"
        rows={ops.data?.operations}
        loading={ops.loading}
        error={ops.error}
        rowKey={(o) => o.id}
        empty={<Empty title={status ? `No ${status} operations` : 'No signing operations yet'}>Every sign attempt, allowed or not, appears here.</Empty>}
        columns={[
          { header: 'Time', render: (o) => <span title={o.createdAt}>{relativeTime(o.createdAt)}<span class="sub">{formatDate(o.createdAt)}</span></span> },
          {
            header: 'Status',
            render: (o) => (
              <>
                <StatusBadge status={o.status} />
                {o.errorMessage && <span class="sub">{o.errorMessage}</span>}
              </>
            ),
          },
          { header: 'Actor', render: (o) => <>{o.actorName}<span class="sub">{o.actorType === 'identity' ? 'Machine identity' : 'User'}</span></> },
          { header: 'Algorithm', render: (o) => <code>{o.signingAlgorithm}</code> },
          { header: 'Grant', render: (o) => (o.grantId ? <code title={o.grantId}>{shortId(o.grantId)}</code> : <span class="muted">—</span>) },
          {
            header: 'Client',
            render: (o) => (
              <>
                {o.clientMetadata?.tool ?? <span class="muted">—</span>}
                <span class="sub">
                  {[o.clientMetadata?.hostname, o.sourceIp].filter(Boolean).join(' · ')}
                </span>
              </>
            ),
          },
          {
            header: 'Actions',
            class: 'actions',
            render: (o) => (
              <button type="button" class="btn btn-ghost btn-sm" onClick={() => setOpen(o)}>
                Details
              </button>
            ),
          },
        ]}
      />
      {ops.data && <Pagination offset={offset} limit={limit} total={ops.data.totalCount} noun="operations" onChange={(o, l) => setQuery({ offset: o || null, limit: l === 20 ? null : l })} />}
      {open && (
        <Dialog title="Signing operation" onClose={() => setOpen(null)} wide>
          <dl class="details">
            <dt>ID</dt>
            <dd><code>{open.id}</code></dd>
            <dt>Time</dt>
            <dd>{formatDate(open.createdAt)}</dd>
            <dt>Status</dt>
            <dd><StatusBadge status={open.status} /></dd>
            {open.errorMessage && (<><dt>Reason</dt><dd>{open.errorMessage}</dd></>)}
            <dt>Actor</dt>
            <dd>{open.actorName} ({open.actorType}, <code>{open.actorId}</code>)</dd>
            <dt>Algorithm</dt>
            <dd><code>{open.signingAlgorithm}</code></dd>
            <dt>Data hash</dt>
            <dd><code class="break">{open.dataHash}</code></dd>
            <dt>Grant</dt>
            <dd>{open.grantId ? <code>{open.grantId}</code> : 'none'}</dd>
            <dt>Source IP</dt>
            <dd>{open.sourceIp}</dd>
            {Object.entries(open.clientMetadata ?? {}).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd class="break">{v}</dd>
              </Fragment>
            ))}
          </dl>
        </Dialog>
      )}
    </div>
  );
}
