// Takes the screenshots shown in docs/console.md and the README from a signetd with a small,
// realistic set-up. Not a test: run it by hand after changing the screens,
//   cd web && SIGNET_BUILD_DIR=../build node e2e/docs-screenshots.mjs
// and commit the PNGs under docs/images/.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { logIn, newPage, startConsole, stopConsole } from './browser.mjs';
import { ADMIN_EMAIL, Api, REPO } from './signetd.mjs';

const OUT = join(REPO, 'docs', 'images');
const PASSWORD = 'docs password 123456';

async function shot(page, name) {
  await page.evaluate(() => document.querySelector('.toasts')?.replaceChildren());
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(OUT, `console-${name}.png`) });
}

mkdirSync(OUT, { recursive: true });
const { server, browser, api: admin } = await startConsole();
try {
  const project = (await admin.ok('GET', '/api/v1/projects')).projects[0].id;
  const users = {};
  for (const who of ['maria', 'jonas', 'priya']) {
    // priya (security) is an org admin, so her inbox names people and signers even on a
    // server without the request read model.
    const orgRole = who === 'priya' ? 'admin' : 'member';
    users[who] = await admin.ok('POST', '/api/v1/users', { email: `${who}@example.com`, password: PASSWORD, orgRole });
    await admin.ok('POST', `/api/v1/projects/${project}/memberships`, { userId: users[who].id, role: 'member' });
  }
  const ca = await admin.ok('POST', '/api/v1/pki/ca', { commonName: 'Example Code Signing Root', keyAlgorithm: 'EC_secp384r1', ttlDays: 3650 });
  const issue = (cn, alg, ekus = ['codeSigning'], ttl = 365) =>
    admin.ok('POST', '/api/v1/pki/certificates/issue', { caId: ca.id, commonName: cn, keyAlgorithm: alg, ttlDays: ttl, extendedKeyUsages: ekus });
  const release = await issue('Example Corp Release Signing', 'RSA_3072');
  const nightly = await issue('Example Corp Nightly Builds', 'EC_prime256v1', ['codeSigning'], 90);
  await issue('build.example.com', 'EC_prime256v1', ['serverAuth']);
  const policy = await admin.ok('POST', '/api/v1/pki/signing-policies', {
    name: 'two-person release',
    steps: [
      { name: 'Release managers', requiredApprovals: 1, approvers: [{ type: 'user', id: users.maria.id }] },
      { name: 'Security', requiredApprovals: 1, approvers: [{ type: 'user', id: users.priya.id }] },
    ],
    constraints: { maxWindowDuration: '4h', maxSignings: 5 },
    bypassForMachineIdentities: true,
  });
  const desktop = await admin.ok('POST', '/api/v1/pki/signers', {
    name: 'desktop-release', description: 'Windows and macOS installers of the desktop app', certificateId: release.certificateId, signingPolicyId: policy.id,
  });
  await admin.ok('POST', '/api/v1/pki/signers', { name: 'nightly', description: 'Nightly CI builds', certificateId: nightly.certificateId });
  await admin.ok('POST', '/api/v1/pki/signers', { name: 'firmware', description: 'Device firmware images', certificateId: release.certificateId, signingPolicyId: policy.id });
  await admin.ok('POST', `/api/v1/pki/signers/${desktop.id}/members`, { userId: users.jonas.id, role: 'operator' });
  const ci = await admin.ok('POST', '/api/v1/identities', { name: 'ci-release' });
  await admin.ok('POST', `/api/v1/pki/signers/${desktop.id}/members`, { identityId: ci.id, role: 'operator' });
  const jonas = await new Api(server.url).login('jonas@example.com', PASSWORD);
  const req = await jonas.ok('POST', `/api/v1/pki/signers/${desktop.id}/requests`, { justification: 'Release 4.2.0 installers', requestedSignings: 2, requestedWindowDuration: '2h' });
  await (await new Api(server.url).login('maria@example.com', PASSWORD)).ok('POST', `/api/v1/pki/signing-requests/${req.id}/approve`, { comment: 'Tagged and tested' });
  const digest = createHash('sha256').update('installer').digest('base64');
  await jonas.call('POST', `/api/v1/pki/signers/${desktop.id}/sign`, { data: digest, signingAlgorithm: 'RSASSA_PSS_SHA256', isDigest: true });

  const { page } = await newPage(browser);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await shot(page, 'login');
  await logIn(page, `${server.url}/signers`);
  await page.getByRole('link', { name: 'desktop-release' }).waitFor();
  await shot(page, 'signers');
  await page.getByRole('button', { name: 'Create Signer' }).first().click();
  const d = page.getByRole('dialog', { name: 'Create Signer' });
  await d.getByLabel('Name', { exact: true }).fill('android-app');
  await d.getByLabel('Description').fill('Play Store bundles');
  await d.getByLabel('Certificate', { exact: true }).selectOption({ index: 1 });
  await d.getByLabel('Signing Policy').selectOption({ label: 'two-person release' });
  await shot(page, 'create-signer');
  await d.getByRole('button', { name: 'Cancel' }).click();
  await page.goto(`${server.url}/signers/${desktop.id}`);
  await page.getByRole('heading', { name: 'Certificate' }).waitFor();
  await shot(page, 'signer');
  await page.goto(`${server.url}/signers/${desktop.id}/how-to-sign`);
  await page.getByRole('heading', { name: 'signet CLI' }).waitFor();
  await shot(page, 'how-to-sign');
  await page.goto(`${server.url}/policies/${policy.id}`);
  await page.getByRole('heading', { name: 'Approval steps' }).waitFor();
  await shot(page, 'policy');
  await page.goto(`${server.url}/audit`);
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await page.getByText(/Chain intact/).waitFor();
  await shot(page, 'audit');

  const { page: priya } = await newPage(browser);
  await logIn(priya, `${server.url}/signers`, { email: 'priya@example.com', password: PASSWORD });
  await priya.goto(`${server.url}/approvals`);
  await priya.getByRole('button', { name: 'Approve' }).waitFor();
  await shot(priya, 'approvals');

  const { page: phone } = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await logIn(phone, `${server.url}/signers`);
  await phone.getByRole('link', { name: 'desktop-release' }).waitFor();
  await shot(phone, 'signers-390');
  console.log(`screenshots in ${OUT}`);
} finally {
  await stopConsole({ server, browser });
}
