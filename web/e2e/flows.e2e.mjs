// The console end to end in Debian's headless Chromium against a signetd of its own
// (issue 14's flows): first login; a CA, a code-signing and a serverAuth-only certificate;
// Create Signer through the form (the serverAuth certificate is not offered); a two-step
// policy; a second user requests access; the approvers approve from their inbox; the
// requester signs over the API (verified with the openssl command); the signer's Activity
// shows the operation with its grant; Verify chain reports intact, then the first bad event
// after a row is altered in the database. Screenshots go to build/console-screenshots/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { logIn, newPage, screenshot, startConsole, stepWithScreenshots, stopConsole } from './browser.mjs';
import { ADMIN_EMAIL, Api, join, openssl, tempDir, writeFileSync } from './signetd.mjs';

const PASSWORD = 'e2e password 123456';
const USERS = { bob: 'bob@signet.test', carol: 'carol@signet.test', dave: 'dave@signet.test' };
const XSS = '<img src=x onerror=alert(1)>';

let server;
let browser;
let admin; // { page, problems, context }
let adminApi;
const state = {};

async function nav(page, label) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
}

// A <select>'s option texts, without the placeholder.
async function optionTexts(select) {
  return (await select.locator('option').allTextContents()).filter((t) => t && !/^(Choose|No |None|Loading)/.test(t));
}

// it() that leaves a screenshot of every open page when the step fails.
const step = stepWithScreenshots(() => ({ admin: admin?.page, bob: state.bob?.page }));

function assertNoProblems(problems, where) {
  assert.deepEqual(problems.external, [], `${where}: requests left the machine`);
  const real = problems.console.filter((m) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m));
  assert.deepEqual(real, [], `${where}: console errors or CSP violations`);
}

