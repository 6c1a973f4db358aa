import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { rows, snapshot } from '../helpers/store-snapshot.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { scriptedServer } from '../helpers/scripted-server.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

const sid = `AC${'c'.repeat(32)}`;
const tokenA = 'twilio-token-AAAA-0123456789abcdef';
const tokenB = 'twilio-token-BBBB-0123456789abcdef';
const webhookSecret = 'webhook-secret-never-shown-0123456789';
const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

describe('the connectors admin API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  let fake: FakeProvider;
  let connectors: string;
  const as = { key: '' };
  beforeAll(async () => {
    fake = await startFakeProvider();
    t = await startAccountsRelay({ deps: { connectorBaseUrls: { twilio: fake.url } } });
    owner = await setUpOwner(t);
    as.key = owner.accessToken;
    connectors = `/v1/projects/${t.demo.projectId}/connectors`;
  });
  afterAll(async () => {
    await t.cleanup();
    await fake.close();
  });

  it('lists every connector type with its fields, which are secret, and their help, from the provider’s schema', async () => {
    const res = await call(t, 'GET', '/v1/connector-types', as);
    expect(res.status).toBe(200);
    const twilio = res.body.data.find((c: { type: string }) => c.type === 'twilio');
    expect(twilio.channels).toEqual(['sms', 'whatsapp']);
    const field = (name: string) => twilio.credentials.find((f: { name: string }) => f.name === name);
    expect(field('authToken')).toMatchObject({ secret: true, required: false, type: 'string' });
    expect(field('authToken').description).toContain('auth token');
    expect(field('accountSid')).toMatchObject({ secret: false, required: true });
    expect(twilio.help.credentials).toContain('apiKey');
    expect(twilio.config.map((f: { name: string }) => f.name)).toEqual([
      'from',
      'messagingServiceSid',
      'whatsappFrom',
      'senders',
    ]);
    const webhook = res.body.data.find((c: { type: string }) => c.type === 'webhook');
    expect(webhook.credentials).toEqual([
      expect.objectContaining({ name: 'secret', secret: true, required: true, description: expect.any(String) }),
    ]);
    expect(webhook.schemas.config).toMatchObject({ type: 'object', required: ['url'] });
    // Any member may read it.
    const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    expect((await call(t, 'GET', '/v1/connector-types', { key: viewer.accessToken })).status).toBe(200);
  });

  it('creates a connector with write-only credentials, replaces them, and tests with the new ones', async () => {
    const created = await call(t, 'POST', connectors, {
      ...as,
      body: {
        type: 'twilio',
        name: 'Twilio',
        channels: ['sms'],
        config: { from: '+15005550006' },
        credentials: { accountSid: sid, authToken: tokenA },
        priority: 5,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'twilio', credentials: 'sealed', priority: 5, enabled: true });
    const id = created.body.id as string;
    for (const res of [
      created,
      await call(t, 'GET', connectors, as),
      await call(t, 'GET', `${connectors}/${id}`, as),
    ]) {
      expect(JSON.stringify(res.body)).not.toContain(tokenA);
    }

    fake.reply({ status: 200, body: { sid, friendly_name: 'Shop', status: 'active' } });
    const first = await call(t, 'POST', `${connectors}/${id}/test`, as);
    expect(first.body).toMatchObject({ ok: true, type: 'twilio' });
    expect(fake.last().headers.authorization).toBe(`Basic ${Buffer.from(`${sid}:${tokenA}`).toString('base64')}`);

    const replaced = await call(t, 'PUT', `${connectors}/${id}/credentials`, {
      ...as,
      body: { credentials: { accountSid: sid, authToken: tokenB } },
    });
    expect(replaced.status).toBe(200);
    expect(JSON.stringify(replaced.body)).not.toContain(tokenB);
    await call(t, 'POST', `${connectors}/${id}/test`, as);
    expect(fake.last().headers.authorization).toBe(`Basic ${Buffer.from(`${sid}:${tokenB}`).toString('base64')}`);

    fake.reply({ status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    const refused = await call(t, 'POST', `${connectors}/${id}/test`, as);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ ok: false, code: 'provider_auth_failed', providerCode: '20003' });

    const bad = await call(t, 'PUT', `${connectors}/${id}/credentials`, {
      ...as,
      body: { credentials: { accountSid: 'nope', authToken: 'secret-in-a-bad-body' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toMatch(/^credentials/);
    expect(JSON.stringify(bad.body)).not.toContain('secret-in-a-bad-body');
  });

  it('tests a webhook connector by posting a signed test request to the receiver', async () => {
    const receiver = await scriptedServer([204]);
    try {
      const created = await call(t, 'POST', connectors, {
        ...as,
        body: {
          type: 'webhook',
          channels: ['sms'],
          config: { url: receiver.url },
          credentials: { secret: webhookSecret },
        },
      });
      const res = await call(t, 'POST', `${connectors}/${created.body.id}/test`, as);
      expect(res.body).toMatchObject({ ok: true, type: 'webhook' });
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.headers['x-messagejs-event']).toBe('test');
      expect(receiver.requests[0]!.headers['x-messagejs-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: 'test' });
      await call(t, 'DELETE', `${connectors}/${created.body.id}`, as);
    } finally {
      await receiver.close();
    }
  });

  it('disables and enables a connector: a channel with none enabled answers 422 channel_not_configured', async () => {
    const project = await call(t, 'POST', '/v1/projects', { ...as, body: { name: 'Quiet', allowedCountries: ['MA'] } });
    const base = `/v1/projects/${project.body.id}`;
    const key = await call(t, 'POST', `${base}/keys`, { ...as, body: { kind: 'secret' } });
    const connector = await call(t, 'POST', `${base}/connectors`, {
      ...as,
      body: { type: 'console', channels: ['sms'] },
    });
    const text = { to: '+212612345678', text: 'hello', channel: 'sms' };
    expect((await call(t, 'POST', '/v1/messages', { key: key.body.key, body: text })).status).toBe(202);
    const disabled = await call(t, 'PATCH', `${base}/connectors/${connector.body.id}`, {
      ...as,
      body: { enabled: false },
    });
    expect(disabled.body.enabled).toBe(false);
    const refused = await call(t, 'POST', '/v1/messages', { key: key.body.key, body: text });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('channel_not_configured');
    await call(t, 'PATCH', `${base}/connectors/${connector.body.id}`, { ...as, body: { enabled: true } });
    expect((await call(t, 'POST', '/v1/messages', { key: key.body.key, body: text })).status).toBe(202);
    const actions = (await rows<{ action: string; resource_id: string }>(t.location, 'audit'))
      .filter((r) => r.resource_id === connector.body.id)
      .map((r) => r.action);
    expect(actions).toEqual(['connector.create', 'connector.disable', 'connector.enable']);
  });

  it('updates settings checked by the type’s schema, and deletes a connector', async () => {
    const created = await call(t, 'POST', connectors, {
      ...as,
      body: {
        type: 'webhook',
        channels: ['chat'],
        config: { url: 'https://hooks.example/a' },
        credentials: { secret: webhookSecret },
      },
    });
    const url = `${connectors}/${created.body.id}`;
    const updated = await call(t, 'PATCH', url, {
      ...as,
      body: { name: 'Hooks', config: { url: 'https://hooks.example/b' }, priority: 7, channels: ['chat', 'email'] },
    });
    expect(updated.body).toMatchObject({
      name: 'Hooks',
      config: { url: 'https://hooks.example/b' },
      priority: 7,
      channels: ['chat', 'email'],
    });
    const before = await snapshot(t.location);
    for (const [body, field] of [
      [{ config: { url: 'ftp://x' } }, 'config.url'],
      [{ channels: ['console'] }, 'channels'],
      [{ priority: -1 }, 'priority'],
    ] as const) {
      const res = await call(t, 'PATCH', url, { ...as, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect(await snapshot(t.location)).toEqual(before);
    expect((await call(t, 'DELETE', url, as)).status).toBe(204);
    expect((await call(t, 'GET', url, as)).status).toBe(404);
    expect((await call(t, 'DELETE', url, as)).body.error.code).toBe('connector_not_found');
  });

  it('needs manage_connectors: a manager may not (403 naming it)', async () => {
    const manager = await addMember(t, owner, { email: 'manager@example.com', role: 'manager' });
    for (const [method, route, body] of [
      ['GET', connectors, undefined],
      ['POST', connectors, { type: 'console' }],
    ] as const) {
      const res = await call(t, method, route, { key: manager.accessToken, ...(body && { body }) });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_connectors' });
    }
  });

  it('never stores or audits a credential in clear', async () => {
    const audit = JSON.stringify(await rows(t.location, 'audit'));
    const stored = JSON.stringify(await snapshot(t.location));
    // On SQLite, the file's bytes too: they keep what a row no longer shows (freed pages).
    const file = t.location.databaseUrl ? null : fs.readFileSync(path.join(t.dataDir, 'messagejs.db'));
    for (const secret of [tokenA, tokenB, webhookSecret]) {
      expect(audit).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(file?.includes(secret) ?? false).toBe(false);
    }
    const created = (await rows<{ action: string; after: string }>(t.location, 'audit')).find(
      (r) => r.action === 'connector.create',
    )!;
    expect(JSON.parse(created.after).credentials).toBe('[redacted]');
  });
});

describe('the opt-outs admin API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  let optOuts: string;
  beforeAll(async () => {
    t = await startAccountsRelay();
    owner = await setUpOwner(t);
    optOuts = `/v1/projects/${t.demo.projectId}/opt-outs`;
  });
  afterAll(() => t.cleanup());
  const send = (to: string) => call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...order, to } });

  it('adds with a reason, checks, refuses sends to it (403 recipient_opted_out), removes, and sends again', async () => {
    const added = await call(t, 'POST', optOuts, {
      key: owner.accessToken,
      body: { address: '+212 6 12 34 56 79', reason: 'asked by phone' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ address: '+212612345679', reason: 'asked by phone', source: 'api' });
    const again = await call(t, 'POST', optOuts, { key: owner.accessToken, body: { address: '+212612345679' } });
    expect(again.status).toBe(200);
    expect(again.body.reason).toBe('asked by phone');

    const check = await call(t, 'GET', `${optOuts}/+212612345679`, { key: owner.accessToken });
    expect(check.body).toMatchObject({ address: '+212612345679', optedOut: true, reason: 'asked by phone' });
    // A national number is read with the project's default country when the channel says it is a phone number.
    const national = await call(t, 'GET', `${optOuts}/0612345679?channel=sms`, { key: owner.accessToken });
    expect(national.body.optedOut).toBe(true);

    const refused = await send('+212612345679');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('recipient_opted_out');

    expect((await call(t, 'DELETE', `${optOuts}/%2B212612345679`, { key: owner.accessToken })).status).toBe(204);
    expect((await send('+212612345679')).status).toBe(202);
    const after = await call(t, 'GET', `${optOuts}/+212612345679`, { key: owner.accessToken });
    expect(after.body).toEqual({
      address: '+212612345679',
      optedOut: false,
      reason: null,
      source: null,
      createdAt: null,
    });
    expect((await call(t, 'DELETE', `${optOuts}/+212612345679`, { key: owner.accessToken })).status).toBe(404);

    const audit = (
      await rows<{ action: string; resource_id: string; after: string | null }>(t.location, 'audit')
    ).filter((r) => r.action.startsWith('opt_out.'));
    expect(audit.map((r) => r.action)).toEqual(['opt_out.add', 'opt_out.remove']);
    expect(JSON.stringify(audit)).not.toContain('612345679');
  });

  it('normalises emails and lists newest first', async () => {
    t.clock.advance(1000);
    const email = await call(t, 'POST', optOuts, { key: owner.accessToken, body: { address: 'Ana@Example.COM' } });
    expect(email.body.address).toBe('Ana@example.com');
    const list = await call(t, 'GET', optOuts, { key: owner.accessToken });
    expect(list.body.data[0]).toMatchObject({ address: 'Ana@example.com', source: 'api' });
    const bad = await call(t, 'POST', optOuts, { key: owner.accessToken, body: { address: '+1 nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('address');
    // A chat id is kept as given, but no address holds a control character (nor could PostgreSQL store a NUL).
    for (const address of ['chat\u0000id', 'chat\u0007id']) {
      const refused = await call(t, 'POST', optOuts, { key: owner.accessToken, body: { address } });
      expect(refused.status, JSON.stringify(address)).toBe(400);
      expect(refused.body.error.field).toBe('address');
    }
    expect((await call(t, 'GET', `${optOuts}/chat%00id`, { key: owner.accessToken })).status).toBe(400);
  });

  it('lets a sender change them and a viewer only read them', async () => {
    const sender = await addMember(t, owner, { email: 'sender@example.com', role: 'sender' });
    const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    const body = { address: '+212612340000', reason: 'complaint' };
    expect((await call(t, 'POST', optOuts, { key: sender.accessToken, body })).status).toBe(201);
    expect((await call(t, 'GET', optOuts, { key: viewer.accessToken })).status).toBe(200);
    expect((await call(t, 'GET', `${optOuts}/+212612340000`, { key: viewer.accessToken })).body.optedOut).toBe(true);
    const denied = await call(t, 'DELETE', `${optOuts}/+212612340000`, { key: viewer.accessToken });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_contacts' });
  });
});
