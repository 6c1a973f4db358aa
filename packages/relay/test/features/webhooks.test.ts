import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { call, waitForMessage } from '../helpers/start-relay.js';
import { addMember, OWNER, setUpOwner, signIn, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
let receiver: Receiver;
let project: string;
const as = () => ({ key: owner.accessToken });

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startAccountsRelay({
    env: { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' },
    // The clock stands still unless a test moves it: webhook retries come due then.
    deps: { worker: { pollMs: 20, webhooks: { pollMs: 20, retryDelaysMs: [1000, 2000, 4000] } } },
  });
  owner = await setUpOwner(t);
  project = `/v1/projects/${t.demo.projectId}`;
});
afterAll(async () => {
  await t?.cleanup();
  await receiver?.close();
});

/** An endpoint at `path` of the receiver; its id and secret. */
async function endpoint(path: string, body: Record<string, unknown> = {}) {
  const res = await call(t, 'POST', `${project}/webhooks`, {
    ...as(),
    body: { url: `${receiver.url}${path}`, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.endpoint.id as string, secret: res.body.secret as string, body: res.body };
}

const send = (body: Record<string, unknown> = {}) =>
  call(t, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { to: '+212612345678', channel: 'sms', text: 'Hello', ...body },
  });

describe('webhook endpoints', () => {
  it('creates one with a whsec_ secret shown once; reading it never shows the secret', async () => {
    const { id, secret, body } = await endpoint('/created', { description: 'orders', events: ['message.delivered'] });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(body.endpoint).toMatchObject({
      id,
      url: `${receiver.url}/created`,
      description: 'orders',
      events: ['message.delivered'],
      active: true,
      disabledReason: null,
    });
    const read = await call(t, 'GET', `${project}/webhooks/${id}`, as());
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(secret.slice(6, 20));
    const list = await call(t, 'GET', `${project}/webhooks`, as());
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
    const audit = await call(t, 'GET', `/v1/audit-logs?action=webhook.create`, as());
    expect(JSON.stringify(audit.body)).toContain(id);
    expect(JSON.stringify(audit.body)).not.toContain(secret.slice(6, 20));
  });

  it('lists the event types with descriptions', async () => {
    const res = await call(t, 'GET', '/v1/webhooks/event-types', as());
    expect(res.status).toBe(200);
    const types = res.body.data.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['message.queued', 'message.delivered', 'verify.approved', 'webhook.test']),
    );
    for (const e of res.body.data) expect(e.description).toMatch(/\S/);
  });
});

