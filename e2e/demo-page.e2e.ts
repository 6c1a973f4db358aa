import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { updateOrigins } from '@messagejs/relay';
import { startRelay, type TestRelay } from '../packages/relay/test/helpers/start-relay.js';
import { launchBrowser, requireBuiltClient } from './helpers/browser.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const demoDir = path.join(root, 'examples/script-tag');
const screenshot = path.join(root, '.tmp/demo.png');

let t: TestRelay;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;

beforeAll(async () => {
  requireBuiltClient();
  t = await startRelay();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});
afterEach(async () => {
  await page?.close();
});

async function fillContactForm(p: Page, name: string, message: string): Promise<void> {
  await p.fill('input[name=name]', name);
  await p.fill('input[name=email]', 'ada@example.com');
  await p.fill('textarea[name=message]', message);
  await p.click('#contact-form button[type=submit]');
}

/** Records the CORS preflights Chromium sends, with the headers of their answers (DevTools protocol). */
async function recordPreflights(
  p: Page,
): Promise<Array<{ url: string; status: number; headers: Record<string, string> }>> {
  const preflights: Array<{ url: string; status: number; headers: Record<string, string> }> = [];
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', (event) => {
    if (event.type !== 'Preflight') return;
    const headers = Object.fromEntries(
      Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    preflights.push({ url: event.response.url, status: event.response.status, headers });
  });
  return preflights;
}

describe('the demo page (examples/script-tag)', () => {
  it('served by the relay at /, sends the contact form and shows the message reaching delivered', async () => {
    await updateOrigins(t.relay.store, t.demo.projectId, 'add', t.url);
    page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`${t.url}/`);
    await expect(page.title()).resolves.toBe('MessageJS demo — contact form');
    await fillContactForm(page, 'Ada Lovelace', 'Hello from the e2e test of the demo page.');

    await page.waitForSelector('#message-status[data-status=delivered]', { timeout: 15_000 });
    const id = await page.textContent('#message-id');
    expect(id).toMatch(/^msg_\w+$/);
    expect(await page.isHidden('#error')).toBe(true);
    // The timeline shows the way there, ending with delivered.
    const timeline = await page.$$eval('#timeline li', (items) => items.map((li) => li.textContent ?? ''));
    expect(timeline.at(-1)).toMatch(/delivered$/);
    expect(timeline[0]).toMatch(/queued$/);

    const stored = await t.relay.store.messages.get(id!);
    expect(stored?.status).toBe('delivered');
    const printed = t.console.join('');
    expect(printed).toContain('New message from Ada Lovelace <ada@example.com>:');
    expect(printed).toContain('Hello from the e2e test of the demo page.');
    expect(pageErrors).toEqual([]);

    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  describe('served from another origin', () => {
    let site: StaticServer;
    beforeAll(async () => {
      // The same page on another port: the SDK and the API come from the relay, the page and its
      // config.json (with the relay's URL) from this server.
      const html = fs
        .readFileSync(path.join(demoDir, 'index.html'), 'utf8')
        .replace('src="/sdk/messagejs.umd.min.js"', `src="${t.url}/sdk/messagejs.umd.min.js"`);
      expect(html).toContain(`${t.url}/sdk/messagejs.umd.min.js`);
      site = await serveStatic(demoDir, {
        '/': { type: 'text/html; charset=utf-8', body: html },
        '/index.html': { type: 'text/html; charset=utf-8', body: html },
        '/demo/config.json': {
          type: 'application/json',
          body: JSON.stringify({ publicKey: t.demo.publicKey, relayUrl: t.url }),
        },
      });
    });
    afterAll(() => site?.close());

    it('reads 403 origin_not_allowed from the client when the origin is not allowed, and nothing is sent', async () => {
      const project = await t.relay.store.projects.get(t.demo.projectId);
      expect(project?.allowedOrigins).not.toContain(site.url);
      const before = await t.relay.store.messages.count();
      const consoleLines = t.console.length;
      const posts = () =>
        t.logs().filter((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/v1/messages');
      const postsBefore = posts().length;

      page = await browser.context.newPage();
      const preflights = await recordPreflights(page);
      const browserConsole: string[] = [];
      page.on('console', (message) => browserConsole.push(message.text()));

      await page.goto(`${site.url}/`);
      await fillContactForm(page, 'Mallory', 'This must never be sent.');

      // The page shows the client's MessageJSError: its code, then the relay's message.
      const error = await page.waitForSelector('#error:not([hidden])', { timeout: 20_000 });
      const shown = (await error.textContent()) ?? '';
      expect(shown).toMatch(/^origin_not_allowed: Request failed with origin_not_allowed \(403\): POST /);
      expect(shown).toContain(`Origin ${site.url} is not allowed for project ${t.demo.projectId}`);
      expect(shown).toContain(`messagejs-relay origins add ${site.url} --project ${t.demo.projectId}`);
      expect(shown).toContain(`POST /v1/projects/${t.demo.projectId}/origins`);
      expect(await page.isHidden('#result')).toBe(true);
      expect(browserConsole.join('\n')).not.toMatch(/blocked by CORS policy/);

      // The preflight let the request through; the relay refused it, readably.
      const toMessages = preflights.filter((p) => p.url === `${t.url}/v1/messages`);
      expect(toMessages.length).toBeGreaterThan(0);
      for (const p of toMessages) expect(p.headers['access-control-allow-origin']).toBe(site.url);
      const refused = posts().slice(postsBefore);
      expect(refused.length).toBeGreaterThan(0);
      for (const line of refused) expect(line.status).toBe(403);

      // Nothing reached the send pipeline: no message, no delivery.
      expect(await t.relay.store.messages.count()).toBe(before);
      expect(t.console.length).toBe(consoleLines);
      expect(t.console.join('')).not.toContain('This must never be sent.');
      // The refusal is logged with the origin.
      expect(t.logs().some((l) => l.level === 40 && l.origin === site.url)).toBe(true);
    });

    it('works from that origin once it is added to the project', async () => {
      await updateOrigins(t.relay.store, t.demo.projectId, 'add', site.url);
      page = await browser.context.newPage();
      await page.goto(`${site.url}/`);
      await fillContactForm(page, 'Grace Hopper', 'Sent from another origin, now allowed.');
      await page.waitForSelector('#message-status[data-status=delivered]', { timeout: 15_000 });
      expect(t.console.join('')).toContain('Sent from another origin, now allowed.');
    });
  });
});
