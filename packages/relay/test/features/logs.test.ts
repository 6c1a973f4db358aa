import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay({ env: { LOG_LEVEL: 'trace' } });
});
afterAll(() => t.cleanup());

describe('logs', () => {
  it('are JSON lines with request ids, and hold no key, body or full phone number', async () => {
    const pub = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { template: 'order_update', to: '+212698765432', params: { order: 'SECRET-ORDER-1', eta: 'at dawn' } },
    });
    const sec = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+33698765432', text: 'a private body', channel: 'sms' },
    });
    await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+33698765431', text: 'x', channel: 'sms', bogus: 1 },
    });
    await waitForMessage(t, pub.body.id, (m) => m.status === 'delivered');
    await waitForMessage(t, sec.body.id, (m) => m.status === 'delivered');
    const text = t.logText();
    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(3);
    const requestLines = logs.filter((l) => l.msg === 'request');
    expect(requestLines.map((l) => l.requestId)).toContain(pub.headers.get('x-request-id'));
    expect(requestLines.every((l) => typeof l.requestId === 'string' && typeof l.status === 'number')).toBe(true);
    for (const leak of [
      t.demo.publicKey,
      t.demo.secretKey,
      '212698765432',
      '33698765432',
      'SECRET-ORDER-1',
      'a private body',
      'at dawn',
    ]) {
      expect(text).not.toContain(leak);
    }
    expect(text).toContain('5432');
  });
});
