// The Timestamping screen end to end: the empty state, a TSA created from a CA (a bad name
// refused under its field, a duplicate name refused by the server, shown in the dialog),
// its details with the certificate chain downloaded and checked with openssl (and a timestamp
// from it verified with that chain), name / policy / requireAuth edited, and delete with
// type-to-confirm revoking its certificate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe } from 'node:test';
import { logIn, newPage, screenshot, startConsole, stepWithScreenshots, stopConsole } from './browser.mjs';
import { join, openssl, tempDir, writeFileSync } from './signetd.mjs';

let server;
let browser;
let api;
let ui; // { page, context, problems }
const state = {};
const dir = tempDir('signet-tsa-e2e-');

const step = stepWithScreenshots(() => ({ '': ui?.page }));

async function tsaNamed(name) {
  const list = await api.ok('GET', '/api/v1/pki/tsa');
  return list.tsas.find((t) => t.name === name);
}

describe('console timestamping screen', { timeout: 600_000 }, () => {
  before(async () => {
    ({ server, browser, api } = await startConsole());
    state.ca = await api.ok('POST', '/api/v1/pki/ca', { commonName: 'Console TSA Root', keyAlgorithm: 'EC_prime256v1', ttlDays: 365 });
    state.rootPem = join(dir, 'root.pem');
    writeFileSync(state.rootPem, (await api.ok('GET', `/api/v1/pki/ca/${state.ca.id}/certificate`)).certificate);
    ui = await newPage(browser);
    await logIn(ui.page, `${server.url}/timestamping`, { heading: 'Time-Stamp Authorities' });
  });

  after(() => stopConsole({ server, browser }));

  step('a TSA is created from a CA; bad input is shown under its field', async () => {
    const { page } = ui;
    await page.getByText('No time-stamp authorities yet').waitFor();
    await page.getByRole('link', { name: 'Timestamping' }).waitFor();
    await page.getByRole('button', { name: 'Create TSA' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create Time-Stamp Authority' });
    await dialog.getByLabel('Name').fill('Console TSA');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Use 1 to 64 lower-case letters, digits and dashes').waitFor();
    assert.equal((await api.ok('GET', '/api/v1/pki/tsa')).totalCount, 0);
    await dialog.getByLabel('Name').fill('console-tsa');
    assert.equal(await dialog.getByLabel('Issuing CA').inputValue(), state.ca.id);
    await dialog.getByLabel('Key algorithm').selectOption('EC_secp384r1');
    await dialog.getByLabel(/Policy OID/).fill('1.3.6.1.4.1.99999.7');
    await dialog.getByLabel('Require a token').check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row').filter({ hasText: 'console-tsa' });
    await row.getByText('Token required').waitFor();
    await row.getByText('Console TSA Root').waitFor();
    const tsa = await tsaNamed('console-tsa');
    assert.ok(tsa, 'the TSA exists');
    assert.equal(tsa.caId, state.ca.id);
    assert.equal(tsa.keyAlgorithm, 'EC_secp384r1');
    assert.equal(tsa.policyOid, '1.3.6.1.4.1.99999.7');
    assert.equal(tsa.requireAuth, true);
    assert.equal(tsa.isDefault, true);
    state.tsa = tsa;
    await screenshot(page, 'timestamping-list');

    // The server's refusal lands under the field it names.
    await page.getByRole('button', { name: 'Create TSA' }).first().click();
    const again = page.getByRole('dialog', { name: 'Create Time-Stamp Authority' });
    await again.getByLabel('Name').fill('console-tsa');
    await again.getByRole('button', { name: 'Create' }).click();
    await again.getByText(/already exists/).waitFor();
    await again.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api.ok('GET', '/api/v1/pki/tsa')).totalCount, 1);
  });

  step('the details show the chain; the download verifies with openssl and checks a timestamp', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'console-tsa' }).click();
    await page.waitForURL(`${server.url}/timestamping/${state.tsa.id}`);
    const details = page.getByRole('dialog', { name: 'console-tsa' });
    await details.getByText('1.3.6.1.4.1.99999.7').waitFor();
    await details.getByText(`${server.url}/api/v1/pki/tsa/${state.tsa.id}/timestamp`).waitFor();
    const pem = await details.getByLabel('Certificate chain (PEM)').innerText();
    assert.equal((pem.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'the TSA certificate and its CA');
    const [download] = await Promise.all([page.waitForEvent('download'), details.getByRole('button', { name: 'Download chain' }).click()]);
    assert.equal(download.suggestedFilename(), 'console-tsa-chain.pem');
    const chainPath = join(dir, 'chain.pem');
    await download.saveAs(chainPath);
    const chain = readFileSync(chainPath, 'utf8');
    assert.equal(chain.trim(), pem.trim());
    // The first certificate is the TSA's: critical timeStamping, issued by the CA.
    const text = openssl(['x509', '-in', chainPath, '-noout', '-text']);
    assert.match(text, /X509v3 Extended Key Usage: critical\s+Time Stamping/);
    openssl(['verify', '-CAfile', state.rootPem, '-purpose', 'timestampsign', chainPath]);
    // A timestamp from this TSA verifies with the chain as downloaded.
    const data = join(dir, 'data.bin');
    writeFileSync(data, 'console e2e\n');
    const queryPath = join(dir, 'q.tsq');
    openssl(['ts', '-query', '-data', data, '-sha256', '-cert', '-out', queryPath]);
    const r = await fetch(`${server.url}/api/v1/pki/tsa/${state.tsa.id}/timestamp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/timestamp-query', Authorization: `Bearer ${api.token}` },
      body: readFileSync(queryPath),
    });
    assert.equal(r.status, 200);
    const replyPath = join(dir, 'r.tsr');
    writeFileSync(replyPath, Buffer.from(await r.arrayBuffer()));
    const verified = openssl(['ts', '-verify', '-queryfile', queryPath, '-in', replyPath, '-CAfile', state.rootPem, '-untrusted', chainPath]);
    assert.match(verified, /Verification: OK/);
    await screenshot(page, 'timestamping-details');
    await details.getByRole('button', { name: 'Close' }).click();
    await page.waitForURL(`${server.url}/timestamping`);
  });

  step('name, policy and requireAuth are edited', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Edit console-tsa' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit console-tsa' });
    await dialog.getByLabel('Policy OID').fill('sha256');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('A dotted object identifier').waitFor();
    await dialog.getByLabel('Policy OID').fill('1.2.3.4.5');
    await dialog.getByLabel('Name').fill('console-public');
    await dialog.getByLabel('Require a token').uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row').filter({ hasText: 'console-public' });
    await row.getByText('Public', { exact: true }).waitFor();
    const tsa = await api.ok('GET', `/api/v1/pki/tsa/${state.tsa.id}`);
    assert.equal(tsa.name, 'console-public');
    assert.equal(tsa.policyOid, '1.2.3.4.5');
    assert.equal(tsa.requireAuth, false);
    const audit = await api.ok('GET', '/api/v1/audit-logs?eventType=tsa.update');
    assert.ok(audit.auditLogs.some((e) => e.target.id === state.tsa.id && e.details.after.name === 'console-public'));
  });

  step('delete asks for the name, then removes the TSA and revokes its certificate', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Delete console-public' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete console-public?' });
    const go = dialog.getByRole('button', { name: 'Delete TSA' });
    await dialog.getByLabel(/Type/).fill('console-publi');
    assert.equal(await go.isDisabled(), true);
    await dialog.getByLabel(/Type/).fill('console-public');
    await go.click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('No time-stamp authorities yet').waitFor();
    assert.equal((await api.call('GET', `/api/v1/pki/tsa/${state.tsa.id}`)).status, 404);
    const cert = await api.ok('GET', `/api/v1/pki/certificates/${state.tsa.certificateId}`);
    assert.equal(cert.status, 'revoked');
    // 4xx replies the page expects (the session check before login, the duplicate name) are
    // not errors of the page.
    assert.deepEqual(ui.problems.console.filter((m) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m)), []);
    assert.deepEqual(ui.problems.csp, []);
    assert.deepEqual(ui.problems.external, []);
  });
});
