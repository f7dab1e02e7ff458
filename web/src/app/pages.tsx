// URL → page.
import type { JSX } from 'preact';
import { Link } from '../components/Link';
import { Empty } from '../components/feedback';
import { matchPattern } from '../lib/router';
import { ADMIN_TABS, SIGNER_TABS, type SignerTab } from '../lib/routes';
import { AccountPage } from '../pages/Account';
import { AdminPage } from '../pages/Admin';
import { ApprovalsPage } from '../pages/Approvals';
import { AuditPage } from '../pages/Audit';
import { CasPage } from '../pages/Cas';
import { CertificatesPage } from '../pages/Certificates';
import { GrantsPage } from '../pages/Grants';
import { NotificationsPage } from '../pages/Notifications';
import { PoliciesPage, PolicyEditPage } from '../pages/Policies';
import { SignerPage } from '../pages/Signer';
import { SignersPage } from '../pages/Signers';
import { TsasPage } from '../pages/Tsas';

export function routePage(path: string): JSX.Element {
  let m: Record<string, string> | null;
  if (matchPattern('/signers', path)) return <SignersPage />;
  if ((m = matchPattern('/signers/{id}', path))) return <SignerPage id={m.id} tab="overview" />;
  if ((m = matchPattern('/signers/{id}/{tab}', path)) && (SIGNER_TABS as readonly string[]).includes(m.tab)) {
    return <SignerPage id={m.id} tab={m.tab as SignerTab} />;
  }
  if (matchPattern('/certificates', path)) return <CertificatesPage />;
  if ((m = matchPattern('/certificates/{id}', path))) return <CertificatesPage openId={m.id} />;
  if (matchPattern('/cas', path)) return <CasPage />;
  if ((m = matchPattern('/cas/{id}', path))) return <CasPage openId={m.id} />;
  if (matchPattern('/timestamping', path)) return <TsasPage />;
  if ((m = matchPattern('/timestamping/{id}', path))) return <TsasPage openId={m.id} />;
  if (matchPattern('/policies', path)) return <PoliciesPage />;
  if ((m = matchPattern('/policies/{id}', path))) return <PolicyEditPage id={m.id} />;
  if (matchPattern('/approvals', path)) return <ApprovalsPage />;
  if ((m = matchPattern('/approvals/{id}', path))) return <ApprovalsPage openId={m.id} />;
  if (matchPattern('/grants', path)) return <GrantsPage />;
  if (matchPattern('/audit', path)) return <AuditPage />;
  if ((m = matchPattern('/audit/{seq}', path))) return <AuditPage openSeq={m.seq} />;
  if (matchPattern('/notifications', path)) return <NotificationsPage />;
  if (matchPattern('/account', path)) return <AccountPage />;
  if (matchPattern('/admin', path)) return <AdminPage tab="users" />;
  if ((m = matchPattern('/admin/{tab}', path)) && (ADMIN_TABS as readonly string[]).includes(m.tab)) {
    return <AdminPage tab={m.tab as (typeof ADMIN_TABS)[number]} />;
  }
  return (
    <Empty title="Page not found">
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/signers">Go to Signers</Link>
      </p>
    </Empty>
  );
}
