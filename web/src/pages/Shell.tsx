// The frame around every page: navigation, project picker, who is logged in.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../app/state';
import { Link } from '../components/Link';
import { useLocation } from '../lib/router';

const NAV = [
  { href: '/signers', label: 'Signers' },
  { href: '/certificates', label: 'Certificates' },
  { href: '/cas', label: 'Certificate Authorities' },
  { href: '/timestamping', label: 'Timestamping' },
  { href: '/policies', label: 'Signing Policies' },
  { href: '/approvals', label: 'Approvals' },
  { href: '/grants', label: 'Grants' },
  { href: '/audit', label: 'Audit Log' },
  { href: '/notifications', label: 'Notifications' },
];

export function Shell(p: { children: ComponentChildren }) {
  const app = useApp();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const items = app.isOrgAdmin ? [...NAV, { href: '/admin', label: 'Admin' }] : NAV;
  const count = app.inbox.length;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <img src="/favicon.svg" alt="" />
          <span>Signet</span>
        </div>
        <button type="button" class="btn btn-sm btn-menu" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>
          Menu{count > 0 ? ` (${count})` : ''}
        </button>
      </header>
      <nav id="sidebar" class={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Main">
        <div class="brand">
          <img src="/favicon.svg" alt="" />
          <div>
            Signet
            <small>Code Signing</small>
          </div>
        </div>
        <ul class="nav">
          {items.map((item) => (
            <li key={item.href}>
              <Link href={item.href} current={path === item.href || path.startsWith(item.href + '/')}>
                <span>{item.label}</span>
                {item.href === '/approvals' && count > 0 && (
                  <span class="count" aria-label={`${count} waiting for you`}>
                    {count}
                  </span>
                )}
              </Link>
            </li>
          ))}
        </ul>
        <div class="sidebar-foot">
          <div>Logged in as</div>
          <div class="who">{app.me.name}</div>
          <div class="small">{app.isOrgAdmin ? 'Org admin' : 'Member'}</div>
          {app.me.type === 'user' && (
            <Link href="/account" current={path === '/account'}>
              <span>Account security</span>
            </Link>
          )}
          <button type="button" class="btn btn-sm btn-menu" onClick={app.logout}>
            Log out
          </button>
        </div>
      </nav>
      <div class="main">
        <div class="header-bar">
          <label for="project-picker">Project</label>
          <select id="project-picker" value={app.project.id} onChange={(e) => app.setProjectId((e.target as HTMLSelectElement).value)}>
            {app.projects.map((pr) => (
              <option key={pr.id} value={pr.id}>
                {pr.name}
              </option>
            ))}
          </select>
        </div>
        <main class="content" id="main" tabIndex={-1}>
          {p.children}
        </main>
      </div>
    </div>
  );
}
