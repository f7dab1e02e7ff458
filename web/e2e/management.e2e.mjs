// The management screens end to end: a machine identity and its client secret (shown once,
// copied, and working), members added / changed / removed, a grant pre-approved and revoked
// with a reason, a signer disabled and enabled, a key + CSR signed by an outside CA and
// imported back, a PKCS#12 import, a revoked certificate turning its signer expired, delete
// with type-to-confirm, audit filters, and server errors shown under the field they name.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { logIn, newPage, screenshot, startConsole, stepWithScreenshots, stopConsole } from './browser.mjs';
import { ADMIN_EMAIL, Api, join, openssl, tempDir, writeFileSync } from './signetd.mjs';

let server;
let browser;
let api;
let ui; // { page, context, problems }
const state = {};

const step = stepWithScreenshots(() => ({ '': ui?.page }));

async function issue(cn, ekus = ['codeSigning']) {
  return api.ok('POST', '/api/v1/pki/certificates/issue', { caId: state.caId, commonName: cn, keyAlgorithm: 'EC_prime256v1', ttlDays: 30, extendedKeyUsages: ekus });
}

describe('console management screens', { timeout: 600_000 }, () => {
  before(async () => {
    ({ server, browser, api } = await startConsole());
    state.caId = (await api.ok('POST', '/api/v1/pki/ca', { commonName: 'Mgmt Root CA', keyAlgorithm: 'EC_prime256v1', ttlDays: 365 })).id;
    const cert = await issue('Mgmt Release');
    state.signer = await api.ok('POST', '/api/v1/pki/signers', { name: 'mgmt-signer', certificateId: cert.certificateId });
    ui = await newPage(browser);
    await ui.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await logIn(ui.page, `${server.url}/signers`);
  });

  after(() => stopConsole({ server, browser }));

  step('a machine identity gets a client secret shown once, copied, and it works', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/admin/identities`);
    await page.getByRole('button', { name: 'Create machine identity' }).click();
    const create = page.getByRole('dialog', { name: 'Create machine identity' });
    await create.getByLabel('Name').fill('ci-release');
    await create.getByRole('button', { name: 'Create' }).click();
    const secretDialog = page.getByRole('dialog', { name: 'New client secret for ci-release' });
    await secretDialog.getByRole('button', { name: 'Create client secret' }).click();
    const shown = page.getByRole('dialog', { name: 'Client secret for ci-release' });
    await shown.getByText('This is the only time the secret is shown').waitFor();
    const secret = (await shown.locator('#client-secret').innerText()).trim();
    assert.match(secret, /^sgs_[0-9a-f]{64}$/);
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    const clientId = (await shown.locator('.secret-box code').first().innerText()).trim();
    await screenshot(page, 'admin-client-secret');
    await shown.getByRole('button', { name: 'I have saved the secret' }).click();
    await shown.waitFor({ state: 'hidden' });
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is still on the page');
    const login = await new Api(server.url).call('POST', '/api/v1/auth/universal-auth/login', { clientId, clientSecret: secret });
    assert.equal(login.status, 200);
    state.identity = (await api.ok('GET', '/api/v1/identities?limit=100')).identities.find((i) => i.name === 'ci-release');
  });

  step('a machine identity gets OIDC auth: attached, refused with the field named, changed, removed', async () => {
    const { page } = ui;
    const path = `/api/v1/auth/oidc-auth/identities/${state.identity.id}`;
    await page.goto(`${server.url}/admin/identities`);
    const row = page.getByRole('row').filter({ hasText: 'ci-release' });
    await row.getByRole('button', { name: 'OIDC auth' }).click();
    const dialog = page.getByRole('dialog', { name: 'OIDC auth for ci-release' });
    await dialog.getByLabel('Bound audiences').fill('https://signet.example.com');
    await dialog.getByLabel('Bound claims').fill('repository=octo-org/app\nref=refs/tags/v*');
    // Plain http to a host that is not loopback: the server's refusal shows under the URL.
    await dialog.getByLabel('Discovery URL').fill('http://issuer.example.com');
    await dialog.getByRole('button', { name: 'Attach OIDC auth' }).click();
    await dialog.getByText('must use https').waitFor();
    assert.equal((await api.call('GET', path)).status, 404);
    await dialog.getByLabel('Discovery URL').fill('https://token.actions.githubusercontent.com');
    await dialog.getByRole('button', { name: 'Attach OIDC auth' }).click();
    await dialog.waitFor({ state: 'hidden' });
    let saved = (await api.ok('GET', path)).identityOidcAuth;
    assert.equal(saved.boundIssuer, 'https://token.actions.githubusercontent.com');
    assert.deepEqual(saved.boundClaims, { repository: 'octo-org/app', ref: 'refs/tags/v*' });
    assert.equal(saved.accessTokenTTL, 3600);

    await row.getByRole('button', { name: 'OIDC auth' }).click();
    await dialog.getByLabel('Bound subject').waitFor();
    assert.equal(await dialog.getByLabel('Bound claims').inputValue(), 'ref=refs/tags/v*\nrepository=octo-org/app');
    await dialog.getByLabel('Access token TTL (seconds)').fill('600');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    saved = (await api.ok('GET', path)).identityOidcAuth;
    assert.equal(saved.accessTokenTTL, 600);

    await row.getByRole('button', { name: 'OIDC auth' }).click();
    await dialog.getByRole('button', { name: 'Remove OIDC auth' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await api.call('GET', path)).status, 404);
  });

  step('members: add a machine identity, change its role, remove it', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/signers/${state.signer.id}/members`);
    await page.getByRole('button', { name: 'Machine identity' }).click();
    await page.getByLabel('Machine identity', { exact: true }).selectOption({ label: 'ci-release' });
    await page.getByLabel('Role', { exact: true }).selectOption('operator');
    await page.getByRole('button', { name: 'Add member' }).click();
    const row = page.getByRole('row').filter({ hasText: 'ci-release' });
    await row.waitFor();
    await row.getByLabel('Role of ci-release').selectOption('auditor');
    await page.getByText('ci-release is now auditor').waitFor();
    let members = (await api.ok('GET', `/api/v1/pki/signers/${state.signer.id}/members`)).members;
    assert.equal(members.find((m) => m.identityId === state.identity.id).role, 'auditor');
    await row.getByLabel('Role of ci-release').selectOption('operator');
    await page.getByText('ci-release is now operator').waitFor();
    // The server's refusal shows next to the picker: adding the same identity again.
    await page.getByRole('button', { name: 'Machine identity' }).click();
    assert.equal(
      (await page.getByLabel('Machine identity', { exact: true }).locator('option').allTextContents()).includes('ci-release'),
      false,
      'an existing member is offered again',
    );
    await row.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: /Remove ci-release/ });
    await confirm.getByRole('button', { name: 'Remove member' }).click();
    await row.waitFor({ state: 'detached' });
    members = (await api.ok('GET', `/api/v1/pki/signers/${state.signer.id}/members`)).members;
    assert.equal(members.some((m) => m.identityId === state.identity.id), false);
    // Back as operator for the grant below.
    await api.ok('POST', `/api/v1/pki/signers/${state.signer.id}/members`, { identityId: state.identity.id, role: 'operator' });
  });

  step('pre-approve a grant for an operator, then revoke it with a reason', async () => {
    const { page } = ui;
    const policy = await api.ok('POST', '/api/v1/pki/signing-policies', {
      name: 'admins-approve',
      steps: [{ requiredApprovals: 1, approvers: [{ type: 'user', id: (await api.ok('GET', '/api/v1/auth/session')).principal.id }] }],
      constraints: { maxSignings: 5, maxWindowDuration: '2h' },
    });
    await api.ok('PATCH', `/api/v1/pki/signers/${state.signer.id}`, { signingPolicyId: policy.id });
    await page.goto(`${server.url}/signers/${state.signer.id}/approvals`);
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Pre-approve' }) });
    await form.getByRole('button', { name: 'Machine identity' }).click();
    await form.getByLabel('Grantee', { exact: true }).selectOption({ label: 'ci-release' });
    await form.getByLabel('Justification').fill('nightly builds');
    await form.getByLabel('Signings').fill('9');
    await form.getByRole('button', { name: 'Pre-approve' }).click();
    // The server names the policy's limit; the message sits under Signings.
    const signings = form.getByLabel('Signings');
    await form.getByText(/^requestedSignings is 9; .*5/).waitFor();
    assert.equal(await signings.getAttribute('aria-invalid'), 'true');
    await form.getByLabel('Signings').fill('3');
    await form.getByRole('button', { name: 'Pre-approve' }).click();
    await page.getByText('Grant created').waitFor();
    const grants = page.getByRole('table', { name: 'Grants' });
    const row = grants.getByRole('row').filter({ hasText: 'ci-release' });
    await row.waitFor();
    assert.match(await row.innerText(), /0 used of 3/);
    await screenshot(page, 'signer-approvals-admin');
    await row.getByRole('button', { name: 'Revoke' }).click();
    const d = page.getByRole('dialog', { name: 'Revoke grant?' });
    await d.getByLabel('Reason').fill('build host retired');
    await d.getByRole('button', { name: 'Revoke grant' }).click();
    await row.getByText('revoked', { exact: true }).waitFor();
    await row.getByText('build host retired').waitFor();
    const g = (await api.ok('GET', `/api/v1/pki/signing-grants?signerId=${state.signer.id}`)).grants[0];
    assert.equal(g.status, 'revoked');
    assert.equal(g.revokedReason, 'build host retired');
  });

  step('disable and enable a signer, with confirmation', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/signers/${state.signer.id}`);
    await page.getByRole('button', { name: 'Disable' }).click();
    const d = page.getByRole('dialog', { name: 'Disable mgmt-signer?' });
    await d.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api.ok('GET', `/api/v1/pki/signers/${state.signer.id}`)).status, 'active');
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog', { name: 'Disable mgmt-signer?' }).getByRole('button', { name: 'Disable' }).click();
    await page.getByText('This signer is disabled').waitFor();
    assert.equal((await api.ok('GET', `/api/v1/pki/signers/${state.signer.id}`)).status, 'disabled');
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('dialog', { name: 'Enable mgmt-signer?' }).getByRole('button', { name: 'Enable' }).click();
    await page.getByText('This signer is disabled').waitFor({ state: 'detached' });
    assert.equal((await api.ok('GET', `/api/v1/pki/signers/${state.signer.id}`)).status, 'active');
  });

  step('a key + CSR signed by an outside CA and imported back becomes usable', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/certificates`);
    await page.getByRole('button', { name: 'Create key + CSR' }).click();
    const d = page.getByRole('dialog', { name: 'Create key + CSR' });
    await d.getByLabel('Common name').fill('Outside Signed');
    await d.getByLabel('Key algorithm').selectOption('EC_prime256v1');
    await d.getByLabel('Country').fill('de');
    await d.getByRole('button', { name: 'Create' }).click();
    const done = page.getByRole('dialog', { name: 'CSR created' });
    const csr = await done.locator('pre').innerText();
    assert.match(csr, /BEGIN CERTIFICATE REQUEST/);
    await done.getByRole('button', { name: 'Done' }).click();
    // An outside CA signs it, with the codeSigning EKU.
    const dir = tempDir('signet-e2e-csr-');
    writeFileSync(join(dir, 'req.csr'), csr);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '30', '-subj', '/CN=Outside CA']);
    writeFileSync(join(dir, 'ext.cnf'), 'extendedKeyUsage=codeSigning\nkeyUsage=digitalSignature\n');
    openssl(['x509', '-req', '-in', join(dir, 'req.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '20', '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'signed.pem')]);
    const row = page.getByRole('row').filter({ hasText: 'Outside Signed' });
    await row.getByText('pending', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Import signed certificate' }).click();
    const imp = page.getByRole('dialog', { name: /Import signed certificate for Outside Signed/ });
    // A certificate for another key is refused with the server's message.
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'other.key'), '-out', join(dir, 'other.pem'), '-days', '3', '-subj', '/CN=Other']);
    await imp.getByLabel('Signed certificate').fill(openssl(['x509', '-in', join(dir, 'other.pem')]));
    await imp.getByRole('button', { name: 'Import' }).click();
    await imp.getByRole('alert').filter({ hasText: /public key/i }).first().waitFor();
    await imp.getByLabel('Signed certificate').fill(openssl(['x509', '-in', join(dir, 'signed.pem')]));
    await imp.getByLabel('Certificate chain').fill(openssl(['x509', '-in', join(dir, 'ca.pem')]));
    await imp.getByRole('button', { name: 'Import' }).click();
    await row.getByText('active', { exact: true }).waitFor();
    state.outside = (await api.ok('GET', '/api/v1/pki/certificates?limit=100')).certificates.find((c) => c.commonName === 'Outside Signed');
    assert.equal(state.outside.status, 'active');
  });

  step('a PKCS#12 file is imported', async () => {
    const { page } = ui;
    const dir = tempDir('signet-e2e-p12-');
    writeFileSync(join(dir, 'ext.cnf'), '[v3]\nextendedKeyUsage=codeSigning\nkeyUsage=digitalSignature\n');
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '30', '-subj', '/CN=From PKCS12', '-extensions', 'v3', '-config', join(dir, 'ext.cnf')].concat([]));
    openssl(['pkcs12', '-export', '-inkey', join(dir, 'k.pem'), '-in', join(dir, 'c.pem'), '-out', join(dir, 'bundle.p12'), '-passout', 'pass:p12 secret']);
    await page.goto(`${server.url}/certificates`);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const d = page.getByRole('dialog', { name: 'Import certificate' });
    await d.getByRole('button', { name: 'PKCS#12' }).click();
    await d.getByLabel('PKCS#12 file').setInputFiles(join(dir, 'bundle.p12'));
    await d.getByLabel('Password').fill('wrong');
    await d.getByRole('button', { name: 'Import' }).click();
    await d.getByRole('alert').first().waitFor();
    await d.getByLabel('Password').fill('p12 secret');
    await d.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('row').filter({ hasText: 'From PKCS12' }).waitFor();
  });

  step('revoking a certificate turns its signer expired; delete needs the name typed', async () => {
    const { page } = ui;
    const signer = await api.ok('POST', '/api/v1/pki/signers', { name: 'outside-signer', certificateId: state.outside.id });
    await page.goto(`${server.url}/certificates`);
    const row = page.getByRole('row').filter({ hasText: 'Outside Signed' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    const d = page.getByRole('dialog', { name: 'Revoke Outside Signed?' });
    const confirm = d.getByRole('button', { name: 'Revoke certificate' });
    assert.equal(await confirm.isDisabled(), true);
    await d.getByLabel(/Type/).fill('Outside Signed');
    await confirm.click();
    await row.getByText('revoked', { exact: true }).waitFor();
    await page.goto(`${server.url}/signers?q=outside`);
    const srow = page.getByRole('row').filter({ hasText: 'outside-signer' });
    await srow.getByText('expired').waitFor();
    await srow.getByRole('link', { name: 'outside-signer' }).click();
    await page.getByText('has expired or was revoked').waitFor();
    await page.getByRole('button', { name: 'Delete signer' }).click();
    const del = page.getByRole('dialog', { name: 'Delete outside-signer?' });
    const go = del.getByRole('button', { name: 'Delete signer' });
    await del.getByLabel(/Type/).fill('outside-signe');
    assert.equal(await go.isDisabled(), true);
    await del.getByLabel(/Type/).fill('outside-signer');
    await go.click();
    await page.waitForURL(`${server.url}/signers`);
    assert.equal((await api.call('GET', `/api/v1/pki/signers/${signer.id}`)).status, 404);
  });

  step('audit filters, and a server error under the field it names', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/audit`);
    await page.getByLabel('Event type').fill('signer.delete');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/eventType=signer.delete/);
    // The unfiltered rows stay until the filtered ones arrive: wait for those.
    await page.waitForFunction(() => {
      const events = [...document.querySelectorAll('table.data tbody tr td:nth-child(3)')].map((td) => td.textContent?.trim());
      return events.length > 0 && events.every((t) => t === 'signer.delete');
    });
    await page.getByRole('link', { name: 'Details' }).first().click();
    await page.getByRole('dialog', { name: /Audit event/ }).getByText('outside-signer').first().waitFor();
    await page.keyboard.press('Escape');

    // A signed checkpoint saved from the page, and the log verified against it later.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save checkpoint' }).click()]);
    const dir = tempDir('signet-e2e-cp-');
    const cpPath = join(dir, download.suggestedFilename());
    await download.saveAs(cpPath);
    const cp = JSON.parse((await import('node:fs')).readFileSync(cpPath, 'utf8'));
    assert.ok(cp.signature && cp.heads.length > 0, JSON.stringify(cp));
    await api.ok('POST', '/api/v1/pki/ca', { commonName: 'After the checkpoint', keyAlgorithm: 'EC_prime256v1', ttlDays: 1 });
    await page.locator('#checkpoint-file').setInputFiles(cpPath);
    await page.getByText(/The log still extends the checkpoint of/).waitFor();
    writeFileSync(join(dir, 'not-json.json'), 'nope');
    await page.locator('#checkpoint-file').setInputFiles(join(dir, 'not-json.json'));
    await page.getByText('not-json.json is not a checkpoint (not JSON)').waitFor();

    await page.goto(`${server.url}/admin/users`);
    await page.getByRole('button', { name: 'Create user' }).click();
    const d = page.getByRole('dialog', { name: 'Create user' });
    await d.getByLabel('Email').fill(ADMIN_EMAIL);
    await d.getByLabel('Password').fill('another password');
    await d.getByRole('button', { name: 'Create user' }).click();
    const email = d.getByLabel('Email');
    await d.getByText(`a user with email '${ADMIN_EMAIL}' already exists`).waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    const describedBy = await email.getAttribute('aria-describedby');
    assert.match(await page.locator(`#${describedBy.split(' ').pop().replace(/:/g, '\\:')}`).innerText(), /already exists/);
  });
});
