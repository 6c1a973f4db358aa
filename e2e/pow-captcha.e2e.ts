import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVerifySettings, updateOrigins } from '@messagejs/relay';
import { startRelay, type TestRelay } from '../packages/relay/test/helpers/start-relay.js';
import { waitForCode } from '../packages/relay/test/helpers/verify.js';
import { launchBrowser, requireBuiltClient } from './helpers/browser.js';

// The demo pages, unchanged, in Chromium against a relay whose demo project turns on the relay's
// own proof-of-work CAPTCHA at its default difficulty: the client solves it without the page knowing.
let t: TestRelay;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;

beforeAll(async () => {
  requireBuiltClient();
  t = await startRelay();
  await updateOrigins(t.relay.store, t.demo.projectId, 'add', t.url);
  await setVerifySettings(
    t.relay.store,
    t.relay.sealer,
    t.demo.projectId,
    { captcha: 'pow', captchaOnSends: true },
    Date.now(),
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await page?.close();
  await browser?.close();
  await t?.cleanup();
});

describe('the proof-of-work CAPTCHA in a browser', () => {
  it('is solved by the client on the verification demo page, which sends a code', async () => {
    page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const answers: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/v1/verify/send')) answers.push(response.status());
    });
    await page.goto(`${t.url}/verify.html`);
    await page.fill('#start-form input[name=to]', '+212612345678');
    const started = performance.now();
    await page.click('#start-form button[type=submit]');
    await page.waitForSelector('#check-step:not([hidden])', { timeout: 30_000 });
    console.log(
      `verify.start with the default proof of work took ${Math.round(performance.now() - started)} ms in Chromium`,
    );
    await waitForCode(t, 1);
    expect(answers).toEqual([400, 202]);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
