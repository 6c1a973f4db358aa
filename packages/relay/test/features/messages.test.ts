import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1001', eta: 'tomorrow' } };

describe('POST /v1/messages', () => {
  it('accepts a template from a public key on an allowed origin and delivers it through the console connector', async () => {
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', channel: 'sms', segments: 1 });
    expect(res.body.id).toMatch(/^msg_[0-9A-Za-z]{29}$/);
    expect(new Date(res.body.createdAt).toString()).not.toBe('Invalid Date');
    expect(res.headers.get('access-control-allow-origin')).toBe(DEMO_ORIGIN);
    const message = await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
    expect(message.deliveredAt).not.toBeNull();
    expect(t.console.join('')).toContain('Order A-1001 is on its way, arriving tomorrow.');
  });

  it('sends free text with a secret key', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+33612345678', text: 'Your parcel is here', channel: 'sms' },
    });
    expect(res.status).toBe(202);
    const message = await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
    expect(message).toMatchObject({ to: '+33612345678', template: null, encoding: 'GSM-7', segments: 1 });
    expect(message.attempts).toEqual([
      expect.objectContaining({ channel: 'sms', connector: 'console', status: 'delivered' }),
    ]);
  });

  it('normalises a national number with the project default country', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { ...order, to: '06 12 34 56 78' },
    });
    expect(res.status).toBe(202);
    const message = await waitForMessage(t, res.body.id, () => true);
    expect(message.to).toBe('+212612345678');
  });

  it('sends the contact template to its fixed recipient', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'contact', params: { name: 'Amina', email: 'amina@example.com', message: 'Hello there' } },
    });
    expect(res.status).toBe(202);
    expect(res.body.channel).toBe('console');
    await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
    expect(t.console.join('')).toContain('New message from Amina <amina@example.com>:\n│ Hello there');
  });

  it('counts UCS-2 segments for text outside GSM-7', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+33612345678', text: 'ê'.repeat(71), channel: 'sms' },
    });
    expect(res.body).toMatchObject({ segments: 2, encoding: 'UCS-2' });
  });
});

describe('GET /v1/messages/:id', () => {
  it('masks the recipient for the public key that created the message', async () => {
    const sent = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order });
    const res = await call(t, 'GET', `/v1/messages/${sent.body.id}`, { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(res.status).toBe(200);
    expect(res.body.to).toMatch(/^\+\*+5678$/);
    expect(res.body.to).not.toContain('612345678');
    expect(res.body.attempts).toBeUndefined();
  });

  it('does not show a public key the messages of another key', async () => {
    const sent = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: order });
    const res = await call(t, 'GET', `/v1/messages/${sent.body.id}`, { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('message_not_found');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['msg_00000000000000000000000000000', 'nope', '%00']) {
      const res = await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey });
      expect(res.status).toBe(404);
    }
  });
});

describe('operations', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await call(t, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(t, 'GET', '/readyz')).body).toEqual({ status: 'ready', database: 'ok', worker: 'ok' });
  });

  it("sets helmet's headers on every response, errors included", async () => {
    for (const res of [await call(t, 'GET', '/healthz'), await call(t, 'POST', '/v1/messages', { body: {} })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await call(t, 'GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
