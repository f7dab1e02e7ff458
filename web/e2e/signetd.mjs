// Starts a signetd for the browser tests the way tests/integration/signet_testlib.py does: a
// fresh temporary data directory, 127.0.0.1 port 0, the bound port read from --port-file,
// /healthz polled until it answers. Also a small JSON client and OpenSSL helpers.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const BUILD_DIR = resolve(process.env.SIGNET_BUILD_DIR || join(REPO, 'build'));
export const SIGNETD = join(BUILD_DIR, 'bin', 'signetd');
export const ADMIN_EMAIL = 'admin@signet.test';
export const ADMIN_PASSWORD = 'correct horse battery staple 1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Signetd {
  constructor() {
    if (!existsSync(SIGNETD)) throw new Error(`signetd not built: ${SIGNETD}`);
    this.root = mkdtempSync(join(tmpdir(), 'signet-e2e-'));
    this.dataDir = join(this.root, 'data');
    this.portFile = join(this.root, 'port');
    this.logPath = join(this.root, 'stderr.log');
    this.proc = null;
    this.port = 0;
  }

  async start() {
    const { openSync } = await import('node:fs');
    const log = openSync(this.logPath, 'a');
    this.proc = spawn(
      SIGNETD,
      ['--listen', '127.0.0.1:0', '--data-dir', this.dataDir, '--dev', '--port-file', this.portFile],
      {
        stdio: ['ignore', log, log],
        env: { ...process.env, SIGNET_BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL, SIGNET_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD },
      },
    );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`signetd exited during start:\n${this.log()}`);
      if (existsSync(this.portFile)) {
        const text = readFileSync(this.portFile, 'utf8').trim();
        if (text) {
          this.port = Number(text);
          break;
        }
      }
      await sleep(20);
    }
    if (!this.port) throw new Error(`signetd wrote no port file\n${this.log()}`);
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return this;
      } catch {
        // not yet
      }
      await sleep(50);
    }
    throw new Error(`/healthz did not answer\n${this.log()}`);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-60).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await new Promise((r) => this.proc.once('exit', r));
    }
    if (!process.env.SIGNET_KEEP_DIRS) rmSync(this.root, { recursive: true, force: true });
  }

  // `signetd audit verify` on the data directory: { code, output }.
  auditVerifyCli() {
    const r = spawnSync(SIGNETD, ['audit', 'verify', '--data-dir', this.dataDir], { encoding: 'utf8' });
    return { code: r.status, output: r.stdout + r.stderr };
  }
}

// A JSON client with a bearer token (the way scripts and CI talk to signetd).
export class Api {
  constructor(base, token = null) {
    this.base = base;
    this.token = token;
  }

  withToken(token) {
    return new Api(this.base, token);
  }

  async call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
  }

  async ok(method, path, body) {
    const r = await this.call(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async login(email, password) {
    const r = await this.ok('POST', '/api/v1/auth/login', { email, password });
    return this.withToken(r.accessToken);
  }
}

// Runs the openssl command; throws with its output when it fails.
export function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: input === undefined ? 'utf8' : undefined });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

// A temporary directory, removed when the process exits (unless SIGNET_KEEP_DIRS is set).
const tempDirs = [];
process.on('exit', () => {
  if (process.env.SIGNET_KEEP_DIRS) return;
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

export { writeFileSync, join };
