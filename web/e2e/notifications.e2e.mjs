// The Notifications screen end to end (issue 20): a webhook created in the console against a
// receiver this test runs on loopback (refused first for a plain-http URL elsewhere), a test
// sent and checked (Signet-Signature HMAC) and seen in the delivery log, the webhook edited
// with its secret kept; the SMTP settings set against aiosmtpd started here, the password
// write-only; then a request by a second user reaches the approver by e-mail and webhook, the
// approver opens the e-mail's link in the console and approves, and the requester hears of it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe } from 'node:test';
import { logIn, newPage, screenshot, startConsole, stepWithScreenshots, stopConsole } from './browser.mjs';
import { ADMIN_EMAIL, Api } from './signetd.mjs';

const PYTHON = process.env.SIGNET_PYTHON || '/usr/bin/python3';
const SECRET = 'webhook secret of the e2e test';
const SMTP_PASSWORD = 'smtp password never shown';
const BOB = 'bob.notify@signet.test';
const BOB_PASSWORD = 'e2e password 123456';

let server;
let browser;
let api;
let ui;
let receiver;
let smtp;
const state = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// An HTTP endpoint on 127.0.0.1 that records every POST and answers 204.
async function startReceiver() {
  const posts = [];
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  return { posts, url: `http://127.0.0.1:${http.address().port}/signet-events`, close: () => new Promise((r) => http.close(r)) };
}

// aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1: prints its port, then one JSON line per
// message received; stops when its stdin closes.
const SMTP_SINK = `
import email, email.policy, json, socket, sys
sys.path.append("/usr/lib/python3/dist-packages")
from aiosmtpd.controller import Controller
class Handler:
    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = m.get_body(preferencelist=("plain",))
        print(json.dumps({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "subject": str(m["subject"]),
                          "text": text.get_content() if text else ""}), flush=True)
        return "250 OK"
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
c = Controller(Handler(), hostname="127.0.0.1", port=port); c.start()
print(json.dumps({"port": port}), flush=True)
sys.stdin.read()
c.stop()
`;

