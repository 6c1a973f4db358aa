import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { updateOrigins } from '@messagejs/relay';
import { startRelay, type TestRelay } from '../packages/relay/test/helpers/start-relay.js';
import { printedCodes, waitForCode, wrongCode } from '../packages/relay/test/helpers/verify.js';
import { launchBrowser, requireBuiltClient } from './helpers/browser.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const screenshot = path.join(root, '.tmp/verify.png');

let t: TestRelay;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;

beforeAll(async () => {
  requireBuiltClient();
  t = await startRelay();
  await updateOrigins(t.relay.store, t.demo.projectId, 'add', t.url);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});
afterEach(async () => {
  await page?.close();
});

describe('the verification demo page (examples/script-tag/verify.html)', () => {
  it('is linked from the contact form page', async () => {
    page = await browser.context.newPage();
    await page.goto(`${t.url}/`);
    await page.click('a[href="/verify.html"]');
    await page.waitForURL(`${t.url}/verify.html`);
    await expect(page.title()).resolves.toBe('MessageJS demo — verify a phone number');
  });

  it('sends a code, which the console connector prints, and shows "verified" with the token claims', async () => {
    page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${t.url}/verify.html`);
    await page.waitForFunction(() => document.getElementById('jwks-url')?.textContent?.startsWith('http'));
    expect(await page.textContent('#jwks-url')).toBe(`${t.url}/v1/projects/${t.demo.projectId}/jwks.json`);

    const before = printedCodes(t).length;
    await page.fill('#start-form input[name=to]', '+212612345678');
    await page.click('#start-form button[type=submit]');
    await page.waitForSelector('#check-step:not([hidden])');
    const code = await waitForCode(t, before + 1);
    expect(await page.isDisabled('#resend')).toBe(true);
    expect(await page.textContent('#resend')).toMatch(/\(\d+ s\)/);

    await page.fill('#check-form input[name=code]', wrongCode(code));
    await page.click('#check-form button[type=submit]');
    await page.waitForSelector('#attempts:not([hidden])');
    expect(await page.textContent('#attempts')).toBe('Wrong code; 4 attempt(s) left.');

    await page.fill('#check-form input[name=code]', code);
    await page.click('#check-form button[type=submit]');
    await page.waitForSelector('#verify-status[data-status=approved]');
    expect(await page.textContent('#verify-status')).toBe('verified');
    const claims = JSON.parse((await page.textContent('#claims')) ?? '{}');
    expect(claims).toMatchObject({
      iss: t.url,
      aud: t.demo.projectId,
      sub: '+212612345678',
      channel: 'sms',
      sid: await page.textContent('#session-id'),
    });
    expect(await page.isHidden('#error')).toBe(true);
    expect(pageErrors).toEqual([]);

    // The code reached the page only through the user: it is nowhere in the page but the input.
    expect(await page.textContent('main')).not.toContain(code);
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  it('shows the relay error for a number outside the allowed countries', async () => {
    page = await browser.context.newPage();
    await page.goto(`${t.url}/verify.html`);
    await page.fill('#start-form input[name=to]', '+4915123456789');
    await page.click('#start-form button[type=submit]');
    const error = await page.waitForSelector('#error:not([hidden])');
    expect(await error.textContent()).toMatch(/^country_not_allowed: /);
    expect(await page.isHidden('#check-step')).toBe(true);
  });
});
