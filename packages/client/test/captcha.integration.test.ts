import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setVerifySettings } from '@messagejs/relay';
import { createClient } from '@messagejs/client';
import { DEMO_ORIGIN, startRelay, type TestRelay } from '../../relay/test/helpers/start-relay.js';
import { waitForCode } from '../../relay/test/helpers/verify.js';

// The real client against a real relay whose demo project turns on the relay's own proof-of-work
// CAPTCHA for verification and for template sends.
let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
  await setVerifySettings(
    t.relay.store,
    t.relay.sealer,
    t.demo.projectId,
    { captcha: 'pow', captchaOnSends: true, powMaxNumber: 20_000 },
    Date.now(),
  );
});
afterAll(() => t.cleanup());

const browser = () =>
  createClient({ publicKey: t.demo.publicKey, relayUrl: t.url, retries: 0, headers: { Origin: DEMO_ORIGIN } });

describe('the proof-of-work CAPTCHA', () => {
  it('is solved transparently by verify.start, and the code checks', async () => {
    const messagejs = browser();
    const { sessionId } = await messagejs.verify.start({ to: '+212612345678', channel: 'sms' });
    const code = await waitForCode(t, 1);
    expect((await messagejs.verify.check({ sessionId, code })).valid).toBe(true);
  });

  it('is solved transparently by a template send, and a repeat with the same Idempotency-Key gets the same message', async () => {
    const messagejs = browser();
    const before = await t.relay.store.messages.count();
    const order = { template: 'order_update', to: '+212612345679', params: { order: 'A-1001', eta: 'tomorrow' } };
    const first = await messagejs.send(order, { idempotencyKey: 'order-A-1001-pow' });
    expect(first.status).toBe('queued');
    expect((await messagejs.send(order, { idempotencyKey: 'order-A-1001-pow' })).id).toBe(first.id);
    expect(await t.relay.store.messages.count()).toBe(before + 1);
  });

  it('surfaces a forged token as captcha_failed instead of solving', async () => {
    const error = await browser()
      .send({
        template: 'order_update',
        to: '+212612345670',
        params: { order: 'A-1002', eta: 'soon' },
        captchaToken: 'forged',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MessageJSError', code: 'captcha_failed', status: 403, field: 'captchaToken' });
  });

  it('asks nothing of a secret key', async () => {
    const server = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url, retries: 0 });
    expect(
      (await server.send({ template: 'order_update', to: '+212612345671', params: { order: 'A-1003', eta: 'soon' } }))
        .status,
    ).toBe('queued');
  });
});