describe('events delivered', () => {
  it('posts message.queued and message.delivered, signed per Standard Webhooks (checked with the standardwebhooks library)', async () => {
    const { secret } = await endpoint('/all');
    const sent = await send();
    expect(sent.status).toBe(202);
    await receiver.until((r) => r.filter((x) => x.path === '/all').length >= 2);
    const got = receiver.received.filter((r) => r.path === '/all');
    const events = got.map((r) => receiver.verified(r, secret));
    expect(events.map((e) => e.type).sort()).toEqual(['message.delivered', 'message.queued']);
    const delivered = events.find((e) => e.type === 'message.delivered')!;
    expect(delivered.id).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(delivered.data).toMatchObject({
      messageId: sent.body.id,
      status: 'delivered',
      channel: 'sms',
      to: '+212612345678',
      error: null,
    });
    expect(got[0]!.headers['webhook-id']).toBe(events[0]!.id);
    expect(got[0]!.headers['content-type']).toBe('application/json');
    // Another secret does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
        got[0]!.body,
        got[0]!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('sends only the event types an endpoint subscribed to', async () => {
    await endpoint('/delivered-only', { events: ['message.delivered'] });
    const sent = await send();
    await waitForMessage(t, sent.body.id, (m) => m.status === 'delivered');
    await receiver.until((r) => r.some((x) => x.path === '/delivered-only' && x.body.includes(sent.body.id)));
    const types = receiver
      .events('/delivered-only')
      .filter((e) => e.data.messageId === sent.body.id)
      .map((e) => e.type);
    expect(types).toEqual(['message.delivered']);
  });

  it('sends webhook.test to one endpoint on request', async () => {
    const { id, secret } = await endpoint('/test-me', { events: ['message.failed'] });
    const res = await call(t, 'POST', `${project}/webhooks/${id}/test`, as());
    expect(res.status).toBe(202);
    expect(res.body.eventId).toMatch(/^evt_/);
    await receiver.until((r) => r.some((x) => x.path === '/test-me'));
    const got = receiver.received.find((x) => x.path === '/test-me')!;
    expect(receiver.verified(got, secret)).toMatchObject({ id: res.body.eventId, type: 'webhook.test' });
    // Nobody else got it.
    expect(receiver.events('/all').some((e) => e.id === res.body.eventId)).toBe(false);
  });

  it('signs with both secrets for 24 h after a rotation, then with the new one only', async () => {
    const { id, secret: old } = await endpoint('/rotated', { events: ['webhook.test'] });
    const rotated = await call(t, 'POST', `${project}/webhooks/${id}/rotate-secret`, as());
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(old);
    expect(rotated.body.endpoint.previousSecretExpiresAt).not.toBeNull();
    await call(t, 'POST', `${project}/webhooks/${id}/test`, as());
    await receiver.until((r) => r.filter((x) => x.path === '/rotated').length >= 1);
    const first = receiver.received.filter((x) => x.path === '/rotated')[0]!;
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiver.verified(first, old).type).toBe('webhook.test');
    expect(receiver.verified(first, fresh).type).toBe('webhook.test');
    t.clock.advance(24 * 3600_000 + 1000);
    // A day on, the owner's access token has expired: sign in again.
    owner = await signIn(t, OWNER.email, OWNER.password);
    await call(t, 'POST', `${project}/webhooks/${id}/test`, as());
    await receiver.until((r) => r.filter((x) => x.path === '/rotated').length >= 2);
    const second = receiver.received.filter((x) => x.path === '/rotated')[1]!;
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(1);
    // The receiver's clock is real time; the relay's moved a day on, so only the signature is checked here.
    expect(() => receiver.verified(second, old)).toThrow();
  });
});

describe('failures, retries and replays', () => {
  it('retries a failing endpoint with backoff, logs each attempt, and replays failed deliveries', async () => {
    const { id } = await endpoint('/flaky', { events: ['webhook.test'] });
    receiver.answer((r) => (r.path === '/flaky' ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 }));
    const test = await call(t, 'POST', `${project}/webhooks/${id}/test`, as());
    await receiver.until((r) => r.filter((x) => x.path === '/flaky').length >= 1);
    const log = async () => (await call(t, 'GET', `${project}/webhooks/${id}/deliveries`, as())).body;
    await expect.poll(async () => (await log()).data[0]?.attempts).toBe(1);
    const first = (await log()).data[0];
    expect(first).toMatchObject({
      eventId: test.body.eventId,
      eventType: 'webhook.test',
      status: 'pending',
      lastStatusCode: 500,
    });
    expect(Date.parse(first.nextAttemptAt)).toBeGreaterThan(t.clock.now);
    const detail = await call(t, 'GET', `${project}/webhooks/${id}/deliveries/${first.id}`, as());
    expect(detail.body.attemptLog).toHaveLength(1);
    expect(detail.body.attemptLog[0]).toMatchObject({ statusCode: 500, error: null });
    expect(detail.body.attemptLog[0].response).toHaveLength(1024);
    // Not retried before its time; retried once it comes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.filter((x) => x.path === '/flaky')).toHaveLength(1);
    t.clock.advance(1300);
    await receiver.until((r) => r.filter((x) => x.path === '/flaky').length >= 2);
    // Out of retries: failed.
    t.clock.advance(3000);
    await receiver.until((r) => r.filter((x) => x.path === '/flaky').length >= 3);
    t.clock.advance(5000);
    await receiver.until((r) => r.filter((x) => x.path === '/flaky').length >= 4);
    await expect.poll(async () => (await log()).data[0]?.status).toBe('failed');
    const failed = await call(t, 'GET', `${project}/webhooks/${id}/deliveries?status=failed`, as());
    expect(failed.body.data).toHaveLength(1);
    // The receiver is fixed: replaying every failed delivery since an hour ago sends it again, once.
    receiver.answer(() => ({ status: 204 }));
    const since = new Date(t.clock.now - 3600_000).toISOString();
    const replay = await call(t, 'POST', `${project}/webhooks/${id}/replay`, { ...as(), body: { since } });
    expect(replay.status).toBe(202);
    expect(replay.body.replayed).toBe(1);
    await receiver.until((r) => r.filter((x) => x.path === '/flaky').length >= 5);
    await expect.poll(async () => (await log()).data[0]?.status).toBe('delivered');
    const stats = await call(t, 'GET', `${project}/webhooks/${id}/stats`, as());
    expect(stats.body).toMatchObject({
      attempts: 5,
      successRate: 0.2,
      deliveries: { delivered: 1, failed: 0, pending: 0 },
    });
    expect(stats.body.byType).toEqual([{ type: 'webhook.test', pending: 0, delivered: 1, failed: 0 }]);
    // One event again by id.
    const again = await call(t, 'POST', `${project}/webhooks/${id}/replay`, {
      ...as(),
      body: { eventId: test.body.eventId },
    });
    expect(again.body.replayed).toBe(1);
    await receiver.until((r) => r.filter((x) => x.path === '/flaky').length >= 6);
    const ids = receiver.received.filter((x) => x.path === '/flaky').map((x) => x.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set([test.body.eventId]));
  });

  it('turns an endpoint off at once when it answers 410 Gone, and says so in the audit log', async () => {
    const { id } = await endpoint('/gone', { events: ['webhook.test'] });
    receiver.answer((r) => (r.path === '/gone' ? { status: 410 } : { status: 204 }));
    await call(t, 'POST', `${project}/webhooks/${id}/test`, as());
    await expect
      .poll(async () => (await call(t, 'GET', `${project}/webhooks/${id}`, as())).body)
      .toMatchObject({ active: false, disabledReason: 'gone' });
    const audit = await call(t, 'GET', `/v1/audit-logs?action=webhook.disabled`, as());
    expect(JSON.stringify(audit.body)).toContain(id);
    // The owner hears of it by email (the demo project has an email connector: the console).
    const mail = async () =>
      (await call(t, 'GET', '/v1/messages?template=webhook_disabled', { key: t.demo.secretKey })).body.data as Array<{
        to: string;
        channel: string;
      }>;
    await expect.poll(async () => (await mail()).length).toBeGreaterThan(0);
    expect((await mail())[0]).toMatchObject({ channel: 'email', to: OWNER.email });
    receiver.answer(() => ({ status: 204 }));
  });

  it('turns an endpoint off by hand, fails its pending deliveries, and on again', async () => {
    const { id } = await endpoint('/paused', { events: ['message.queued'] });
    const off = await call(t, 'PATCH', `${project}/webhooks/${id}`, { ...as(), body: { active: false } });
    expect(off.body).toMatchObject({ active: false, disabledReason: 'manual' });
    const on = await call(t, 'PATCH', `${project}/webhooks/${id}`, { ...as(), body: { active: true } });
    expect(on.body).toMatchObject({ active: true, disabledReason: null });
  });
});

