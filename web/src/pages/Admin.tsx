// Admin (org admins): users, machine identities (a new client secret is shown once, with a
// copy button), projects and their memberships.
import { useState } from 'preact/hooks';
import { ApiError, del, get, listAll, patch, post } from '../api/client';
import { P } from '../api/lookups';
import type { Identity, Membership, Project, User } from '../api/types';
import { useApp } from '../app/state';
import { ConfirmDialog, Dialog, FormDialog } from '../components/dialog';
import { Empty, ErrorNotice, Notice, Spinner, toast } from '../components/feedback';
import { Segmented, SelectField, TextAreaField, TextField } from '../components/forms';
import { PrincipalPicker } from '../components/PrincipalPicker';
import { CopyButton, DataTable, PageHeader, TabLinks } from '../components/widgets';
import { placeError, type PlacedError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { ADMIN_TABS } from '../lib/routes';

type Tab = (typeof ADMIN_TABS)[number];

export function AdminPage({ tab }: { tab: Tab }) {
  const app = useApp();
  if (!app.isOrgAdmin) {
    return (
      <>
        <PageHeader title="Admin" />
        <Notice kind="warning">Only org admins manage users, machine identities and projects.</Notice>
      </>
    );
  }
  return (
    <>
      <PageHeader title="Admin" description="People, machine identities for CI and tools, and projects." />
      <TabLinks
        label="Admin sections"
        current={tab}
        tabs={[
          { id: 'users', label: 'Users', href: '/admin/users' },
          { id: 'identities', label: 'Machine identities', href: '/admin/identities' },
          { id: 'projects', label: 'Projects', href: '/admin/projects' },
        ]}
      />
      <section id="tab-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'users' && <UsersTab />}
        {tab === 'identities' && <IdentitiesTab />}
        {tab === 'projects' && <ProjectsTab />}
      </section>
    </>
  );
}

// ---- users ----

function UsersTab() {
  const app = useApp();
  const users = useLoad(() => listAll<User>(P.users, 'users'), []);
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const reload = () => {
    users.reload();
    app.reloadDirectory();
  };
  const setRole = async (u: User, orgRole: string) => {
    setRowError(null);
    try {
      await patch(`${P.users}/${u.id}`, { orgRole });
      toast(`${u.email} is now ${orgRole}`);
      reload();
    } catch (e) {
      setRowError({ id: u.id, error: e });
    }
  };
  return (
    <div class="card">
      <div class="card-head">
        <h2>Users</h2>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
          Create user
        </button>
      </div>
      <DataTable<User>
        caption="Users"
        rows={users.data}
        loading={users.loading}
        error={users.error}
        rowKey={(u) => u.id}
        empty={<Empty title="No users" />}
        columns={[
          {
            header: 'Email',
            render: (u) => (
              <>
                {u.email}
                {u.id === app.me.id && <span class="sub">you</span>}
                <span class="sub mono">{u.id}</span>
                {rowError?.id === u.id && <ErrorNotice error={rowError.error} />}
              </>
            ),
          },
          {
            header: 'Org role',
            render: (u) => (
              <select aria-label={`Org role of ${u.email}`} value={u.orgRole} disabled={u.id === app.me.id} onChange={(e) => setRole(u, (e.target as HTMLSelectElement).value)}>
                <option value="admin">admin</option>
                <option value="member">member</option>
              </select>
            ),
          },
          { header: 'Created', render: (u) => formatDate(u.createdAt) },
          {
            header: 'Actions',
            class: 'actions',
            render: (u) => (
              <>
                {u.id !== app.me.id && (
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => setResetting(u)}>
                    Set password
                  </button>
                )}
                {u.id !== app.me.id && (
                  <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setDeleting(u)}>
                    Delete
                  </button>
                )}
              </>
            ),
          },
        ]}
      />
      {creating && <CreateUserDialog onClose={() => setCreating(false)} onDone={reload} />}
      {resetting && <PasswordDialog user={resetting} onClose={() => setResetting(null)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.email}?`}
          confirmLabel="Delete user"
          danger
          typeToConfirm={deleting.email}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await del(`${P.users}/${deleting.id}`);
            toast(`${deleting.email} deleted`);
            reload();
          }}
        >
          <p>Their sessions and tokens stop working at once. What they did stays in the audit log.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function CreateUserDialog(p: { onClose: () => void; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const submit = async () => {
    if (!email.includes('@')) return setError({ field: 'email', message: 'Enter an email address' });
    if (password.length < 8) return setError({ field: 'password', message: 'The password needs at least 8 characters' });
    setBusy(true);
    setError(null);
    try {
      await post(P.users, { email: email.trim(), password, orgRole: role });
      toast(`User ${email.trim()} created`);
      p.onClose();
      p.onDone();
    } catch (e) {
      setError(placeError(e, { email: ['email', 'a user with email'], password: ['password'], role: ['orgRole'] }));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);
  return (
    <FormDialog title="Create user" submitLabel="Create user" busy={busy} error={error} onClose={p.onClose} onSubmit={submit}>
      <TextField label="Email" type="email" value={email} onInput={setEmail} autoComplete="off" error={fe('email')} />
      <TextField label="Password" type="password" value={password} onInput={setPassword} autoComplete="new-password" hint="8 to 256 characters. Share it with the person over a safe channel." error={fe('password')} />
      <SelectField
        label="Org role"
        value={role}
        onChange={setRole}
        options={[
          { value: 'member', label: 'Member' },
          { value: 'admin', label: 'Admin — manages users, identities, projects and everything in them' },
        ]}
        error={fe('role')}
      />
    </FormDialog>
  );
}

function PasswordDialog(p: { user: User; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    if (password.length < 8) return setError('The password needs at least 8 characters');
    setBusy(true);
    setError(null);
    try {
      await patch(`${P.users}/${p.user.id}`, { password });
      toast(`Password of ${p.user.email} changed`);
      p.onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title={`Set password of ${p.user.email}`} submitLabel="Set password" busy={busy} onClose={p.onClose} onSubmit={submit}>
      <TextField label="New password" type="password" value={password} onInput={setPassword} autoComplete="new-password" error={error} />
    </FormDialog>
  );
}

// ---- machine identities ----

function IdentitiesTab() {
  const app = useApp();
  const identities = useLoad(() => listAll<Identity>(P.identities, 'identities'), []);
  const [creating, setCreating] = useState(false);
  const [secretFor, setSecretFor] = useState<Identity | null>(null);
  const [oidcFor, setOidcFor] = useState<Identity | null>(null);
  const [deleting, setDeleting] = useState<Identity | null>(null);
  const reload = () => {
    identities.reload();
    app.reloadDirectory();
  };
  return (
    <div class="card">
      <div class="card-head">
        <h2>Machine identities</h2>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
          Create machine identity
        </button>
      </div>
      <DataTable<Identity>
        caption="Machine identities"
        rows={identities.data}
        loading={identities.loading}
        error={identities.error}
        rowKey={(i) => i.id}
        empty={
          <Empty title="No machine identities">
            <p>CI jobs and signing tools log in as machine identities with a client id and secret (Universal Auth).</p>
          </Empty>
        }
        columns={[
          { header: 'Name', render: (i) => <>{i.name}<span class="sub mono">{i.id}</span></> },
          { header: 'Client ID', render: (i) => <code>{i.clientId}</code> },
          { header: 'Created', render: (i) => formatDate(i.createdAt) },
          {
            header: 'Actions',
            class: 'actions',
            render: (i) => (
              <>
                <button type="button" class="btn btn-ghost btn-sm" onClick={() => setSecretFor(i)}>
                  New client secret
                </button>
                <button type="button" class="btn btn-ghost btn-sm" onClick={() => setOidcFor(i)}>
                  OIDC auth
                </button>
                <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setDeleting(i)}>
                  Delete
                </button>
              </>
            ),
          },
        ]}
      />
      {creating && (
        <NameDialog
          title="Create machine identity"
          label="Name"
          hint="For example ci-release. Then create a client secret and make it an operator of the signers it uses."
          submitLabel="Create"
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const created = await post<Identity>(P.identities, { name });
            toast(`Machine identity ${created.name} created`);
            reload();
            setSecretFor(created);
          }}
        />
      )}
      {secretFor && <ClientSecretDialog identity={secretFor} onClose={() => setSecretFor(null)} />}
      {oidcFor && <OidcAuthDialog identity={oidcFor} onClose={() => setOidcFor(null)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete machine identity"
          danger
          typeToConfirm={deleting.name}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await del(`${P.identities}/${deleting.id}`);
            toast(`${deleting.name} deleted`);
            reload();
          }}
        >
          <p>Its client secrets and tokens stop working at once; CI jobs using it will fail to log in.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

// An identity's OIDC auth method (docs/ci-identities.md): CI jobs log in with their OIDC
// identity token instead of a client secret.
interface OidcAuth {
  identityId: string;
  oidcDiscoveryUrl: string;
  boundIssuer: string;
  boundAudiences: string;
  boundClaims: Record<string, string>;
  boundSubject: string;
  accessTokenTTL: number;
}

// "name=value" lines ↔ boundClaims.
function claimsText(claims: Record<string, string>): string {
  return Object.entries(claims)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}
function parseClaims(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return `"${line}" is not claim=value`;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function OidcAuthDialog(p: { identity: Identity; onClose: () => void }) {
  const path = `/api/v1/auth/oidc-auth/identities/${p.identity.id}`;
  const [form, setForm] = useState<{ url: string; issuer: string; audiences: string; subject: string; claims: string; ttl: string } | null>(null);
  const [exists, setExists] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const current = useLoad(async (signal) => {
    try {
      const a = (await get<{ identityOidcAuth: OidcAuth }>(path, undefined, signal)).identityOidcAuth;
      setExists(true);
      setForm({ url: a.oidcDiscoveryUrl, issuer: a.boundIssuer, audiences: a.boundAudiences, subject: a.boundSubject, claims: claimsText(a.boundClaims), ttl: String(a.accessTokenTTL) });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
      setForm({ url: 'https://token.actions.githubusercontent.com', issuer: 'https://token.actions.githubusercontent.com', audiences: window.location.origin, subject: '', claims: 'repository=', ttl: '3600' });
    }
    return true;
  }, [path]);
  const set = (k: keyof NonNullable<typeof form>) => (v: string) => setForm((f) => (f ? { ...f, [k]: v } : f));
  const save = async () => {
    if (!form) return;
    const claims = parseClaims(form.claims);
    if (typeof claims === 'string') return setError({ field: 'claims', message: claims });
    setBusy(true);
    setError(null);
    try {
      const body = { oidcDiscoveryUrl: form.url.trim(), boundIssuer: form.issuer.trim(), boundAudiences: form.audiences, boundSubject: form.subject.trim(), boundClaims: claims, accessTokenTTL: Number(form.ttl) };
      await (exists ? patch(path, body) : post(path, body));
      toast(`OIDC auth of ${p.identity.name} saved`);
      p.onClose();
    } catch (e) {
      setError(placeError(e, { url: ['oidcDiscoveryUrl'], issuer: ['boundIssuer'], audiences: ['boundAudiences'], subject: ['boundSubject'], claims: ['boundClaims'], ttl: ['accessTokenTTL', 'accessTokenMaxTTL'] }));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await del(path);
      toast(`OIDC auth of ${p.identity.name} removed`);
      p.onClose();
    } catch (e) {
      setError(placeError(e, {}));
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) => (error?.field === k ? error.message : null);
  return (
    <FormDialog
      title={`OIDC auth for ${p.identity.name}`}
      submitLabel={exists ? 'Save' : 'Attach OIDC auth'}
      wide
      busy={busy}
      onClose={p.onClose}
      onSubmit={save}
      footerStart={
        exists && (
          <button type="button" class="btn btn-ghost danger" disabled={busy} onClick={remove}>
            Remove OIDC auth
          </button>
        )
      }
    >
      {current.loading && <Spinner />}
      <ErrorNotice error={current.error} />
      {error && !error.field && <Notice kind="error">{error.message}</Notice>}
      {form && (
        <>
          <p class="muted small">
            CI jobs log in with their OIDC identity token (<code>signet login --identity-id {p.identity.id} --oidc-token-file FILE</code>); no secret is stored.
          </p>
          <TextField label="Discovery URL" value={form.url} onInput={set('url')} mono error={err('url')} hint="The issuer's URL; https, or http to loopback." />
          <TextField label="Bound issuer" value={form.issuer} onInput={set('issuer')} mono error={err('issuer')} hint="The token's iss, exactly." />
          <TextField label="Bound audiences" value={form.audiences} onInput={set('audiences')} mono error={err('audiences')} hint="Comma-separated; the token's aud must be one of them." />
          <TextField label="Bound subject" optional value={form.subject} onInput={set('subject')} mono error={err('subject')} hint="A glob, e.g. repo:octo-org/app:ref:refs/tags/v*" />
          <TextAreaField label="Bound claims" value={form.claims} onInput={set('claims')} mono rows={4} error={err('claims')} placeholder={'repository=octo-org/app\nref=refs/heads/main, refs/tags/v*'} />
          <TextField label="Access token TTL (seconds)" type="number" min={1} max={86400} value={form.ttl} onInput={set('ttl')} error={err('ttl')} />
        </>
      )}
    </FormDialog>
  );
}

function ClientSecretDialog(p: { identity: Identity; onClose: () => void }) {
  const [result, setResult] = useState<{ clientId: string; clientSecret: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await post<{ clientId: string; clientSecret: string }>(`${P.identities}/${p.identity.id}/universal-auth/client-secrets`, {}));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (result) {
    return (
      <Dialog title={`Client secret for ${p.identity.name}`} onClose={p.onClose} footer={<button type="button" class="btn btn-primary" onClick={p.onClose}>I have saved the secret</button>}>
        <Notice kind="warning">This is the only time the secret is shown. Signet keeps only its hash.</Notice>
        <div class="field">
          <span class="label">Client ID</span>
          <div class="secret-box">
            <code>{result.clientId}</code>
            <CopyButton text={result.clientId} label="Copy client ID" />
          </div>
        </div>
        <div class="field">
          <span class="label">Client secret</span>
          <div class="secret-box">
            <code id="client-secret">{result.clientSecret}</code>
            <CopyButton text={result.clientSecret} label="Copy secret" />
          </div>
        </div>
        <p class="muted small">
          Log in with <code>POST /api/v1/auth/universal-auth/login</code>, <code>signet login --client-id … --client-secret-stdin</code>, or the
          PKCS#11 module's configuration.
        </p>
      </Dialog>
    );
  }
  return (
    <FormDialog title={`New client secret for ${p.identity.name}`} submitLabel="Create client secret" busy={busy} onClose={p.onClose} onSubmit={create}>
      <ErrorNotice error={error} />
      <p>A new secret works next to the existing ones. It is shown once, right after it is created.</p>
    </FormDialog>
  );
}

function NameDialog(p: { title: string; label: string; hint?: string; submitLabel: string; onClose: () => void; onSubmit: (name: string) => Promise<void>; description?: boolean }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    if (!name.trim()) return setError(`Enter a ${p.label.toLowerCase()}`);
    setBusy(true);
    setError(null);
    try {
      await p.onSubmit(name.trim());
      p.onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title={p.title} submitLabel={p.submitLabel} busy={busy} onClose={p.onClose} onSubmit={submit}>
      <TextField label={p.label} value={name} onInput={setName} maxLength={256} hint={p.hint} error={error} />
    </FormDialog>
  );
}

// ---- projects ----

function ProjectsTab() {
  const app = useApp();
  const projects = useLoad(() => listAll<Project>(P.projects, 'projects'), []);
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<string>(app.project.id);
  const current = projects.data?.find((x) => x.id === selected) ?? projects.data?.[0];
  return (
    <div class="stack">
      <div class="card">
        <div class="card-head">
          <h2>Projects</h2>
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
            Create project
          </button>
        </div>
        <DataTable<Project>
          caption="Projects"
          rows={projects.data}
          loading={projects.loading}
          error={projects.error}
          rowKey={(x) => x.id}
          empty={<Empty title="No projects" />}
          columns={[
            { header: 'Name', render: (x) => <>{x.name}<span class="sub">{x.description}</span></> },
            { header: 'Slug', render: (x) => <code>{x.slug}</code> },
            { header: 'Compliance', render: (x) => (x.complianceProfile === 'csbr' ? 'CSBR' : '—') },
            { header: 'Created', render: (x) => formatDate(x.createdAt) },
            {
              header: 'Actions',
              class: 'actions',
              render: (x) => (
                <button type="button" class="btn btn-ghost btn-sm" aria-pressed={current?.id === x.id} onClick={() => setSelected(x.id)}>
                  Members
                </button>
              ),
            },
          ]}
        />
      </div>
      {current && <ProjectCompliance key={current.id} project={current} onSaved={projects.reload} />}
      {current && <ProjectMembers project={current} />}
      {creating && (
        <NameDialog
          title="Create project"
          label="Name"
          hint="Lower-case letters, digits and hyphens make the best names: the slug is derived from it."
          submitLabel="Create project"
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const created = await post<Project>(P.projects, { name });
            toast(`Project ${created.name} created; reload to see it in the project picker`);
            projects.reload();
            setSelected(created.id);
          }}
        />
      )}
    </div>
  );
}

// The project's compliance profile: switching csbr on is refused (409) while a signer does not
// meet it, with each one named; the error is shown as the server words it.
function ProjectCompliance({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const [profile, setProfile] = useState<string>(project.complianceProfile ?? 'none');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await patch<Project>(`${P.projects}/${project.id}`, { complianceProfile: profile });
      toast(profile === 'csbr' ? `CSBR applies to ${project.name} now` : `No compliance profile on ${project.name}`);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <div class="card-head">
        <h2>Compliance of {project.name}</h2>
      </div>
      <form class="card-body" onSubmit={save} noValidate>
        {error !== null && <ErrorNotice error={error} />}
        <SelectField
          label="Compliance profile"
          value={profile}
          onChange={setProfile}
          hint="CSBR: keys only in the HSM, RSA ≥ 3072 or P-256/384/521, code-signing certificates ≤ 460 days with policy 2.23.140.1.4.1, no SHA-1, MFA for people."
          options={[{ value: 'none', label: 'None' }, { value: 'csbr', label: 'CSBR — CA/Browser Forum Code Signing Baseline Requirements' }]}
        />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || profile === (project.complianceProfile ?? 'none')}>
            {busy && <Spinner />} Save
          </button>
        </div>
      </form>
    </div>
  );
}

function ProjectMembers({ project }: { project: Project }) {
  const app = useApp();
  const members = useLoad(() => get<{ memberships: Membership[] }>(`${P.projects}/${project.id}/memberships`, { limit: 100 }).then((r) => r.memberships), [project.id]);
  const [kind, setKind] = useState<'user' | 'identity'>('user');
  const [who, setWho] = useState('');
  const [role, setRole] = useState('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const [removing, setRemoving] = useState<Membership | null>(null);
  const nameOf = (m: Membership) => (m.userId ? app.nameOf('user', m.userId) : app.nameOf('identity', m.identityId ?? ''));
  const add = async (e: Event) => {
    e.preventDefault();
    if (!who) return setError({ field: 'who', message: 'Choose who to add' });
    setBusy(true);
    setError(null);
    try {
      await post(`${P.projects}/${project.id}/memberships`, kind === 'user' ? { userId: who, role } : { identityId: who, role });
      toast('Member added');
      setWho('');
      members.reload();
    } catch (err) {
      setError(placeError(err, { who: ['userId', 'identityId', 'principal'], role: ['role'] }));
    } finally {
      setBusy(false);
    }
  };
  const existing = (members.data ?? []).map((m) => m.userId ?? m.identityId ?? '');
  return (
    <div class="card">
      <div class="card-head">
        <h2>Members of {project.name}</h2>
      </div>
      <form class="card-body" onSubmit={add} noValidate>
        <Segmented label="Member type" value={kind} onChange={(k) => { setKind(k); setWho(''); }} options={[{ value: 'user', label: 'User' }, { value: 'identity', label: 'Machine identity' }]} />
        {error?.field === null && <ErrorNotice error={new Error(error.message)} />}
        <div class="row">
          <PrincipalPicker kind={kind} value={who} onChange={setWho} exclude={existing} error={error?.field === 'who' ? error.message : null} />
          <SelectField label="Project role" value={role} onChange={setRole} options={[{ value: 'member', label: 'Member' }, { value: 'admin', label: 'Admin — CAs, certificates, signers, policies' }]} />
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy && <Spinner />} Add to project
          </button>
        </div>
      </form>
      <DataTable<Membership>
        caption={`Members of ${project.name}`}
        rows={members.data}
        loading={members.loading}
        error={members.error}
        rowKey={(m) => m.id}
        empty={<Empty title="No members yet">Org admins act as admins of every project.</Empty>}
        columns={[
          { header: 'Member', render: (m) => <>{nameOf(m)}<span class="sub">{m.userId ? 'User' : 'Machine identity'}</span></> },
          { header: 'Role', render: (m) => m.role },
          { header: 'Added', render: (m) => formatDate(m.createdAt) },
          {
            header: 'Actions',
            class: 'actions',
            render: (m) => (
              <button type="button" class="btn btn-ghost danger btn-sm" onClick={() => setRemoving(m)}>
                Remove
              </button>
            ),
          },
        ]}
      />
      {removing && (
        <ConfirmDialog
          title={`Remove ${nameOf(removing)} from ${project.name}?`}
          confirmLabel="Remove"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await del(`${P.projects}/${project.id}/memberships/${removing.id}`);
            toast('Member removed');
            members.reload();
          }}
        >
          <p>They lose access to the project's CAs, certificates and policies.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
