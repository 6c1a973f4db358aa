import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, startRelay, type TestRelay } from '../helpers/start-relay.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

const order = { template: 'order_update', to: '+212612345679', params: { order: 'A-7', eta: 'today' } };
// Each test sends to its own number, so the per-recipient limit (5 per 10 minutes) stays out of the way.
let n = 10;
beforeEach(() => {
  order.to = `+2126123456${n++}`;
});
const send = (idempotencyKey: string, body: unknown = order) =>
  call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body, headers: { 'idempotency-key': idempotencyKey } });

describe('Idempotency-Key', () => {
  it('returns the first answer to a repeat and stores one message', async () => {
    const before = await t.relay.store.messages.count();
    const first = await send('retry-1');
    const second = await send('retry-1');
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await t.relay.store.messages.count()).toBe(before + 1);
  });

  it('treats the same body with keys in another order as the same request', async () => {
    const first = await send('retry-order', {
      to: order.to,
      params: { eta: 'today', order: 'A-7' },
      template: 'order_update',
    });
    const second = await send('retry-order', order);
    expect(second.body.id).toBe(first.body.id);
  });

  it('refuses the same key with a different body with 409 idempotency_conflict', async () => {
    await send('retry-2');
    const before = await t.relay.store.messages.count();
    const res = await send('retry-2', { ...order, params: { order: 'A-8', eta: 'today' } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'idempotency_conflict', field: 'Idempotency-Key' });
    expect(await t.relay.store.messages.count()).toBe(before);
  });

  it('never sends twice for concurrent requests with one key', async () => {
    const before = await t.relay.store.messages.count();
    const answers = await Promise.all(Array.from({ length: 20 }, () => send('concurrent-1')));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await t.relay.store.messages.count()).toBe(before + 1);
  });

  it('scopes keys to the API key that used them', async () => {
    const { createKey } = await import('@messagejs/relay');
    const other = await createKey(t.relay.store, { projectId: t.demo.projectId, kind: 'secret' }, Date.now());
    const a = await send('shared-key');
    const b = await call(t, 'POST', '/v1/messages', {
      key: other.secret,
      body: order,
      headers: { 'idempotency-key': 'shared-key' },
    });
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('drops records older than 25 hours, hourly, in the worker', async () => {
    let now = Date.now();
    const clocked = await (await import('../helpers/start-relay.js')).startRelay({ deps: { now: () => now } });
    try {
      const first = await call(clocked, 'POST', '/v1/messages', {
        key: clocked.demo.secretKey,
        body: order,
        headers: { 'idempotency-key': 'old' },
      });
      now += 24 * 3600_000;
      // Within the day: a retry still gets the first answer.
      expect(
        (
          await call(clocked, 'POST', '/v1/messages', {
            key: clocked.demo.secretKey,
            body: order,
            headers: { 'idempotency-key': 'old' },
          })
        ).body.id,
      ).toBe(first.body.id);
      now += 2 * 3600_000;
      await new Promise((r) => setTimeout(r, 150));
      const secretKeyId = (await clocked.relay.store.keys.list(clocked.demo.projectId)).find(
        (k) => k.kind === 'secret',
      )!.id;
      expect(await clocked.relay.store.idempotency.get(secretKeyId, 'old')).toBeNull();
    } finally {
      await clocked.cleanup();
    }
  });

  it('keeps records for at least 24 hours', async () => {
    await send('kept');
    const purged = await t.relay.store.idempotency.purge(Date.now() - 24 * 3600_000);
    expect(purged).toBe(0);
    expect((await send('kept')).headers.get('idempotent-replayed')).toBe('true');
  });
});
