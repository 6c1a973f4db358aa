import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateOrigins } from '@messagejs/relay';
import { startRelay, type TestRelay } from '../packages/relay/test/helpers/start-relay.js';
import { launchBrowser } from './helpers/browser.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-vite-e2e-'));

/**
 * `vite build` of an example in its own folder (its own vite and plugins, as a user would run it),
 * into a temporary folder, with `env` added to the environment.
 */
function viteBuild(example: string, outDir: string, env: Record<string, string>): Promise<void> {
  const cwd = path.join(root, 'examples', example);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`vite build of examples/${example} failed: ${error.message}\n${stdout}\n${stderr}`))
          : resolve(),
    );
  });
}

let t: TestRelay;
let browser: { context: BrowserContext; close: () => Promise<void> };

beforeAll(async () => {
  t = await startRelay();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(['react', 'vue'])('examples/%s (vite build, served from an allowed origin)', (example) => {
  const order = `${example.toUpperCase()}-1`;
  let site: StaticServer;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    const dist = path.join(tmp, example);
    await viteBuild(example, dist, { VITE_MESSAGEJS_PUBLIC_KEY: t.demo.publicKey, VITE_MESSAGEJS_RELAY_URL: t.url });
    // The public key is meant to be in the bundle; the secret key must never be.
    const bundle = fs
      .readdirSync(path.join(dist, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(dist, 'assets', f), 'utf8'))
      .join('');
    expect(bundle).toContain(t.demo.publicKey);
    expect(bundle).not.toContain(t.demo.secretKey);
    site = await serveStatic(dist);
    await updateOrigins(t.relay.store, t.demo.projectId, 'add', site.url);
    page = await browser.context.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${site.url}/`);
  });
  afterAll(async () => {
    await page?.close();
    await site?.close();
  });

  it('sends order_update and shows the status until delivered', async () => {
    await page.fill('input[name=to]', '+33612345678');
    await page.fill('input[name=order]', order);
    await page.fill('input[name=eta]', 'in 2 days');
    await page.click('#order-form button[type=submit]');

    await page.waitForSelector('#message-status[data-status=delivered]', { timeout: 15_000 });
    const id = await page.textContent('#message-id');
    expect(id).toMatch(/^msg_\w+$/);
    expect(await page.$('#error')).toBeNull();
    const stored = await t.relay.store.messages.get(id!);
    expect(stored).toMatchObject({ status: 'delivered', channel: 'sms' });
    expect(t.console.join('')).toContain(`Order ${order} is on its way, arriving in 2 days.`);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: path.join(root, `.tmp/example-${example}.png`), fullPage: true });
  });

  it("shows the relay's error code when the send is refused", async () => {
    const before = await t.relay.store.messages.count();
    await page.fill('input[name=to]', '+4915112345678'); // Germany: not an allowed country of the demo project
    await page.click('#order-form button[type=submit]');
    const error = await page.waitForSelector('#error[data-code=country_not_allowed]', { timeout: 10_000 });
    expect(await error.textContent()).toMatch(/^country_not_allowed: /);
    expect(await page.$('#message-status')).toBeNull();
    expect(await t.relay.store.messages.count()).toBe(before);
  });
});

describe.each(['react', 'vue'])('examples/%s without its settings', (example) => {
  it('says which environment variables are missing instead of showing the form', async () => {
    const dist = path.join(tmp, `${example}-unset`);
    // Empty values override any .env.local in the example folder.
    await viteBuild(example, dist, { VITE_MESSAGEJS_PUBLIC_KEY: '', VITE_MESSAGEJS_RELAY_URL: '' });
    const site = await serveStatic(dist);
    const page = await browser.context.newPage();
    try {
      await page.goto(`${site.url}/`);
      const message = await page.waitForSelector('#config-error');
      expect(await message.textContent()).toMatch(/Missing VITE_MESSAGEJS_PUBLIC_KEY and VITE_MESSAGEJS_RELAY_URL/);
      expect(await page.$('#order-form')).toBeNull();
    } finally {
      await page.close();
      await site.close();
    }
  });
});
