import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startRelay } from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';
import {
  CHEAP_PASSWORDS,
  OWNER,
  addMember,
  setUpOwner,
  signIn,
  startAccountsRelay,
  type Tokens,
} from '../helpers/accounts.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

describe('the keys admin API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  let keys: string;
  const as = (tokens: Tokens) => ({ key: tokens.accessToken });
  // A new recipient each time: the per-recipient limit stays out of the way.
  let sent = 0;
  const send = (key: string) =>
    call(t, 'POST', '/v1/messages', { key, body: { ...order, to: `+21261200${String(++sent).padStart(4, '0')}` } });
  beforeAll(async () => {
    t = await startAccountsRelay();
    owner = await setUpOwner(t);
    keys = `/v1/projects/${t.demo.projectId}/keys`;
  });
  afterAll(() => t.cleanup());

  it('creates a key shown once: the list and the key itself show its prefix only', async () => {
    const created = await call(t, 'POST', keys, { ...as(owner), body: { kind: 'secret', name: 'server' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body.key).toMatch(/^sk_[0-9A-Za-z]{43}$/);
    expect(created.body.apiKey).toMatchObject({
      kind: 'secret',
      name: 'server',
      status: 'active',
      prefix: `${created.body.key.slice(0, 11)}…`,
      lastUsedAt: null,
      rateLimit: null,
      replacedBy: null,
    });
    expect(created.body.apiKey.createdAt).toMatch(ISO);
    const list = await call(t, 'GET', keys, as(owner));
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.apiKey.id);
    const one = await call(t, 'GET', `${keys}/${created.body.apiKey.id}`, as(owner));
    expect(one.body).toEqual(created.body.apiKey);
    expect(JSON.stringify(await rows(t.location, 'audit'))).not.toContain(created.body.key);
    expect((await send(created.body.key)).status).toBe(202);
  });

  it('refuses an expiry in the past and a key of another project, naming the field', async () => {
    const past = await call(t, 'POST', keys, {
      ...as(owner),
      body: { kind: 'public', expiresAt: new Date(t.clock.now - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.field).toBe('expiresAt');
    const other = await call(t, 'POST', '/v1/projects', { ...as(owner), body: { name: 'Other' } });
    const res = await call(
      t,
      'GET',
      `/v1/projects/${other.body.id}/keys/${(await rows<{ id: string; project_id: string }>(t.location, 'api_keys')).find((k) => k.project_id === t.demo.projectId)!.id}`,
      as(owner),
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('key_not_found');
  });

  it('rotates a key: the new one sends at once, the old one until the grace period ends, then 401', async () => {
    const created = await call(t, 'POST', keys, {
      ...as(owner),
      body: { kind: 'secret', name: 'rotating', rateLimit: { perHour: 500 } },
    });
    const old = created.body.key as string;
    const rotated = await call(t, 'POST', `${keys}/${created.body.apiKey.id}/rotate`, {
      ...as(owner),
      body: { graceSeconds: 60 },
    });
    expect(rotated.status).toBe(201);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect(rotated.body.apiKey).toMatchObject({ name: 'rotating', kind: 'secret', rateLimit: { perHour: 500 } });
    expect(rotated.body.previous).toMatchObject({
      id: created.body.apiKey.id,
      replacedBy: rotated.body.apiKey.id,
      expiresAt: new Date(t.clock.now + 60_000).toISOString(),
    });
    expect((await send(rotated.body.key)).status).toBe(202);
    expect((await send(old)).status).toBe(202);
    const again = await call(t, 'POST', `${keys}/${created.body.apiKey.id}/rotate`, as(owner));
    expect(again.status).toBe(409);
    t.clock.advance(61_000);
    expect((await send(old)).status).toBe(401);
    expect((await send(rotated.body.key)).status).toBe(202);
    const audit = (await rows<{ action: string; resource_id: string }>(t.location, 'audit')).filter(
      (r) => r.action === 'key.rotate',
    );
    expect(audit.map((r) => r.resource_id)).toEqual([created.body.apiKey.id]);
  });

  it('rotates with no body and no grace: the old key stops at once', async () => {
    const created = await call(t, 'POST', keys, { ...as(owner), body: { kind: 'secret' } });
    const now = await call(t, 'POST', `${keys}/${created.body.apiKey.id}/rotate`, {
      ...as(owner),
      body: { graceSeconds: 0 },
    });
    expect(now.body.previous.status).toBe('expired');
    expect((await send(created.body.key)).status).toBe(401);
    const other = await call(t, 'POST', keys, { ...as(owner), body: { kind: 'public' } });
    const bare = await call(t, 'POST', `${keys}/${other.body.apiKey.id}/rotate`, as(owner));
    expect(bare.status).toBe(201);
    // The default grace is a day.
    expect(Date.parse(bare.body.previous.expiresAt)).toBe(t.clock.now + 86_400_000);
  });

  it('revokes a key at once', async () => {
    const created = await call(t, 'POST', keys, { ...as(owner), body: { kind: 'secret' } });
    const revoked = await call(t, 'DELETE', `${keys}/${created.body.apiKey.id}`, as(owner));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedAt: expect.stringMatching(ISO) });
    expect((await send(created.body.key)).status).toBe(401);
    expect((await call(t, 'DELETE', `${keys}/${created.body.apiKey.id}`, as(owner))).status).toBe(404);
  });

  it('limits a key by its own rate limit: rateLimit.perHour=2, the 3rd send is 429; null goes back to the project’s', async () => {
    const created = await call(t, 'POST', keys, { ...as(owner), body: { kind: 'secret' } });
    const id = created.body.apiKey.id as string;
    const limited = await call(t, 'PATCH', `${keys}/${id}`, {
      ...as(owner),
      body: { name: 'limited', rateLimit: { perHour: 2 } },
    });
    expect(limited.status).toBe(200);
    expect(limited.body).toMatchObject({ name: 'limited', rateLimit: { perHour: 2 } });
    expect((await send(created.body.key)).status).toBe(202);
    const second = await send(created.body.key);
    expect(second.status).toBe(202);
    expect(second.headers.get('ratelimit-limit')).toBe('2');
    const third = await send(created.body.key);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate_limited');
    expect(third.headers.get('retry-after')).toEqual(expect.any(String));
    await call(t, 'PATCH', `${keys}/${id}`, { ...as(owner), body: { rateLimit: null } });
    expect((await send(created.body.key)).status).toBe(202);
  });

  it('limits a key per minute too', async () => {
    const created = await call(t, 'POST', keys, {
      ...as(owner),
      body: { kind: 'secret', rateLimit: { perMinute: 1 } },
    });
    expect((await send(created.body.key)).status).toBe(202);
    const second = await send(created.body.key);
    expect(second.status).toBe(429);
    expect(second.body.error.message).toContain('this minute');
  });

  it('refuses an empty rate limit and unknown fields, naming the field', async () => {
    const created = await call(t, 'POST', keys, { ...as(owner), body: { kind: 'public' } });
    const empty = await call(t, 'PATCH', `${keys}/${created.body.apiKey.id}`, {
      ...as(owner),
      body: { rateLimit: {} },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('rateLimit');
    const bad = await call(t, 'PATCH', `${keys}/${created.body.apiKey.id}`, {
      ...as(owner),
      body: { rateLimit: { perDay: 3 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('rateLimit.perDay');
  });

  it('needs manage_keys: a manager may, a sender may not (403 naming it)', async () => {
    const manager = await addMember(t, owner, { email: 'manager@example.com', role: 'manager' });
    const sender = await addMember(t, owner, { email: 'sender@example.com', role: 'sender' });
    expect((await call(t, 'POST', keys, { key: manager.accessToken, body: { kind: 'public' } })).status).toBe(201);
    for (const [method, path, body] of [
      ['GET', keys, undefined],
      ['POST', keys, { kind: 'public' }],
      ['POST', `/v1/projects/${t.demo.projectId}/signing-keys/rotate`, undefined],
    ] as const) {
      const res = await call(t, method, path, { key: sender.accessToken, ...(body && { body }) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_keys' });
    }
  });

  it('rotates the verification-token signing key', async () => {
    const res = await call(t, 'POST', `/v1/projects/${t.demo.projectId}/signing-keys/rotate`, as(owner));
    expect(res.status).toBe(200);
    expect(res.body.published[0]).toBe(res.body.kid);
  });
});

describe('keys’ last-used times', () => {
  it('are recorded off the request path and written when the relay closes (at the latest every 30 s)', async () => {
    const first = await startAccountsRelay();
    const owner = await setUpOwner(first);
    const keys = `/v1/projects/${first.demo.projectId}/keys`;
    const created = await call(first, 'POST', keys, { key: owner.accessToken, body: { kind: 'secret' } });
    expect((await call(first, 'POST', '/v1/messages', { key: created.body.key, body: order })).status).toBe(202);
    // Nothing is written per request.
    const stored = async () =>
      (await rows<{ id: string; last_used_at: number | null }>(first.location, 'api_keys')).find(
        (k) => k.id === created.body.apiKey.id,
      )!;
    expect((await stored()).last_used_at).toBeNull();
    await first.close();
    expect((await stored()).last_used_at).toBe(first.clock.now);
    const again = await startRelay({
      location: first.location,
      demo: first.demo,
      deps: { passwordHashing: CHEAP_PASSWORDS },
    });
    try {
      const tokens = await signIn(again, OWNER.email, OWNER.password);
      const one = await call(again, 'GET', `${keys}/${created.body.apiKey.id}`, { key: tokens.accessToken });
      expect(one.body.lastUsedAt).toBe(new Date(first.clock.now).toISOString());
    } finally {
      await again.cleanup();
    }
  });
});