async function startSmtp() {
  const proc = spawn(PYTHON, ['-c', SMTP_SINK], { stdio: ['pipe', 'pipe', 'inherit'] });
  const messages = [];
  let port = 0;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const m = JSON.parse(line);
    if (m.port) port = m.port;
    else messages.push(m);
  });
  await waitFor('aiosmtpd to start', () => port || proc.exitCode !== null, 15_000);
  if (!port) throw new Error(`aiosmtpd did not start (exit ${proc.exitCode}); ${PYTHON} needs python3-aiosmtpd`);
  return {
    port,
    messages,
    close: async () => {
      if (proc.exitCode !== null) return;
      proc.stdin.end();
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

function verifySignature(post, secret) {
  const parts = Object.fromEntries(post.headers['signet-signature'].split(',').map((p) => p.split('=', 2)));
  const mac = createHmac('sha256', secret).update(`${parts.t}.${post.body}`).digest('hex');
  return mac === parts.v1 && Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
}

const step = stepWithScreenshots(() => ({ '': ui?.page }));

describe('console notifications', { timeout: 600_000 }, () => {
  before(async () => {
    receiver = await startReceiver();
    smtp = await startSmtp();
    ({ server, browser, api } = await startConsole());
    ui = await newPage(browser);
    await logIn(ui.page, `${server.url}/signers`);
  });

  after(async () => {
    await stopConsole({ server, browser });
    if (receiver) await receiver.close();
    if (smtp) await smtp.close();
  });

  step('a webhook is created in the console, refused first for a plain-http URL elsewhere', async () => {
    const { page } = ui;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Webhooks of default' }).waitFor();
    await page.getByRole('heading', { name: 'No webhooks' }).waitFor();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const d = page.getByRole('dialog', { name: 'Create webhook' });
    await d.getByLabel('URL').fill('http://hooks.example.com/signet');
    await d.getByLabel('Name').fill('ci-events');
    await d.getByLabel('Secret').fill(SECRET);
    await d.getByLabel(/^request\.created/).check();
    await d.getByLabel(/^request\.approved/).check();
    await d.getByRole('button', { name: 'Create webhook' }).click();
    await d.getByText('must use https').waitFor();
    assert.equal((await api.ok('GET', '/api/v1/notifications/webhooks')).totalCount, 0);

    await d.getByLabel('URL').fill(receiver.url);
    await d.getByRole('button', { name: 'Create webhook' }).click();
    await d.waitFor({ state: 'hidden' });
    const row = page.getByRole('row').filter({ hasText: 'ci-events' });
    await row.getByText(receiver.url).waitFor();
    await row.getByText('signed with a secret').waitFor();
    const hooks = (await api.ok('GET', '/api/v1/notifications/webhooks')).webhooks;
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0].url, receiver.url);
    assert.equal(hooks[0].format, 'signet');
    assert.deepEqual(hooks[0].events, ['request.created', 'request.approved']);
    assert.equal(hooks[0].hasSecret, true);
    state.hook = hooks[0];
    assert.equal(await page.getByText(SECRET).count(), 0, 'the secret is on the page');
  });

  step('Send test delivers a signed webhook.test that shows in the delivery log', async () => {
    const { page } = ui;
    const row = page.getByRole('row').filter({ hasText: 'ci-events' });
    await row.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test to ci-events: delivered (HTTP 204)').waitFor();
    const tests = receiver.posts.filter((p) => p.headers['signet-event'] === 'webhook.test');
    assert.equal(tests.length, 1);
    assert.ok(verifySignature(tests[0], SECRET), 'the Signet-Signature does not verify');
    const body = JSON.parse(tests[0].body);
    assert.equal(body.event, 'webhook.test');
    assert.equal(tests[0].headers['signet-event-id'], body.id);

    const log = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Deliveries of ci-events' }) });
    const entry = log.getByRole('row').filter({ hasText: 'webhook.test' });
    await entry.getByText('delivered', { exact: true }).waitFor();
    await entry.getByText('HTTP 204').waitFor();
    await entry.getByText('1 of').waitFor();
    await entry.getByRole('button', { name: 'Payload' }).click();
    const payload = page.getByRole('dialog', { name: 'Delivery of webhook.test' });
    await payload.getByText(body.id).first().waitFor();
    await screenshot(page, 'notifications-deliveries');
    await payload.getByRole('button', { name: 'Close' }).click();
    const deliveries = (await api.ok('GET', `/api/v1/notifications/webhooks/${state.hook.id}/deliveries`)).deliveries;
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].status, 'delivered');
    assert.equal(deliveries[0].eventId, body.id);
  });

  step('editing a webhook keeps its secret unless a new one is typed', async () => {
    const { page } = ui;
    const row = page.getByRole('row').filter({ hasText: 'ci-events' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const d = page.getByRole('dialog', { name: 'Edit webhook ci-events' });
    assert.equal(await d.getByLabel('Secret').inputValue(), '');
    await d.getByText('A secret is set and never shown').waitFor();
    await d.getByLabel(/^request\.approved/).uncheck();
    await d.getByLabel(/^request\.step_advanced/).check();
    await d.getByRole('button', { name: 'Save' }).click();
    await d.waitFor({ state: 'hidden' });
    await row.getByText('request.step_advanced').waitFor();
    const hook = await api.ok('GET', `/api/v1/notifications/webhooks/${state.hook.id}`);
    assert.deepEqual(hook.events, ['request.created', 'request.step_advanced']);
    assert.equal(hook.hasSecret, true);
    // The kept secret still signs: a second test verifies with it. The first test's toast may
    // still be showing, so the second delivery is awaited at the receiver, not by that text.
    await row.getByRole('button', { name: 'Send test' }).click();
    const tests = await waitFor('the second webhook.test at the receiver', () => {
      const got = receiver.posts.filter((p) => p.headers['signet-event'] === 'webhook.test');
      return got.length >= 2 && got;
    });
    assert.equal(tests.length, 2);
    await page.getByText('Test to ci-events: delivered (HTTP 204)').first().waitFor();
    assert.ok(verifySignature(tests[1], SECRET));
  });

  step('SMTP settings: set, the password write-only, then the password removed', async () => {
    const { page } = ui;
    const card = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'E-mail (SMTP)' }) });
    await card.getByText('E-mail is off').waitFor();
    await card.getByLabel('Host').fill('127.0.0.1');
    await card.getByLabel('Security').selectOption('none');
    assert.equal(await card.getByLabel('Port').inputValue(), '25');
    await card.getByLabel('Port').fill(String(smtp.port));
    await card.getByLabel('From').fill('Signet <signet@signet.test>');
    await card.getByLabel('Username').fill('mailer');
    await card.getByLabel(/^Password/).fill(SMTP_PASSWORD);
    await card.getByRole('button', { name: 'Save e-mail settings' }).click();
    await card.getByText(`E-mail is on: 127.0.0.1:${smtp.port} (none), from Signet <signet@signet.test>, with a stored password`).waitFor();
    assert.equal(await card.getByLabel(/^Password/).inputValue(), '');
    await card.getByText('A password is stored and never shown').waitFor();
    let saved = await api.ok('GET', '/api/v1/notifications/smtp');
    assert.deepEqual([saved.host, saved.port, saved.security, saved.username, saved.hasPassword, saved.from], ['127.0.0.1', smtp.port, 'none', 'mailer', true, 'Signet <signet@signet.test>']);
    assert.ok(!JSON.stringify(saved).includes(SMTP_PASSWORD));

    // After a reload the form shows the saved settings, never the password.
    await page.reload();
    await card.getByText('E-mail is on').waitFor();
    assert.equal(await card.getByLabel('Host').inputValue(), '127.0.0.1');
    assert.equal(await card.getByLabel('Username').inputValue(), 'mailer');
    assert.equal(await card.getByLabel(/^Password/).inputValue(), '');
    assert.equal(await page.getByText(SMTP_PASSWORD).count(), 0);
    assert.ok(!(await page.content()).includes(SMTP_PASSWORD));

    // A bad port is refused by the server under the field; nothing changes.
    await card.getByLabel('Port').fill('70000');
    await card.getByRole('button', { name: 'Save e-mail settings' }).click();
    await card.locator('.field-error').first().waitFor();
    assert.equal((await api.ok('GET', '/api/v1/notifications/smtp')).port, smtp.port);
    await card.getByLabel('Port').fill(String(smtp.port));

    // aiosmtpd here has no AUTH: the username and password go.
    await card.getByLabel('Username').fill('');
    await card.getByLabel('Remove the stored password').check();
    await card.getByRole('button', { name: 'Save e-mail settings' }).click();
    await card.getByText(`E-mail is on: 127.0.0.1:${smtp.port} (none), from Signet <signet@signet.test>. Saved`).waitFor();
    saved = await api.ok('GET', '/api/v1/notifications/smtp');
    assert.equal(saved.hasPassword, false);
    assert.equal(saved.username, null);
    await screenshot(page, 'notifications');
  });

  step('a request reaches the approver by e-mail and webhook; approved from the link in the console', async () => {
    const { page } = ui;
    const admin = (await api.ok('GET', '/api/v1/users?limit=100')).users.find((u) => u.email === ADMIN_EMAIL);
    const bob = await api.ok('POST', '/api/v1/users', { email: BOB, password: BOB_PASSWORD, orgRole: 'member' });
    await api.ok('POST', '/api/v1/projects/default/memberships', { userId: bob.id, role: 'member' });
    const ca = await api.ok('POST', '/api/v1/pki/ca', { commonName: 'Notify Root CA', keyAlgorithm: 'EC_prime256v1', ttlDays: 365 });
    const cert = await api.ok('POST', '/api/v1/pki/certificates/issue', { caId: ca.id, commonName: 'Notify Release', keyAlgorithm: 'EC_prime256v1', ttlDays: 30, extendedKeyUsages: ['codeSigning'] });
    const policy = await api.ok('POST', '/api/v1/pki/signing-policies', {
      name: 'admin-approves',
      steps: [{ name: 'admins', requiredApprovals: 1, approvers: [{ type: 'user', id: admin.id }] }],
      constraints: { maxWindowDuration: '1h', maxSignings: 1 },
    });
    const signer = await api.ok('POST', '/api/v1/pki/signers', { name: 'notify-signer', certificateId: cert.certificateId, signingPolicyId: policy.id });
    await api.ok('POST', `/api/v1/pki/signers/${signer.id}/members`, { userId: bob.id, role: 'operator' });
    const bobApi = await new Api(server.url).login(BOB, BOB_PASSWORD);
    const req = await bobApi.ok('POST', `/api/v1/pki/signers/${signer.id}/requests`, { justification: 'release 9.9', requestedSignings: 1, requestedWindowDuration: '1h' });

    // The approver's e-mail names the request and links to it in the console.
    const mail = await waitFor('the e-mail to the approver', () => smtp.messages.find((m) => m.to.includes(ADMIN_EMAIL)));
    assert.match(mail.subject, /bob\.notify@signet\.test asks to sign with notify-signer/);
    const link = `${server.url}/approvals/${req.id}`;
    assert.ok(mail.text.includes(link), `no link to the request in:\n${mail.text}`);
    // The webhook got request.created, signed.
    const created = await waitFor('request.created at the webhook', () => receiver.posts.find((p) => p.headers['signet-event'] === 'request.created'));
    assert.ok(verifySignature(created, SECRET));
    const data = JSON.parse(created.body).data;
    assert.equal(data.requestId, req.id);
    assert.equal(data.link, link);

    // The approver follows the link and approves in the console.
    await page.goto(mail.text.match(/https?:\/\/\S+\/approvals\/[0-9a-f-]+/)[0]);
    const details = page.getByRole('dialog', { name: 'Signing request' });
    await details.getByText('release 9.9').first().waitFor();
    await details.getByRole('button', { name: 'Approve' }).click();
    const decide = page.getByRole('dialog', { name: 'Approve request' });
    await decide.getByLabel('Comment').fill('ok, from the e-mail');
    await decide.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved: the grant is active').waitFor();
    const done = await api.ok('GET', `/api/v1/pki/signing-requests/${req.id}`);
    assert.equal(done.status, 'approved');
    assert.ok(done.grantId);
    // The requester hears of it by e-mail.
    const approved = await waitFor('the e-mail to the requester', () => smtp.messages.find((m) => m.to.includes(BOB) && /approved/i.test(m.subject)));
    assert.ok(approved.text.includes(link));
    // The webhook's log in the console shows request.created delivered.
    await page.goto(`${server.url}/notifications`);
    await page.getByRole('row').filter({ hasText: 'ci-events' }).getByRole('button', { name: 'Deliveries' }).click();
    const log = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Deliveries of ci-events' }) });
    await log.getByRole('row').filter({ hasText: 'request.created' }).getByText('delivered', { exact: true }).waitFor();
  });

  step('the webhook is deleted and e-mail turned off from the console', async () => {
    const { page } = ui;
    const row = page.getByRole('row').filter({ hasText: 'ci-events' });
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete webhook ci-events?' });
    await confirm.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByRole('heading', { name: 'No webhooks' }).waitFor();
    assert.equal((await api.call('GET', `/api/v1/notifications/webhooks/${state.hook.id}`)).status, 404);

    await page.getByRole('button', { name: 'Turn e-mail off' }).click();
    const off = page.getByRole('dialog', { name: 'Turn e-mail off?' });
    await off.getByRole('button', { name: 'Turn e-mail off' }).click();
    await page.getByText('E-mail is off').waitFor();
    assert.equal((await api.call('GET', '/api/v1/notifications/smtp')).status, 404);
    assert.deepEqual(ui.problems.external, []);
    const real = ui.problems.console.filter((m) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m));
    assert.deepEqual(real, []);
  });
});
