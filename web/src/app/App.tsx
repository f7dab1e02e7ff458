// The console: session check, login, then the page the URL names.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { call, setSessionEndedHandler } from '../api/client';
import { currentSession, logOut } from '../api/session';
import type { MfaStatus, Principal, Project } from '../api/types';
import { ErrorNotice, Loading, Toasts } from '../components/feedback';
import { navigate, useLocation } from '../lib/router';
import { Login } from '../pages/Login';
import { Shell } from '../pages/Shell';
import { AppProvider, loadProjects } from './state';
import { routePage } from './pages';

type Phase =
  | { kind: 'checking' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'login'; reason: string | null }
  | { kind: 'in'; me: Principal; projects: Project[] };

// Started as soon as the script runs, not after the first render, and side by side: with a
// valid session the projects are there when the session answers; without one they fail
// quietly (401) and are asked for again after login.
const sessionCheck = currentSession();
let earlyProjects: Promise<Project[] | null> | null = loadProjects().catch(() => null);

const FALLBACK_PROJECT: Project = { id: 'default', name: 'default', slug: 'default', description: '', complianceProfile: 'none', createdAt: '' };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });
  const loc = useLocation();

  const enter = useCallback(async (me: Principal) => {
    let projects: Project[] = [];
    try {
      const early = earlyProjects ? await earlyProjects : null;
      earlyProjects = null;
      projects = early ?? (await loadProjects());
    } catch {
      // shown per page: lists name the project they could not read
    }
    setPhase({ kind: 'in', me, projects: projects.length ? projects : [FALLBACK_PROJECT] });
    // A session without a second factor, where the organisation asks everyone for one: only
    // the account page works until an authenticator is set up.
    if (me.type === 'user' && !me.mfa) {
      const status = await call<MfaStatus>('GET', '/api/v1/auth/mfa').catch(() => null);
      if (status?.required === 'all') navigate('/account', { replace: true });
    }
  }, []);

  useEffect(() => {
    sessionCheck.then(
      (s) => (s ? enter(s.principal) : setPhase({ kind: 'login', reason: null })),
      (error) => setPhase({ kind: 'failed', error }),
    );
    setSessionEndedHandler(() => setPhase({ kind: 'login', reason: 'Your session has ended. Log in again to continue.' }));
    return () => setSessionEndedHandler(null);
  }, [enter]);

  const logout = useCallback(() => {
    logOut().finally(() => {
      setPhase({ kind: 'login', reason: 'You are logged out.' });
      navigate('/login', { replace: true });
    });
  }, []);

  // Logged in at / or /login: the console starts at Signers.
  const atEntry = phase.kind === 'in' && (loc.path === '/' || loc.path === '/login');
  useEffect(() => {
    if (atEntry) navigate('/signers', { replace: true });
  }, [atEntry]);

  useEffect(() => {
    const base = 'Signet';
    document.title = loc.path === '/login' || phase.kind === 'login' ? `Log in · ${base}` : base;
  }, [loc.path, phase.kind]);

  if (phase.kind === 'checking') return <Loading label="Loading Signet…" />;
  if (phase.kind === 'failed') {
    return (
      <main class="login-wrap">
        <div class="login">
          <ErrorNotice error={phase.error} title="Signet did not answer." />
          <button type="button" class="btn" onClick={() => location.reload()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (phase.kind === 'login') {
    return (
      <>
        <Login
          reason={phase.reason}
          onLoggedIn={(s) => {
            void enter(s.principal);
            if (loc.path === '/login' || loc.path === '/') navigate('/signers', { replace: true });
          }}
        />
        <Toasts />
      </>
    );
  }
  if (atEntry) return <Loading />; // the effect above moves on to /signers
  return (
    <AppProvider me={phase.me} projects={phase.projects} logout={logout}>
      <Shell>{routePage(loc.path)}</Shell>
      <Toasts />
    </AppProvider>
  );
}