describe('a message’s callbackUrl', () => {
  it('gets that message’s events, signed with the secret of the project’s first endpoint', async () => {
    const list = await call(t, 'GET', `${project}/webhooks`, as());
    expect(list.body.data.length).toBeGreaterThan(0);
    const sent = await send({ callbackUrl: `${receiver.url}/callback` });
    expect(sent.status).toBe(202);
    await receiver.until((r) => r.filter((x) => x.path === '/callback').length >= 2);
    const types = receiver.events('/callback').map((e) => e.type);
    expect(types.sort()).toEqual(['message.delivered', 'message.queued']);
    for (const e of receiver.events('/callback')) expect(e.data.messageId).toBe(sent.body.id);
  });

  it('is refused from a public key, and when it is not a URL the relay would post to', async () => {
    const pub = await call(t, 'POST', '/v1/messages', {
      key: t.demo.publicKey,
      origin: 'http://localhost:8787',
      body: {
        template: 'contact',
        params: { name: 'A', email: 'a@example.com', message: 'hi' },
        callbackUrl: 'https://example.com/x',
      },
    });
    expect(pub.status).toBe(400);
    expect(pub.body.error.field).toBe('callbackUrl');
    const bad = await send({ callbackUrl: 'ftp://example.com/x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_url', field: 'callbackUrl' });
  });
});

