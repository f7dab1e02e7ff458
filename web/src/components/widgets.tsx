// Tables with their loading/empty/error states, pagination, tabs, copy buttons, headers.
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { copyText } from '../lib/download';
import { navigate } from '../lib/router';
import { Empty, ErrorNotice, Loading } from './feedback';

export interface Column<T> {
  header: string;
  render: (row: T) => ComponentChildren;
  class?: string;
}

export function DataTable<T>(p: {
  caption: string;
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey: (row: T) => string;
  loading?: boolean;
  error?: unknown;
  empty: ComponentChildren;
}) {
  if (p.error) {
    return (
      <div class="card-body">
        <ErrorNotice error={p.error} />
      </div>
    );
  }
  if (p.loading && !p.rows) return <Loading />;
  if (!p.rows || p.rows.length === 0) return <>{p.empty}</>;
  return (
    <div class="table-wrap">
      <table class="data stack-mobile" aria-busy={p.loading ? 'true' : undefined}>
        <caption class="visually-hidden">{p.caption}</caption>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th scope="col" class={c.class} key={c.header}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((row) => (
            <tr key={p.rowKey(row)}>
              {p.columns.map((c) => (
                <td class={c.class} data-label={c.header} key={c.header}>
                  <div class="cell">{c.render(row)}</div>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination(p: {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number, limit: number) => void;
  noun?: string;
}) {
  if (p.total === 0) return null;
  const first = p.offset + 1;
  const last = Math.min(p.offset + p.limit, p.total);
  return (
    <div class="table-foot">
      <span class="muted" aria-live="polite">
        {first}–{last} of {p.total} {p.noun ?? ''}
      </span>
      <div class="pager">
        <label class="small muted" for="page-size">
          Rows
        </label>
        <select
          id="page-size"
          value={String(p.limit)}
          onChange={(e) => p.onChange(0, Number((e.target as HTMLSelectElement).value))}
          class="btn-sm"
        >
          {[20, 50, 100].map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
        <button type="button" class="btn btn-sm" disabled={p.offset === 0} onClick={() => p.onChange(Math.max(0, p.offset - p.limit), p.limit)}>
          Previous
        </button>
        <button type="button" class="btn btn-sm" disabled={last >= p.total} onClick={() => p.onChange(p.offset + p.limit, p.limit)}>
          Next
        </button>
      </div>
    </div>
  );
}

// Tabs that are links (each tab has its own URL); arrow keys move between them.
export function TabLinks(p: { label: string; tabs: { id: string; label: string; href: string }[]; current: string }) {
  const onKey = (e: JSX.TargetedKeyboardEvent<HTMLElement>, index: number) => {
    let next = -1;
    if (e.key === 'ArrowRight') next = (index + 1) % p.tabs.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + p.tabs.length) % p.tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = p.tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    navigate(p.tabs[next].href, { replace: true });
    requestAnimationFrame(() => document.getElementById(`tab-${p.tabs[next].id}`)?.focus());
  };
  return (
    <div class="tabs" role="tablist" aria-label={p.label}>
      {p.tabs.map((t, i) => (
        <a
          key={t.id}
          id={`tab-${t.id}`}
          role="tab"
          href={t.href}
          aria-selected={t.id === p.current}
          aria-controls="tab-panel"
          tabIndex={t.id === p.current ? 0 : -1}
          onKeyDown={(e) => onKey(e, i)}
          onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
            e.preventDefault();
            navigate(t.href, { replace: true });
          }}
        >
          {t.label}
        </a>
      ))}
    </div>
  );
}

export function CopyButton(p: { text: string; label?: string; small?: boolean }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      class={`btn ${p.small !== false ? 'btn-sm' : ''}`}
      onClick={async () => {
        setState((await copyText(p.text)) ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 2000);
      }}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : (p.label ?? 'Copy')}</span>
    </button>
  );
}

export function PageHeader(p: { title: ComponentChildren; description?: ComponentChildren; actions?: ComponentChildren; breadcrumb?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        {p.breadcrumb && <nav class="breadcrumb" aria-label="Breadcrumb">{p.breadcrumb}</nav>}
        <div class="title-row">{typeof p.title === 'string' ? <h1>{p.title}</h1> : p.title}</div>
        {p.description && <p>{p.description}</p>}
      </div>
      {p.actions && <div class="actions">{p.actions}</div>}
    </div>
  );
}

export function EmptyTable(p: { title: string; children?: ComponentChildren }) {
  return <Empty title={p.title}>{p.children}</Empty>;
}
