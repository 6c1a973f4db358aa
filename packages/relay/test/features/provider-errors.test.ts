import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector } from '@messagejs/relay';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { call, DEMO_ORIGIN, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';

const accountSid = `AC${'a'.repeat(32)}`;
const providerText =
  "The 'To' number +212655501234 is not a valid phone number. Questions: ops.team@twilio-fake.example";

let t: TestRelay;
let twilio: FakeProvider;
beforeAll(async () => {
  twilio = await startFakeProvider();
  twilio.reply({ status: 400, body: { code: 21211, message: providerText, status: 400 } });
  t = await startRelay({ deps: { connectorBaseUrls: { twilio: twilio.url } } });
  await addConnector(
    t.relay.store,
    t.relay.sealer,
    {
      projectId: t.demo.projectId,
      type: 'twilio',
      channels: ['sms'],
      config: { from: '+14155550100' },
      credentials: { accountSid, authToken: 'test-auth-token' },
      priority: 1,
    },
    Date.now(),
  );
});
afterAll(async () => {
  await t.cleanup();
  await twilio.close();
});

describe('provider error text', () => {
  it('is masked for public keys and in logs, and kept in full for secret keys', async () => {
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'order_update', to: '+212655501234', params: { order: 'A-1', eta: 'today' } },
    });
    expect(sent.status).toBe(202);
    const full = await waitForMessage(t, sent.body.id, (m) => m.status === 'failed');
    expect(full.errorMessage).toBe(`Twilio: ${providerText}`);

    const pub = await call(t, 'GET', `/v1/messages/${sent.body.id}`, { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(pub.status).toBe(200);
    expect(pub.body.to).toBe('+********1234');
    expect(pub.body.errorMessage).toBe(
      "Twilio: The 'To' number +********1234 is not a valid phone number. Questions: o***@twilio-fake.example",
    );

    const failed = t.logs().find((l) => l.msg === 'message failed' && l.messageId === sent.body.id);
    expect(failed?.error).toBe(pub.body.errorMessage);
    const text = t.logText();
    expect(text).not.toContain('212655501234');
    expect(text).not.toContain('ops.team@');
  });
});