describe('bad input', () => {
  it.each([
    ['not a URL', { url: 'not a url' }, 'invalid_url', 'url'],
    ['a refused scheme', { url: 'ftp://example.com/hook' }, 'invalid_url', 'url'],
    ['credentials in the URL', { url: 'https://user:pw@example.com/hook' }, 'invalid_url', 'url'],
    ['a private address', { url: 'http://10.0.0.1/hook' }, 'invalid_url', 'url'],
    ['cloud metadata', { url: 'http://169.254.169.254/latest/meta-data' }, 'invalid_url', 'url'],
    [
      'an unknown event type',
      { url: 'http://127.0.0.1:9/x', events: ['message.exploded'] },
      'validation_failed',
      'events',
    ],
    ['an unknown field', { url: 'http://127.0.0.1:9/x', secret: 'whsec_mine' }, 'validation_failed', 'secret'],
  ])('refuses %s with 400 and writes nothing', async (_name, body, code, field) => {
    const before = (await call(t, 'GET', `${project}/webhooks`, as())).body.data.length;
    const res = await call(t, 'POST', `${project}/webhooks`, { ...as(), body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, field });
    expect((await call(t, 'GET', `${project}/webhooks`, as())).body.data).toHaveLength(before);
  });

  it('answers an unknown endpoint, and another project’s, 404', async () => {
    const res = await call(t, 'GET', `${project}/webhooks/whe_nope`, as());
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('webhook_not_found');
    const other = await call(t, 'POST', '/v1/projects', { ...as(), body: { name: 'Other' } });
    const { id } = await endpoint('/elsewhere');
    const cross = await call(t, 'GET', `/v1/projects/${other.body.id}/webhooks/${id}`, as());
    expect(cross.status).toBe(404);
  });

  it('needs manage_webhooks: a viewer gets 403 naming it', async () => {
    const viewer = await addMember(t, owner, { email: 'viewer-webhooks@example.com', role: 'viewer' });
    const res = await call(t, 'GET', `${project}/webhooks`, { key: viewer.accessToken });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_webhooks' });
  });
});

describe('the event log’s retention (MESSAGEJS_EVENT_RETENTION_DAYS, 30 by default) and endpoints failing for days', () => {
  it('removes events past 30 days with their deliveries and attempts; turns off an endpoint failing for 5 days', async () => {
    const { id } = await endpoint('/failing', { events: ['webhook.test'] });
    receiver.answer((r) => (r.path === '/failing' ? { status: 503 } : { status: 204 }));
    await call(t, 'POST', `${project}/webhooks/${id}/test`, as());
    await receiver.until((r) => r.some((x) => x.path === '/failing'));
    const deliveries = async (endpointId: string) =>
      (await call(t, 'GET', `${project}/webhooks/${endpointId}/deliveries?limit=100`, as())).body.data as Array<{
        createdAt: string;
        eventType: string;
      }>;
    const all = (await call(t, 'GET', `${project}/webhooks`, as())).body.data as Array<{ id: string; url: string }>;
    const everything = all.find((e) => e.url.endsWith('/all'))!;
    expect((await deliveries(everything.id)).length).toBeGreaterThan(0);
    // Nothing of it still on its way (retention keeps those): every earlier event is delivered.
    await expect
      .poll(
        async () =>
          (await call(t, 'GET', `${project}/webhooks/${everything.id}/deliveries?status=pending`, as())).body.data,
      )
      .toEqual([]);
    const seen = t.logs().filter((line) => line.msg === 'old data removed').length;
    t.clock.advance(31 * 24 * 3600_000);
    const advanced = t.clock.now;
    owner = await signIn(t, OWNER.email, OWNER.password);
    await expect
      .poll(() => t.logs().filter((line) => line.msg === 'old data removed').length, { timeout: 10_000 })
      .toBeGreaterThan(seen);
    expect(t.logs().filter((line) => line.msg === 'old data removed')[seen]!.events).toBeGreaterThan(0);
    // Only what happened since the clock moved is left.
    const left = await deliveries(everything.id);
    expect(left.filter((d) => Date.parse(d.createdAt) < advanced)).toEqual([]);
    // Its retry, 31 days on, fails again: failing for more than 5 days, the endpoint is turned off,
    // the audit log says so, and the other endpoints hear of it (endpoint.disabled).
    await expect
      .poll(async () => (await call(t, 'GET', `${project}/webhooks/${id}`, as())).body, { timeout: 10_000 })
      .toMatchObject({ active: false, disabledReason: 'failing' });
    await receiver.until((r) =>
      r.some((x) => x.path === '/all' && x.body.includes('endpoint.disabled') && x.body.includes(id)),
    );
    receiver.answer(() => ({ status: 204 }));
  });
});
