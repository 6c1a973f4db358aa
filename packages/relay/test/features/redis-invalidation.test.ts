import { afterEach, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { CHEAP_PASSWORDS, setUpOwner, type Tokens } from '../helpers/accounts.js';
import { redisAvailable, startRelayPair, testClient } from '../helpers/redis.js';

const redis = await redisAvailable();

/** Caches that outlive every test: only an announcement can make a relay forget. */
const LONG_CACHE = { cacheTtlMs: 60_000, passwordHashing: CHEAP_PASSWORDS };

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

let sent = 0;
/** A secret-key send to a new recipient each time (the per-recipient limit stays out of the way). */
const sendWith = (t: TestRelay, key: string) =>
  call(t, 'POST', '/v1/messages', {
    key,
    body: {
      template: 'order_update',
      to: `+21261300${String(++sent).padStart(4, '0')}`,
      params: { order: 'A', eta: 'now' },
    },
  });

/** Polls `request` until it answers `status`; resolves with the ms it took, or throws after `withinMs`. */
async function answersWithin(request: () => Promise<{ status: number }>, status: number, withinMs: number) {
  const started = performance.now();
  for (;;) {
    if ((await request()).status === status) return performance.now() - started;
    if (performance.now() - started > withinMs) throw new Error(`still not ${status} after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Two relays on one data directory with 60 s caches: with Redis when `withRedis`, else alone. */
async function relays(
  withRedis: boolean,
): Promise<{ a: TestRelay; b: TestRelay; owner: Tokens; announced?: (work: () => Promise<unknown>) => Promise<void> }> {
  let a: TestRelay;
  let b: TestRelay;
  if (withRedis) {
    const pair = await startRelayPair({ deps: LONG_CACHE });
    ({ a, b } = pair);
    // The test listens on the relays' channel too: a change's announcement has reached this
    // process (where relay B also runs) once the test's own subscriber has it.
    const listener = testClient();
    await listener.subscribe(`${pair.prefix}invalidate`);
    let heard = 0;
    listener.on('message', () => (heard += 1));
    cleanup = async () => {
      listener.disconnect();
      await pair.cleanup();
    };
    const announced = async (work: () => Promise<unknown>) => {
      const before = heard;
      await work();
      for (let i = 0; i < 200 && heard === before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      // B's subscriber got it in the same turn as ours, or the next: let it run.
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    return { a, b, owner: await setUpOwner(a), announced };
  } else {
    a = await startRelay({ deps: LONG_CACHE });
    b = await startRelay({ deps: LONG_CACHE, dataDir: a.dataDir, demo: a.demo });
    cleanup = async () => {
      await b.close();
      await a.cleanup();
    };
  }
  return { a, b, owner: await setUpOwner(a) };
}

/** Creates a secret key through `a`'s admin API and has `b` cache it by using it once. */
async function keyCachedByB(a: TestRelay, b: TestRelay, owner: Tokens) {
  const created = await call(a, 'POST', `/v1/projects/${a.demo.projectId}/keys`, {
    key: owner.accessToken,
    body: { kind: 'secret', name: 'server' },
  });
  expect(created.status).toBe(201);
  expect((await sendWith(b, created.body.key)).status).toBe(202);
  return { id: created.body.apiKey.id as string, secret: created.body.key as string };
}

describe.runIf(redis)('cache invalidation through Redis', () => {
  it('refuses on relay B, within 1 s, a key revoked through relay A', async () => {
    const { a, b, owner } = await relays(true);
    const key = await keyCachedByB(a, b, owner);
    const revoked = await call(a, 'DELETE', `/v1/projects/${a.demo.projectId}/keys/${key.id}`, {
      key: owner.accessToken,
    });
    expect(revoked.status).toBe(200);
    const ms = await answersWithin(() => sendWith(b, key.secret), 401, 1000);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses on relay B, within 1 s, a recipient who opted out through relay A', async () => {
    const { a, b, owner } = await relays(true);
    const send = () =>
      call(b, 'POST', '/v1/messages', {
        key: b.demo.secretKey,
        body: { template: 'order_update', to: '+212612340000', params: { order: 'A', eta: 'now' } },
      });
    // B caches "not opted out" for this recipient.
    expect((await send()).status).toBe(202);
    const optOut = await call(a, 'POST', `/v1/projects/${a.demo.projectId}/opt-outs`, {
      key: owner.accessToken,
      body: { address: '+212612340000' },
    });
    expect(optOut.status).toBe(201);
    await answersWithin(send, 403, 1000);
    expect((await send()).body.error.code).toBe('recipient_opted_out');
  });

  it('refuses on relay B, within 1 s, an origin removed through relay A', async () => {
    const { a, b, owner } = await relays(true);
    const sendFromPage = () =>
      call(b, 'POST', '/v1/messages', {
        key: b.demo.publicKey,
        origin: DEMO_ORIGIN,
        body: {
          template: 'order_update',
          to: `+21261400${String(++sent).padStart(4, '0')}`,
          params: { order: 'A', eta: 'now' },
        },
      });
    expect((await sendFromPage()).status).toBe(202);
    const removed = await call(
      a,
      'DELETE',
      `/v1/projects/${a.demo.projectId}/origins/${encodeURIComponent(DEMO_ORIGIN)}`,
      {
        key: owner.accessToken,
      },
    );
    expect(removed.status).toBe(200);
    await answersWithin(sendFromPage, 403, 1000);
  });

  it('forgets on every relay what a command changed behind their backs (the CLI path: invalidateCaches)', async () => {
    const { a, b, owner, announced } = await relays(true);
    // The key's creation is announced too: B must have heard it before it caches the key, or a
    // late announcement would make it forget the key before the revocation below.
    let created: { id: string; secret: string } | undefined;
    await announced!(async () => {
      created = await keyCachedByB(a, b, owner);
    });
    const key = created!;
    expect((await sendWith(b, key.secret)).status).toBe(202);
    // What `messagejs-relay keys revoke` does: a write straight to the store, then the announcement.
    await a.relay.store.keys.revoke(key.id, Date.now());
    expect((await sendWith(b, key.secret)).status).toBe(202);
    await a.relay.invalidateCaches();
    await answersWithin(() => sendWith(b, key.secret), 401, 1000);
  });
});

describe('cache invalidation without Redis', () => {
  it('leaves relay B serving a key revoked through relay A until its cache expires', async () => {
    const { a, b, owner } = await relays(false);
    const key = await keyCachedByB(a, b, owner);
    await call(a, 'DELETE', `/v1/projects/${a.demo.projectId}/keys/${key.id}`, { key: owner.accessToken });
    // Relay A knows at once; relay B, with nobody to tell it, still serves its cached key.
    expect((await sendWith(a, key.secret)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await sendWith(b, key.secret)).status).toBe(202);
  });
});
