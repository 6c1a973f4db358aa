import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { CHEAP_PASSWORDS, setUpOwner, type Tokens } from '../helpers/accounts.js';
import { rows } from '../helpers/store-snapshot.js';

// `POST /v1/messages/:id/cancel` (issue 16): a message still waiting is canceled and never sent,
// on a relay whose worker is off (so messages wait); a second relay on the same storage, whose
// worker runs, delivers what still waits.

const text = (to: string) => ({ to, channel: 'sms', text: 'Your order ships tomorrow' });

let t: TestRelay;
let owner: Tokens;

beforeAll(async () => {
  t = await startRelay({ env: { MESSAGEJS_WORKER: 'off' }, deps: { passwordHashing: CHEAP_PASSWORDS } });
  owner = await setUpOwner(t);
});
afterAll(async () => {
  await t?.cleanup();
});

const send = async (to: string) => {
  const res = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: text(to) });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
/** Runs `use` with a relay on the same storage whose worker delivers, then stops it. */
async function withWorker(use: (w: TestRelay) => Promise<void>) {
  const w = await startRelay({ location: t.location, demo: t.demo, deps: { passwordHashing: CHEAP_PASSWORDS } });
  try {
    await use(w);
  } finally {
    await w.close();
  }
}
const cancel = (id: string, key = t.demo.secretKey, headers: Record<string, string> = {}) =>
  call(t, 'POST', `/v1/messages/${id}/cancel`, { key, headers });

describe('POST /v1/messages/:id/cancel', () => {
  it('cancels a queued message, which the worker then never sends; its figures count it canceled', async () => {
    const id = await send('+212612345601');
    const res = await cancel(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'canceled', sentAt: null });
    expect((await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey })).body.status).toBe('canceled');
    expect((await rows(t.location, 'outbox')).map((r) => r.message_id)).not.toContain(id);

    // A relay with its worker on delivers what still waits, and not this one.
    const kept = await send('+212612345602');
    await withWorker(async (w) => {
      await waitForMessage(w, kept, (m) => m.status === 'delivered');
      await waitForIdle(w);
    });
    const after = await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey });
    expect(after.body).toMatchObject({ status: 'canceled', attempts: [] });
    const analytics = await call(t, 'GET', '/v1/analytics/messages?groupBy=status', { key: t.demo.secretKey });
    expect(analytics.status).toBe(200);
    expect(analytics.body.totals.statuses).toMatchObject({ canceled: 1, delivered: 1 });
  });

  it('refuses a message past waiting (409 with its status), a public key (403), another project’s or none (404)', async () => {
    const delivered = await send('+212612345603');
    await withWorker((w) => waitForMessage(w, delivered, (m) => m.status === 'delivered'));
    const late = await cancel(delivered);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'message_not_cancelable', field: 'id', messageStatus: 'delivered' });

    const pub = await call(t, 'POST', `/v1/messages/${delivered}/cancel`, {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
    });
    expect(pub.status).toBe(403);
    expect(pub.body.error.code).toBe('forbidden');

    const other = await call(t, 'POST', '/v1/projects', { key: owner.accessToken, body: { name: 'Other' } });
    const otherKey = await call(t, 'POST', `/v1/projects/${other.body.id}/keys`, {
      key: owner.accessToken,
      body: { kind: 'secret', name: 'other' },
    });
    expect(otherKey.status).toBe(201);
    for (const [id, key] of [
      [delivered, otherKey.body.key as string],
      ['msg_0000000000000000000000000000x', t.demo.secretKey],
      ['not-an-id', t.demo.secretKey],
    ] as const) {
      const res = await cancel(id, key);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('message_not_found');
    }
  });

  it('refuses a message a worker holds right now (409 sending), and cancels the next one as a member with send_messages', async () => {
    const held = await send('+212612345604');
    const claimed = await t.relay.store.outbox.claim(Date.now(), 10, 60_000, 'test-worker');
    expect(claimed.map((j) => j.messageId)).toContain(held);
    const res = await cancel(held);
    expect(res.status).toBe(409);
    expect(res.body.error.messageStatus).toBe('sending');

    const waiting = await send('+212612345605');
    const headers = { 'messagejs-project': t.demo.projectId };
    const byMember = await cancel(waiting, owner.accessToken, headers);
    expect(byMember.status).toBe(200);
    expect(byMember.body.status).toBe('canceled');
  });
});
