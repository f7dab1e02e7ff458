// Login: Email, Password, Log in; then, for an account with an authenticator, its code (or a
// recovery code). The session lives in an HttpOnly cookie set by signetd.
import { useState } from 'preact/hooks';
import { logIn, verifyMfa, type MfaChallenge } from '../api/session';
import type { SessionInfo } from '../api/types';
import { Notice, ErrorNotice, Spinner } from '../components/feedback';
import { TextField } from '../components/forms';

export function Login(p: { onLoggedIn: (s: SessionInfo) => void; reason?: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState<{ email?: string; password?: string; code?: string }>({});

  const submit = async (e: Event) => {
    e.preventDefault();
    const m = {
      email: email.trim() ? undefined : 'Enter your email',
      password: password ? undefined : 'Enter your password',
    };
    setMissing(m);
    if (m.email || m.password) return;
    setBusy(true);
    setError(null);
    try {
      const r = await logIn(email.trim(), password);
      if ('mfaRequired' in r) {
        setChallenge(r);
        setPassword('');
      } else {
        p.onLoggedIn(r);
      }
    } catch (err) {
      setError(err);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);

  const submitCode = async (e: Event) => {
    e.preventDefault();
    if (!challenge) return;
    if (!code.trim()) {
      setMissing({ email: undefined, password: undefined, code: useRecovery ? 'Enter a recovery code' : 'Enter the 6-digit code' });
      return;
    }
    setMissing({});
    setBusy(true);
    setError(null);
    try {
      const proof = useRecovery ? { recoveryCode: code.trim() } : { code: code.replace(/\s/g, '') };
      p.onLoggedIn(await verifyMfa(challenge.mfaToken, proof));
    } catch (err) {
      setError(err);
      setCode('');
      // An expired or spent login token means starting over.
      if (err instanceof Error && /log in again/i.test(err.message)) setChallenge(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login-wrap" id="main">
      <div class="login">
        <div class="brand">
          <img src="/favicon.svg" alt="" />
          <span>Signet</span>
        </div>
        <div class="card">
          <div class="card-body">
            <h1>Log in to Signet</h1>
            {p.reason && <Notice kind="info">{p.reason}</Notice>}
            <ErrorNotice error={error} />
            {challenge ? (
              <form onSubmit={submitCode} noValidate>
                <p>{useRecovery ? 'Enter one of your recovery codes. Each works once.' : 'Enter the 6-digit code from your authenticator app.'}</p>
                <TextField
                  label={useRecovery ? 'Recovery code' : 'Authentication code'}
                  name="code"
                  value={code}
                  onInput={setCode}
                  autoComplete="one-time-code"
                  autoFocus
                  error={missing.code}
                />
                <button type="submit" class="btn btn-primary" disabled={busy}>
                  {busy && <Spinner />} Verify
                </button>{' '}
                <button type="button" class="btn btn-link" onClick={() => { setUseRecovery(!useRecovery); setCode(''); }}>
                  {useRecovery ? 'Use the authenticator app' : 'Use a recovery code'}
                </button>
              </form>
            ) : (
            <form onSubmit={submit} noValidate>
              <TextField label="Email" type="email" name="email" value={email} onInput={setEmail} autoComplete="username" autoFocus error={missing.email} />
              <TextField label="Password" type="password" name="password" value={password} onInput={setPassword} autoComplete="current-password" error={missing.password} />
              <button type="submit" class="btn btn-primary" disabled={busy}>
                {busy && <Spinner />} Log in
              </button>
            </form>
            )}
            <details class="hint-box">
              <summary>First time here?</summary>
              <p>
                On its first start, <code>make run</code> creates the org admin <code>admin@signet.local</code> and prints a generated
                password once in its terminal. A server started with <code>SIGNET_BOOTSTRAP_ADMIN_EMAIL</code> and{' '}
                <code>SIGNET_BOOTSTRAP_ADMIN_PASSWORD</code> uses those instead.
              </p>
              <p>Everyone else gets an account from an org admin (Admin → Users).</p>
            </details>
          </div>
        </div>
      </div>
    </main>
  );
}
