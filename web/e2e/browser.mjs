// Debian's Chromium driven by playwright-core (Playwright's own browser download does not
// work here). Every page records console errors, CSP violations, failed requests and any
// request to a host other than loopback, so tests can assert that the console needs nothing
// from elsewhere and breaks no policy.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, BUILD_DIR, Signetd } from './signetd.mjs';

export const CHROMIUM = process.env.SIGNET_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = process.env.SIGNET_SCREENSHOTS || join(BUILD_DIR, 'console-screenshots');

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    // Playwright gives every launch a fresh, empty user-data-dir of its own.
  });
}

// A fresh context (own cookies) and page with the recorders attached.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(Number(process.env.SIGNET_E2E_TIMEOUT_MS) || 15_000);
  const problems = { console: [], csp: [], external: [], failed: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.console.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'https:', 'blob:', 'data:'].includes(u.protocol) || (u.hostname !== '127.0.0.1' && u.protocol.startsWith('http'))) {
      problems.external.push(r.url());
    }
  });
  page.on('requestfailed', (r) => problems.failed.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

// What every browser test file starts with: a fresh signetd, the browser, and the bootstrap
// admin's API client. If a later part fails, what was started is stopped before it throws.
export async function startConsole() {
  const server = await new Signetd().start();
  let browser = null;
  try {
    browser = await launch();
    const api = await new Api(server.url).login(ADMIN_EMAIL, ADMIN_PASSWORD);
    return { server, browser, api };
  } catch (e) {
    await stopConsole({ server, browser });
    throw e;
  }
}

// Undoes startConsole(); either part may be missing (a before() that failed).
export async function stopConsole({ server, browser }) {
  if (browser) await browser.close();
  if (server) await server.stop();
}

// Logs in on the console's login form, opened at `url`, and waits for the heading of the page
// it lands on (heading null: no page is awaited, e.g. when a second factor is asked next).
export async function logIn(page, url, { email = ADMIN_EMAIL, password = ADMIN_PASSWORD, heading = 'Signers' } = {}) {
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  if (heading !== null) await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

// An it() that, when the step fails, leaves a screenshot of every page pages() returns
// ({ who: page }): FAILED-<step>-<who>.png, or FAILED-<step>.png for the who ''.
export function stepWithScreenshots(pages) {
  return (name, fn) =>
    it(name, async () => {
      try {
        await fn();
      } catch (e) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
        for (const [who, page] of Object.entries(pages())) {
          if (page) await screenshot(page, who ? `FAILED-${slug}-${who}` : `FAILED-${slug}`).catch(() => undefined);
        }
        throw e;
      }
    });
}
