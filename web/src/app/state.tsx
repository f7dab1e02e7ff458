// What every page shares: who is logged in, the current project, names of people and
// machine identities (for org admins, who may list them), and the approvals inbox count.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { get, listAll } from '../api/client';
import type { Identity, Principal, Project, SigningRequest, User } from '../api/types';
import { shortId } from '../lib/format';
import { isWaitingFor } from '../lib/inbox';

export interface Directory {
  users: User[];
  identities: Identity[];
  complete: boolean; // false for callers who may not list users (then only ids are known)
}

export interface AppState {
  me: Principal;
  isOrgAdmin: boolean;
  projects: Project[];
  project: Project;
  setProjectId: (id: string) => void;
  directory: Directory;
  reloadDirectory: () => void;
  nameOf: (type: string, id: string) => string;
  inbox: SigningRequest[];
  refreshInbox: () => void;
  logout: () => void;
}

const Ctx = createContext<AppState | null>(null);

export function useApp(): AppState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useApp outside AppProvider');
  return s;
}

const PROJECT_KEY = 'signet.project';

export function AppProvider(p: { me: Principal; projects: Project[]; logout: () => void; children: ComponentChildren }) {
  const isOrgAdmin = p.me.type === 'user' && p.me.orgRole === 'admin';
  const [projectId, setProjectIdState] = useState<string>(() => {
    const saved = sessionStorage.getItem(PROJECT_KEY);
    if (saved && p.projects.some((x) => x.id === saved)) return saved;
    return (p.projects.find((x) => x.slug === 'default') ?? p.projects[0])?.id ?? '';
  });
  const project = p.projects.find((x) => x.id === projectId) ?? p.projects[0];
  const setProjectId = useCallback((id: string) => {
    sessionStorage.setItem(PROJECT_KEY, id);
    setProjectIdState(id);
  }, []);

  const [directory, setDirectory] = useState<Directory>({ users: [], identities: [], complete: false });
  const [dirTick, setDirTick] = useState(0);
  useEffect(() => {
    if (!isOrgAdmin) return;
    let live = true;
    Promise.all([
      listAll<User>('/api/v1/users', 'users'),
      listAll<Identity>('/api/v1/identities', 'identities'),
    ]).then(
      ([users, identities]) => live && setDirectory({ users, identities, complete: true }),
      () => undefined, // names fall back to ids
    );
    return () => {
      live = false;
    };
  }, [isOrgAdmin, dirTick]);

  const nameOf = useCallback(
    (type: string, id: string) => {
      if (id === p.me.id) return `${p.me.name} (you)`;
      if (type === 'user') {
        const u = directory.users.find((x) => x.id === id);
        if (u) return u.email;
      } else {
        const i = directory.identities.find((x) => x.id === id);
        if (i) return i.name;
      }
      return `${type === 'identity' ? 'identity' : 'user'} ${shortId(id)}`;
    },
    [directory, p.me],
  );

  const [inbox, setInbox] = useState<SigningRequest[]>([]);
  const [inboxTick, setInboxTick] = useState(0);
  useEffect(() => {
    let live = true;
    const load = () =>
      listAll<SigningRequest>('/api/v1/pki/signing-requests', 'requests', { status: 'pending' }, 500).then(
        (all) => live && setInbox(all.filter((r) => isWaitingFor(r, p.me))),
        () => undefined,
      );
    void load();
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, 30_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [p.me, inboxTick]);

  const value = useMemo<AppState>(
    () => ({
      me: p.me,
      isOrgAdmin,
      projects: p.projects,
      project,
      setProjectId,
      directory,
      reloadDirectory: () => setDirTick((t) => t + 1),
      nameOf,
      inbox,
      refreshInbox: () => setInboxTick((t) => t + 1),
      logout: p.logout,
    }),
    [p.me, isOrgAdmin, p.projects, project, setProjectId, directory, nameOf, inbox, p.logout],
  );
  return <Ctx.Provider value={value}>{p.children}</Ctx.Provider>;
}

export async function loadProjects(): Promise<Project[]> {
  const page = await get<{ projects: Project[] }>('/api/v1/projects', { limit: 100 });
  return page.projects;
}
