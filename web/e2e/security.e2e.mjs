// The console's browser security, in Debian's headless Chromium: the session cookie's flags
// and its absence from script-visible storage; a cross-site form POST that carries the cookie
// (a page on another port of 127.0.0.1 is the same site, so SameSite=Strict lets the cookie
// through) is refused by the CSRF check and changes nothing; another origin can neither read
// the session nor frame the console; the CSP and the other headers on every console reply;
// logout ends the session on the server. Also keyboard use and the narrow layout.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { logIn, newPage, screenshot, startConsole, stopConsole } from './browser.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './signetd.mjs';

let server;
let browser;
let api;
let attacker; // an HTTP server on another port of 127.0.0.1
let attackerPort = 0;
let attackerPage = '';

async function sessionCookie(context) {
  return (await context.cookies(server.url)).find((c) => c.name === 'signet_session');
}

async function countCas() {
  return (await api.ok('GET', '/api/v1/pki/ca?limit=100')).totalCount;
}

describe('console security', { timeout: 300_000 }, () => {
  before(async () => {
    ({ server, browser, api } = await startConsole());
    attacker = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(attackerPage);
    });
    await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
    attackerPort = attacker.address().port;
  });

  after(async () => {
    await stopConsole({ server, browser });
    if (attacker) attacker.close();
  });

  it('the session cookie is HttpOnly and SameSite=Strict, and no token sits in script-visible storage', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, `${server.url}/signers`);
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'no signet_session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, false); // plain HTTP on loopback; Secure under TLS (test_console.py)
    assert.ok(cookie.expires > Date.now() / 1000, 'a session cookie with an expiry');
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }));
    assert.ok(!visible.cookie.includes('signet_session'), 'the cookie is visible to scripts');
    for (const store of [visible.local, visible.session]) {
      assert.ok(!store.includes(cookie.value), 'the session token is in web storage');
      assert.ok(!/sgt_|csrf/i.test(store), `a token is in web storage: ${store}`);
    }
    await context.close();
  });

  it('a cross-site form POST carrying the cookie is refused and changes nothing', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, `${server.url}/signers`);
    const before = await countCas();
    // JSON smuggled in a text/plain form body: the classic JSON CSRF.
    attackerPage = `<!doctype html><body>
      <form id="f" method="POST" action="${server.url}/api/v1/pki/ca" enctype="text/plain">
        <input name='{"commonName":"forged by csrf","keyAlgorithm":"EC_prime256v1","ttlDays":30,"x":"' value='"}'>
      </form>
      <script>document.getElementById('f').submit()</script></body>`;
    await page.goto(`http://127.0.0.1:${attackerPort}/`);
    await page.waitForURL(`${server.url}/api/v1/pki/ca`);
    const body = JSON.parse(await page.locator('body').innerText());
    // 403 naming the CSRF header, not 401: the cookie did travel, and was not enough.
    assert.equal(body.statusCode, 403, JSON.stringify(body));
    assert.match(body.message, /X-CSRF-Token/);
    assert.equal(await countCas(), before);
    const cas = (await api.ok('GET', '/api/v1/pki/ca?limit=100')).cas;
    assert.ok(!cas.some((c) => c.commonName === 'forged by csrf'));

    // A form that deletes something, the same way.
    const signer = await createSigner();
    attackerPage = `<!doctype html><body><form id="f" method="POST" action="${server.url}/api/v1/auth/logout"></form>
      <script>document.getElementById('f').submit()</script></body>`;
    await page.goto(`http://127.0.0.1:${attackerPort}/`);
    await page.waitForURL(`${server.url}/api/v1/auth/logout`);
    assert.match(await page.locator('body').innerText(), /X-CSRF-Token/);
    // Still logged in: the forged logout did not end the session.
    const cookie = await sessionCookie(context);
    const r = await fetch(`${server.url}/api/v1/auth/session`, { headers: { Cookie: `signet_session=${cookie.value}` } });
    assert.equal(r.status, 200);
    assert.equal((await api.call('GET', `/api/v1/pki/signers/${signer}`)).status, 200);
    await context.close();
  });

  it('another origin can neither read the session nor frame the console', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, `${server.url}/signers`);
    attackerPage = `<!doctype html><body><iframe id="frame" src="${server.url}/signers"></iframe><script>
      window.result = fetch('${server.url}/api/v1/auth/session', { credentials: 'include' })
        .then((r) => r.text()).then((t) => 'read: ' + t, (e) => 'blocked: ' + e.name);
    </script></body>`;
    await page.goto(`http://127.0.0.1:${attackerPort}/`);
    const result = await page.evaluate(() => window.result);
    assert.match(result, /^blocked: TypeError/);
    // frame-ancestors 'none': the frame shows Chromium's error page, not the console.
    await page.waitForTimeout(500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(frame);
    const inner = await frame.evaluate(() => document.getElementById('app') !== null).catch(() => false);
    assert.equal(inner, false, 'the console rendered inside a frame of another origin');
    await context.close();
  });

  it('every console reply carries the CSP and the other security headers', async () => {
    const { context, page, problems } = await newPage(browser);
    const replies = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.origin === server.url && !u.pathname.startsWith('/api/')) replies.push({ url: r.url(), status: r.status(), headers: r.headers() });
    });
    await logIn(page, `${server.url}/signers`);
    for (const path of ['/signers', '/certificates', '/cas', '/policies', '/approvals', '/grants', '/audit', '/admin', '/admin/identities', '/signers/0190f2c4-1111-7000-8000-000000000001/members']) {
      await page.goto(server.url + path);
      await page.locator('main').first().waitFor();
    }
    const paths = new Set(replies.map((r) => new URL(r.url).pathname));
    assert.ok([...paths].some((p) => p.startsWith('/assets/') && p.endsWith('.js')), 'no script reply seen');
    assert.ok([...paths].some((p) => p.startsWith('/assets/') && p.endsWith('.css')), 'no stylesheet reply seen');
    assert.ok(paths.has('/favicon.svg'));
    for (const r of replies) {
      const csp = r.headers['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/, r.url);
      assert.match(csp, /frame-ancestors 'none'/, r.url);
      assert.doesNotMatch(csp, /unsafe/, r.url);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', r.url);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', r.url);
    }
    assert.deepEqual(problems.external, []);
    assert.deepEqual(problems.console.filter((m) => /Content Security Policy|CSP|pageerror/i.test(m)), []);
    await context.close();
  });

  it('logout ends the session on the server', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, `${server.url}/signers`);
    const cookie = await sessionCookie(context);
    const headers = { Cookie: `signet_session=${cookie.value}` };
    assert.equal((await fetch(`${server.url}/api/v1/auth/session`, { headers })).status, 200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    assert.equal(await sessionCookie(context), undefined, 'the browser kept the cookie');
    // A copy of the old cookie no longer works anywhere.
    assert.equal((await fetch(`${server.url}/api/v1/auth/session`, { headers })).status, 401);
    assert.equal((await fetch(`${server.url}/api/v1/pki/signers`, { headers })).status, 401);
    // Reloading shows the login page, not the app.
    await page.goto(`${server.url}/signers`);
    await page.getByRole('heading', { name: 'Log in to Signet' }).waitFor();
    await context.close();
  });

  it('works from the keyboard: log in, open Create Signer, Escape closes it, focus is visible', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${server.url}/signers`);
    await page.getByLabel('Email').waitFor();
    // The email field has focus on arrival.
    await page.keyboard.type(ADMIN_EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Signers', exact: true }).waitFor();
    // The first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent);
    assert.equal(first, 'Skip to content');
    const button = page.getByRole('button', { name: 'Create Signer' }).first();
    await button.focus();
    const outline = await button.evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(outline, 'none', 'no visible focus');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Create Signer' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'name');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // Tabs move with the arrow keys.
    const signer = await createSigner();
    await page.goto(`${server.url}/signers/${signer}`);
    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(`${server.url}/signers/${signer}/members`);
    await context.close();
  });

  it('fits 390 px wide without sideways scrolling', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 390, height: 844 } });
    await logIn(page, `${server.url}/signers`);
    const signer = await createSigner();
    for (const path of ['/signers', `/signers/${signer}`, '/certificates', '/approvals', '/audit']) {
      await page.goto(server.url + path);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(200);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${path} is ${width}px wide`);
    }
    await page.goto(`${server.url}/signers`);
    await page.getByRole('button', { name: /^Menu/ }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Certificates' }).click();
    await page.getByRole('heading', { name: 'Certificates', exact: true }).waitFor();
    await page.goto(`${server.url}/signers`);
    await page.getByRole('link', { name: /^mobile-/ }).first().waitFor();
    await screenshot(page, 'signers-390px');
    await context.close();
  });
});

let signerCount = 0;
let caId = null;

// A signer made through the API (these tests are about the browser, not the forms).
async function createSigner() {
  if (!caId) caId = (await api.ok('POST', '/api/v1/pki/ca', { commonName: 'Security CA', keyAlgorithm: 'EC_prime256v1', ttlDays: 30 })).id;
  const cert = await api.ok('POST', '/api/v1/pki/certificates/issue', {
    caId, commonName: 'Security Cert', keyAlgorithm: 'EC_prime256v1', ttlDays: 30, extendedKeyUsages: ['codeSigning'],
  });
  signerCount += 1;
  return (await api.ok('POST', '/api/v1/pki/signers', { name: `mobile-${signerCount}`, certificateId: cert.certificateId, description: 'a signer for the layout test' })).id;
}
