// Debian's Chromium driven by playwright-core (Playwright's own browser download does not
// work here). Every page records console errors, CSP violations, failed requests and any
// request to a host other than loopback, so tests can assert that the console needs nothing
// from elsewhere and breaks no policy.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BUILD_DIR } from './signetd.mjs';

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