describe('console flows', { timeout: 600_000 }, () => {
  before(async () => {
    ({ server, browser, api: adminApi } = await startConsole());
  });

  after(() => stopConsole({ server, browser }));

  step('first login: the login page, then Signers with an empty state', async () => {
    admin = await newPage(browser);
    const { page } = admin;
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Log in to Signet' }).waitFor();
    await page.getByText('First time here?').click();
    await page.getByText(/make run/).first().waitFor();
    await screenshot(page, 'login');
    // A wrong password is refused with the server's message, next to the form.
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid credentials' }).waitFor();
    await logIn(page, server.url);
    assert.equal(new URL(page.url()).pathname, '/signers');
    await page.getByRole('heading', { name: 'No signers yet' }).waitFor();
    for (const label of ['Signers', 'Certificates', 'Certificate Authorities', 'Signing Policies', 'Approvals', 'Grants', 'Audit Log', 'Admin']) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).waitFor();
    }
  });

  step('creates a CA, a code-signing certificate and a serverAuth-only certificate', async () => {
    const { page } = admin;
    await nav(page, 'Certificate Authorities');
    await page.getByRole('button', { name: 'Create CA' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create Certificate Authority' });
    await dialog.getByLabel('Common name').fill('E2E Root CA');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'E2E Root CA' }).waitFor();
    await screenshot(page, 'certificate-authorities');

    await nav(page, 'Certificates');
    for (const [cn, ekus] of [
      ['E2E Release', ['codeSigning']],
      ['E2E TLS Only', ['serverAuth']],
    ]) {
      await page.getByRole('button', { name: 'Issue certificate' }).click();
      const d = page.getByRole('dialog', { name: 'Issue certificate' });
      await d.getByLabel('Certificate Authority').selectOption({ label: 'E2E Root CA (root)' });
      await d.getByLabel('Common name').fill(cn);
      await d.getByLabel('Key algorithm').selectOption('EC_prime256v1');
      for (const eku of ['codeSigning', 'serverAuth']) await d.getByLabel(eku, { exact: true }).setChecked(ekus.includes(eku));
      await d.getByRole('button', { name: 'Issue', exact: true }).click();
      await page.getByRole('link', { name: cn }).waitFor();
    }
    await screenshot(page, 'certificates');
    const certs = await adminApi.ok('GET', '/api/v1/pki/certificates?limit=100');
    state.release = certs.certificates.find((c) => c.commonName === 'E2E Release');
    state.tls = certs.certificates.find((c) => c.commonName === 'E2E TLS Only');
    assert.deepEqual(state.release.extendedKeyUsages, ['codeSigning']);
    assert.deepEqual(state.tls.extendedKeyUsages, ['serverAuth']);
  });

  step('Create Signer: the slug rule as you type, only code-signing certificates, the server message on refusal, XSS as text', async () => {
    const { page } = admin;
    let alerted = false;
    page.on('dialog', async (d) => {
      alerted = true;
      await d.dismiss();
    });
    await nav(page, 'Signers');
    await page.getByRole('button', { name: 'Create Signer' }).first().click();
    const d = page.getByRole('dialog', { name: 'Create Signer' });
    const name = d.getByLabel('Name', { exact: true });
    await name.fill('Release--Signer');
    await d.getByText('may contain only lower-case letters, digits and hyphens').waitFor();
    await name.fill('release--signer');
    await d.getByText('must not contain two hyphens in a row').waitFor();
    await name.fill('release-signer');
    await d.getByText('Valid name').waitFor();
    const options = await optionTexts(d.getByLabel('Certificate', { exact: true }));
    assert.equal(options.length, 1, `offered: ${options}`);
    assert.match(options[0], /^E2E Release/);
    assert.ok(!options.some((o) => o.includes('TLS Only')), 'a serverAuth-only certificate was offered');
    await d.getByLabel('Description').fill(XSS);
    await d.getByLabel('Certificate', { exact: true }).selectOption({ label: options[0] });
    await screenshot(page, 'create-signer');
    await d.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'release-signer' }).waitFor();
    state.signerId = new URL(page.url()).pathname.split('/')[2];
    // The description is text: visible as typed, no element made of it, nothing ran.
    await page.getByText(XSS).first().waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img[onerror]').length), 0);
    assert.equal(alerted, false);
    await screenshot(page, 'signer-overview');

    // The server refuses a second signer of that name: its message shows under Name.
    await nav(page, 'Signers');
    await page.getByText(XSS).first().waitFor(); // in the table too, as text
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.getByRole('button', { name: 'Create Signer' }).first().click();
    const again = page.getByRole('dialog', { name: 'Create Signer' });
    await again.getByLabel('Name', { exact: true }).fill('release-signer');
    await again.getByLabel('Certificate', { exact: true }).selectOption({ index: 1 });
    await again.getByRole('button', { name: 'Create', exact: true }).click();
    await again.getByText("a signer named 'release-signer' already exists in this project").waitFor();
    await again.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(alerted, false);
    await screenshot(page, 'signers');
  });

  step('the overview downloads the certificate', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/signers/${state.signerId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download certificate' }).click()]);
    const dir = tempDir('signet-e2e-dl-');
    const path = join(dir, 'cert.pem');
    await download.saveAs(path);
    const subject = openssl(['x509', '-in', path, '-noout', '-subject']);
    assert.match(subject, /CN\s*=\s*E2E Release/);
  });

  step('creates users, a two-step policy, attaches it and adds the requester as operator', async () => {
    const { page } = admin;
    await nav(page, 'Admin');
    for (const email of Object.values(USERS)) {
      await page.getByRole('button', { name: 'Create user' }).click();
      const d = page.getByRole('dialog', { name: 'Create user' });
      await d.getByLabel('Email').fill(email);
      await d.getByLabel('Password').fill(PASSWORD);
      await d.getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('cell', { name: new RegExp(email) }).waitFor();
    }
    await screenshot(page, 'admin-users');
    const users = (await adminApi.ok('GET', '/api/v1/users?limit=100')).users;
    state.users = Object.fromEntries(Object.entries(USERS).map(([k, email]) => [k, users.find((u) => u.email === email)]));

    // The requester and the approvers work in the project.
    await page.getByRole('tab', { name: 'Projects' }).click();
    await page.getByRole('heading', { name: 'Members of default' }).waitFor();
    for (const who of [USERS.bob, USERS.carol, USERS.dave]) {
      await page.getByLabel('User', { exact: true }).selectOption({ label: who });
      await page.getByRole('button', { name: 'Add to project' }).click();
      await page.getByRole('cell', { name: new RegExp(who) }).waitFor();
    }
    await screenshot(page, 'admin-projects');

    await nav(page, 'Signing Policies');
    await page.getByRole('link', { name: 'Create policy' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('two-step');
    await page.getByRole('group', { name: /Approvers of step 1/ }).getByLabel(USERS.carol).check();
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('group', { name: /Approvers of step 2/ }).getByLabel(USERS.dave).check();
    await page.getByLabel('Maximum signings').fill('2');
    await screenshot(page, 'policy-editor');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'two-step' }).waitFor();

    await page.goto(`${server.url}/signers/${state.signerId}`);
    await page.getByRole('heading', { name: 'Signing policy' }).waitFor();
    await page.getByRole('button', { name: 'Change', exact: true }).click();
    const d = page.getByRole('dialog', { name: 'Signing policy' });
    await d.getByLabel('Signing Policy').selectOption({ label: 'two-step' });
    await d.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'two-step' }).waitFor();

    await page.getByRole('tab', { name: 'Members' }).click();
    await page.getByLabel('User', { exact: true }).selectOption({ label: USERS.bob });
    await page.getByLabel('Role', { exact: true }).selectOption('operator');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('cell', { name: new RegExp(USERS.bob) }).waitFor();
    await screenshot(page, 'signer-members');
    const signer = await adminApi.ok('GET', `/api/v1/pki/signers/${state.signerId}`);
    assert.ok(signer.signingPolicyId, 'policy not attached');
  });

  step('the second user requests access', async () => {
    const bob = await newPage(browser);
    state.bob = bob;
    await logIn(bob.page, server.url, { email: USERS.bob, password: PASSWORD });
    await bob.page.getByRole('link', { name: 'release-signer' }).click();
    await bob.page.getByRole('tab', { name: 'Approvals' }).click();
    const form = bob.page.locator('form').filter({ has: bob.page.getByRole('button', { name: 'Request access' }) });
    await form.getByRole('button', { name: 'Request access' }).click();
    await form.getByText('Say why access is needed').waitFor();
    await form.getByLabel('Justification').fill('release 1.2.3');
    await form.getByLabel('Signings').fill('1');
    await form.getByLabel('Window').fill('1h');
    await form.getByRole('button', { name: 'Request access' }).click();
    await bob.page.getByRole('cell', { name: /step 1 of 2/ }).waitFor();
    await screenshot(bob.page, 'signer-approvals');
    // Signing before approval is refused with the policy's message.
    const api = await new Api(server.url).login(USERS.bob, PASSWORD);
    const r = await api.call('POST', `/api/v1/pki/signers/${state.signerId}/sign`, {
      data: Buffer.alloc(32).toString('base64'), signingAlgorithm: 'ECDSA_SHA256', isDigest: true,
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'ApprovalRequired');
  });

  step('the approvers approve from their inbox, step by step', async () => {
    for (const [who, finalText] of [
      ['carol', 'Approved; the next step decides now'],
      ['dave', 'Approved: the grant is active'],
    ]) {
      const ctx = await newPage(browser);
      const { page } = ctx;
      await logIn(page, server.url, { email: USERS[who], password: PASSWORD });
      const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Approvals/ });
      await link.getByText('1', { exact: true }).waitFor();
      await link.click();
      // Approvers need not be org admins nor members of the signer: the request itself names
      // the requester and the signer.
      await page.getByRole('heading', { name: `${USERS.bob} asks to sign with release-signer` }).waitFor();
      await page.getByText('release 1.2.3').first().waitFor();
      if (who === 'carol') await screenshot(page, 'approvals-inbox');
      await page.getByRole('button', { name: 'Approve' }).click();
      const d = page.getByRole('dialog', { name: 'Approve request' });
      await d.getByLabel('Comment').fill(`ok from ${who}`);
      await d.getByRole('button', { name: 'Approve' }).click();
      await page.getByText(finalText).waitFor();
      await page.getByRole('heading', { name: 'Nothing waiting for you' }).waitFor();
      assertNoProblems(ctx.problems, who);
      await ctx.context.close();
    }
    const requests = (await adminApi.ok('GET', `/api/v1/pki/signing-requests?signerId=${state.signerId}`)).requests;
    assert.equal(requests.length, 1);
    assert.equal(requests[0].status, 'approved');
    assert.ok(requests[0].grantId);
    state.grantId = requests[0].grantId;
    // The requester sees the progress: both steps done.
    const { page } = state.bob;
    await page.goto(`${server.url}/approvals?view=mine`);
    await page.getByRole('cell', { name: 'approved' }).first().waitFor();
    await page.getByRole('link', { name: 'Details' }).first().click();
    const details = page.getByRole('dialog', { name: 'Signing request' });
    await details.getByText(`ok from carol`).waitFor();
    await details.getByText(`ok from dave`).waitFor();
    await screenshot(page, 'request-details');
  });

  step('the requester signs over the API and OpenSSL verifies the signature', async () => {
    const api = await new Api(server.url).login(USERS.bob, PASSWORD);
    const data = Buffer.from('Signet console e2e release 1.2.3\n');
    const digest = createHash('sha256').update(data).digest();
    const r = await api.ok('POST', `/api/v1/pki/signers/${state.signerId}/sign`, {
      data: digest.toString('base64'), signingAlgorithm: 'ECDSA_SHA256', isDigest: true,
      clientMetadata: { tool: 'e2e-test', hostname: 'build-01' },
    });
    const cert = await api.ok('GET', `/api/v1/pki/signers/${state.signerId}/certificate`);
    const dir = tempDir('signet-e2e-sig-');
    writeFileSync(join(dir, 'data.bin'), data);
    writeFileSync(join(dir, 'sig.der'), Buffer.from(r.signature, 'base64'));
    writeFileSync(join(dir, 'signer.pem'), cert.certificatePem);
    const pub = openssl(['x509', '-in', join(dir, 'signer.pem'), '-pubkey', '-noout']);
    writeFileSync(join(dir, 'signer.pub'), pub);
    const out = openssl(['dgst', '-sha256', '-verify', join(dir, 'signer.pub'), '-signature', join(dir, 'sig.der'), join(dir, 'data.bin')]);
    assert.match(out, /Verified OK/);
    // A second signature would exceed the grant's one signing.
    const second = await api.call('POST', `/api/v1/pki/signers/${state.signerId}/sign`, {
      data: digest.toString('base64'), signingAlgorithm: 'ECDSA_SHA256', isDigest: true,
    });
    assert.equal(second.status, 403);
  });

  step("the signer's Activity shows the operation with its grant", async () => {
    const { page } = admin;
    await page.goto(`${server.url}/signers/${state.signerId}/activity`);
    const row = page.getByRole('row').filter({ hasText: 'success' });
    await row.first().waitFor();
    const text = await row.first().innerText();
    assert.match(text, new RegExp(USERS.bob));
    assert.match(text, /ECDSA_SHA256/);
    assert.match(text, new RegExp(state.grantId.slice(0, 8)));
    assert.match(text, /e2e-test/);
    await page.getByRole('row').filter({ hasText: 'denied' }).first().waitFor();
    await screenshot(page, 'signer-activity');
    await row.first().getByRole('button', { name: 'Details' }).click();
    await page.getByRole('dialog', { name: 'Signing operation' }).getByText(state.grantId).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Signing operation' }).waitFor({ state: 'hidden' });
    // Filter: only denied attempts.
    await page.getByLabel('Status').selectOption('denied');
    await page.waitForURL(/status=denied/);
    // The rows of the whole list stay until the filtered ones arrive.
    await page.getByRole('row').filter({ hasText: 'success' }).first().waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'denied' }).first().waitFor();
  });

  step('the grant is listed and can be revoked with a reason', async () => {
    const { page } = admin;
    await nav(page, 'Grants');
    const row = page.getByRole('row').filter({ hasText: USERS.bob });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /1 used of 1/);
    await screenshot(page, 'grants');
  });

  step('Verify chain reports intact, then the first bad event after a row is altered', async () => {
    const { page } = admin;
    await nav(page, 'Audit Log');
    await page.getByRole('cell', { name: 'sign.success' }).first().waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(/Chain intact: \d+ events checked/).waitFor();
    await screenshot(page, 'audit-log');

    // Alter one event's details in the database, without the root key.
    const db = join(server.dataDir, 'signet.db');
    const q = (sql) => {
      const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const table = q("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%audit%' ORDER BY name LIMIT 1");
    for (const trigger of q(`SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='${table}'`).split('\n').filter(Boolean)) {
      q(`DROP TRIGGER ${trigger}`);
    }
    const seq = Number(q(`SELECT seq FROM ${table} WHERE event_type='signer.create' ORDER BY seq LIMIT 1`));
    assert.ok(seq > 0);
    q(`UPDATE ${table} SET details='{"tampered":true}' WHERE seq=${seq}`);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(`The first bad event is seq ${seq}`).waitFor();
    await screenshot(page, 'audit-verify-broken');
    const cli = server.auditVerifyCli();
    assert.notEqual(cli.code, 0);
    assert.match(cli.output, new RegExp(`first bad event is seq ${seq}`));
    assertNoProblems(admin.problems, 'admin');
    assertNoProblems(state.bob.problems, 'bob');
  });
});

