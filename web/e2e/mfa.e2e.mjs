// Multi-factor authentication in the console, in Debian's headless Chromium: a user sets up an
// authenticator on the Account security page (the QR code is shown; the test reads the typed
// key and computes codes as an authenticator app would, RFC 6238), saves the recovery codes,
// logs out, and logs in again with password then code, and then with a recovery code; an org
// admin requires MFA of every user and a user without one lands on the account page.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { logIn, newPage, startConsole, stopConsole } from './browser.mjs';

const PASSWORD = 'a long enough password 1';

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, stepOffset = 0) {
  const counter = Math.floor(Date.now() / 1000 / 30) + stepOffset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

let server;
let browser;
let admin;

// The login form's first step; the second factor is asked next.
const passwordStep = (page, email) => logIn(page, `${server.url}/signers`, { email, password: PASSWORD, heading: null });

describe('console multi-factor authentication', { timeout: 300_000 }, () => {
  before(async () => {
    ({ server, browser, api: admin } = await startConsole());
  });

  after(() => stopConsole({ server, browser }));

  it('sets up an authenticator, then logs in with a code and with a recovery code', async () => {
    const email = `mfa-${Date.now()}@signet.test`;
    await admin.ok('POST', '/api/v1/users', { email, password: PASSWORD });
    const { context, page } = await newPage(browser);
    await passwordStep(page, email);
    await page.getByRole('heading', { name: 'Signers', exact: true }).waitFor();

    await page.getByRole('link', { name: 'Account security' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator' }).click();
    const qr = page.getByAltText('QR code of the authenticator secret');
    await qr.waitFor();
    assert.match(await qr.getAttribute('src'), /^data:image\/gif;base64,/);
    const secret = (await page.getByTestId('totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.getByLabel('Code from the app').fill('000000' === totp(secret) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('not the current code').waitFor();
    await page.getByLabel('Code from the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const codes = (await list.locator('code').allInnerTexts()).map((c) => c.trim());
    assert.equal(codes.length, 10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('Your account uses an authenticator app. 10 recovery codes left.').waitFor();

    // Log out, then the password alone is not enough: the code step follows.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to Signet' }).waitFor();
    await passwordStep(page, email);
    await page.getByLabel('Authentication code').fill(totp(secret, 1));
    assert.equal((await context.cookies(server.url)).find((c) => c.name === 'signet_session'), undefined);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signers', exact: true }).waitFor();
    const me = await page.evaluate(() => fetch('/api/v1/auth/session').then((r) => r.json()));
    assert.equal(me.principal.mfa, true);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to Signet' }).waitFor();
    await passwordStep(page, email);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signers', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Account security' }).click();
    await page.getByText('9 recovery codes left').waitFor();
    await context.close();
  });

  it('when every user must have MFA, a user without it is sent to set it up', async () => {
    // The admin needs MFA to require it: enrol through the API.
    const e = await admin.ok('POST', '/api/v1/auth/mfa/totp/enroll', {});
    await admin.ok('POST', '/api/v1/auth/mfa/totp/confirm', { code: totp(e.secret) });
    await admin.ok('PUT', '/api/v1/admin/mfa-policy', { required: 'all' });
    try {
      const email = `nomfa-${Date.now()}@signet.test`;
      await admin.ok('POST', '/api/v1/users', { email, password: PASSWORD });
      const { context, page } = await newPage(browser);
      await passwordStep(page, email);
      await page.getByRole('heading', { name: 'Account security' }).waitFor();
      await page.getByText('requires a second factor for every user').waitFor();
      assert.match(page.url(), /\/account$/);
      await context.close();
    } finally {
      await admin.ok('PUT', '/api/v1/admin/mfa-policy', { required: 'none' });
    }
  });
});
