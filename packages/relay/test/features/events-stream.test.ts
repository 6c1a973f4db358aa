import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSourceMessage } from 'eventsource-parser';
import type { RelayDeps } from '@messagejs/relay';
import { call, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { addMember, CHEAP_PASSWORDS, cookiesOf, login, setUpOwner, type Tokens } from '../helpers/accounts.js';
import { rows } from '../helpers/store-snapshot.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { eventPayload } from '../../src/features/webhooks/event-payload.js';

/**
 * Short timings: a registration lasts a second, renewed every 200 ms; an idle stream pings every
 * 300 ms; the credential is checked again every 100 ms.
 */
const deps: RelayDeps = {
  passwordHashing: CHEAP_PASSWORDS,
  eventStream: { pollMs: 20, pingMs: 300, listenForMs: 1000, renewMs: 200, authMs: 100 },
};

let t: TestRelay;
let owner: Tokens;
const streams: SseStream[] = [];

beforeAll(async () => {
  t = await startRelay({ deps });
  owner = await setUpOwner(t);
});
afterAll(async () => {
  for (const s of streams) s.close();
  await t?.cleanup();
});

const streamUrl = (relay: Pick<TestRelay, 'url'>, query: Record<string, string>) =>
  `${relay.url}/v1/events/stream?${new URLSearchParams(query)}`;

/** A stream of `projectId` (the demo project's by default) as the owner, or with `headers`. */
async function stream(
  query: Record<string, string> = {},
  headers: Record<string, string> = { authorization: `Bearer ${owner.accessToken}` },
  relay: Pick<TestRelay, 'url'> = t,
): Promise<SseStream> {
  const s = await openSse(streamUrl(relay, { projectId: t.demo.projectId, ...query }), headers);
  streams.push(s);
  expect(s.status).toBe(200);
  // Written once the stream has read where it starts: what is sent from now on is streamed.
  await expect.poll(() => s.retry).toBe(2000);
  return s;
}

const send = (relay: Pick<TestRelay, 'url'> = t) =>
  call(relay, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { to: '+212612345678', channel: 'sms', text: 'Hello' },
  });

const data = (e: EventSourceMessage) => JSON.parse(e.data) as { id: string; type: string; data: Record<string, any> };
const ofMessage = (events: EventSourceMessage[], messageId: string) =>
  events.filter((e) => data(e).data.messageId === messageId);
const closedLogs = (projectId: string) =>
  t.logs().filter((l) => l.msg === 'event stream closed' && l.projectId === projectId).length;

describe('GET /v1/events/stream', () => {
  it('streams a send’s message.queued then message.delivered, with ids, as the webhooks’ body', async () => {
    const s = await stream();
    expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.headers.get('cache-control')).toBe('no-store');
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    expect(s.order[0]).toBe('retry');
    const sent = await send();
    expect(sent.status).toBe(202);
    await s.until((events) => ofMessage(events, sent.body.id).length >= 2);
    const mine = ofMessage(s.events, sent.body.id);
    expect(mine.map((e) => e.event)).toEqual(['message.queued', 'message.delivered']);
    const ids = mine.map((e) => Number(e.id));
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    for (const e of mine) {
      const body = data(e);
      expect(body.type).toBe(e.event);
      expect(body.id).toMatch(/^evt_[0-9a-f]{24}$/);
      expect(body.data).toMatchObject({ messageId: sent.body.id, channel: 'sms', to: '+212612345678' });
      // Byte for byte what a webhook of that event carries.
      const stored = await t.relay.store.webhooks.getEvent(t.demo.projectId, body.id);
      expect(e.data).toBe(eventPayload(stored!));
      expect(Number(e.id)).toBe(stored!.seq);
    }
    s.close();
  });

  it('starts at now, resumes after Last-Event-ID (header or query) with only the later events, and filters types', async () => {
    const before = await send();
    const live = await stream();
    const later = await send();
    await live.until((events) => ofMessage(events, later.body.id).length >= 2);
    // Nothing from before it opened.
    expect(ofMessage(live.events, before.body.id).filter((e) => e.event === 'message.queued')).toEqual([]);
    const [queued, delivered] = ofMessage(live.events, later.body.id);
    const resumed = await stream({}, { authorization: `Bearer ${owner.accessToken}`, 'last-event-id': queued!.id! });
    await resumed.until((events) => events.some((e) => e.id === delivered!.id));
    expect(resumed.events[0]!.id).toBe(delivered!.id);
    expect(resumed.events.every((e) => Number(e.id) > Number(queued!.id))).toBe(true);
    const byQuery = await stream({ lastEventId: queued!.id! });
    await byQuery.until((events) => events.some((e) => e.id === delivered!.id));
    expect(byQuery.events[0]!.id).toBe(delivered!.id);
    const filtered = await stream({ lastEventId: String(Number(queued!.id) - 1), types: 'message.delivered' });
    await filtered.until((events) => events.some((e) => e.id === delivered!.id));
    expect(new Set(filtered.events.map((e) => e.event))).toEqual(new Set(['message.delivered']));
    for (const s of [live, resumed, byQuery, filtered]) s.close();
  });

  it('pings an idle stream with a comment', async () => {
    const s = await stream({ types: 'verify.approved' });
    await expect.poll(() => s.comments, { timeout: 3000 }).toContain('ping');
    s.close();
  });

  it('opens with a member’s cookie or an admin token', async () => {
    const signedIn = await login(t, 'owner@example.com', 'correct horse battery');
    const byCookie = await stream({}, { cookie: cookiesOf(signedIn.headers) });
    const token = await call(t, 'POST', '/v1/admin-tokens', {
      key: owner.accessToken,
      body: { name: 'tail', permissions: ['view_history'] },
    });
    const byToken = await stream({}, { authorization: `Bearer ${token.body.token}` });
    const sent = await send();
    for (const s of [byCookie, byToken]) {
      await s.until((events) => ofMessage(events, sent.body.id).length >= 1);
      s.close();
    }
  });
});

describe('who may open a stream, and bad requests', () => {
  let other: string;
  beforeAll(async () => {
    other = (await call(t, 'POST', '/v1/projects', { key: owner.accessToken, body: { name: 'Other' } })).body.id;
  });

  it('refuses a missing credential and project keys (401), another project’s viewer (404), no view_history (403)', async () => {
    const path = `/v1/events/stream?projectId=${t.demo.projectId}`;
    expect((await call(t, 'GET', path)).status).toBe(401);
    for (const key of [t.demo.secretKey, t.demo.publicKey]) {
      const res = await call(t, 'GET', path, { key });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const outsider = await addMember(t, owner, { email: 'v@example.com', role: 'viewer', projectIds: [other] });
    const hidden = await call(t, 'GET', path, { key: outsider.accessToken });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('project_not_found');
    const blind = await addMember(t, owner, { email: 'b@example.com', role: 'viewer', withdraw: ['view_history'] });
    const refused = await call(t, 'GET', path, { key: blind.accessToken });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('view_history');
  });

  it.each([
    { name: 'no project', query: '', status: 400, field: 'projectId' },
    { name: 'a project that does not exist', query: 'projectId=prj_nope', status: 404, field: 'project' },
    { name: 'an unknown event type', query: 'types=message.lost', status: 400, field: 'types' },
    {
      name: 'a Last-Event-ID that is no event’s',
      query: '',
      headers: { 'last-event-id': 'evt_123' },
      status: 400,
      field: 'Last-Event-ID',
    },
    { name: 'a lastEventId that is no event’s', query: 'lastEventId=-1', status: 400, field: 'lastEventId' },
    { name: 'an unknown parameter', query: 'since=1h', status: 400, field: 'since' },
  ])('answers $name with $status', async ({ name, query, headers, status, field }) => {
    const project = query.includes('projectId') || name === 'no project' ? '' : `projectId=${t.demo.projectId}&`;
    const res = await call(t, 'GET', `/v1/events/stream?${project}${query}`, {
      key: owner.accessToken,
      ...(headers && { headers }),
    });
    expect(res.status).toBe(status);
    expect(res.body.error.field ?? '').toBe(field);
  });
});

describe('a stream whose credential goes', () => {
  const ends = async (s: SseStream) => {
    let ended = false;
    void s.ended.then(() => (ended = true));
    await expect.poll(() => ended, { timeout: 5000 }).toBe(true);
  };

  it('ends once its admin token is revoked, and the client’s reconnection is refused', async () => {
    const token = await call(t, 'POST', '/v1/admin-tokens', {
      key: owner.accessToken,
      body: { name: 'revoked while streaming', permissions: ['view_history'] },
    });
    const headers = { authorization: `Bearer ${token.body.token}` };
    const s = await stream({}, headers);
    const kept = await stream();
    const del = await call(t, 'DELETE', `/v1/admin-tokens/${token.body.adminToken.id}`, { key: owner.accessToken });
    expect(del.status).toBe(200);
    await ends(s);
    expect((await call(t, 'GET', `/v1/events/stream?projectId=${t.demo.projectId}`, { headers })).status).toBe(401);
    // The owner's stream goes on (pinged every 300 ms; a send here would pass the recipient's limit).
    const pings = kept.comments.length;
    await expect.poll(() => kept.comments.length, { timeout: 3000 }).toBeGreaterThan(pings + 1);
    kept.close();
  });

  it('ends once its member may no longer read the project’s history', async () => {
    const member = await addMember(t, owner, { email: 'leaving@example.com', role: 'viewer' });
    const s = await stream({}, { authorization: `Bearer ${member.accessToken}` });
    const withdrawn = await call(t, 'PATCH', `/v1/accounts/${owner.accountId}/members/${member.memberId}`, {
      key: owner.accessToken,
      body: { withdraw: ['view_history'] },
    });
    expect(withdrawn.status).toBe(200);
    await ends(s);
    expect(
      t.logs().some((l) => l.msg === 'event stream ended: its credential was refused' && l.code === 'forbidden'),
    ).toBe(true);
  });
});

describe('registration', () => {
  it('records a project without an endpoint while a stream is open, and stops once `until` passed after it closed', async () => {
    const created = await call(t, 'POST', '/v1/projects', { key: owner.accessToken, body: { name: 'Quiet' } });
    const projectId = created.body.id as string;
    const optOut = (address: string) =>
      call(t, 'POST', `/v1/projects/${projectId}/opt-outs`, { key: owner.accessToken, body: { address } });
    const recorded = async () => (await t.relay.store.webhooks.eventsAfter(projectId, 0, 100)).length;
    expect((await optOut('before@example.com')).status).toBe(201);
    expect(await recorded()).toBe(0);
    const s = await stream({ projectId });
    // Longer than one registration: only its renewals keep the project recorded.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await optOut('during@example.com');
    await s.until((events) => events.some((e) => data(e).data.address === 'during@example.com'));
    expect(s.events.map((e) => e.event)).toEqual(['opt_out.added']);
    expect(await recorded()).toBe(1);
    s.close();
    await expect.poll(() => closedLogs(projectId)).toBe(1);
    // Nothing renews it now: once the database's clock passes `until`, nothing is recorded.
    const until = async () =>
      (await rows<{ project_id: string; until: number }>(t.location, 'event_listeners')).find(
        (r) => r.project_id === projectId,
      )?.until ?? 0;
    await expect.poll(async () => (await until()) < Date.now() - 100, { timeout: 3000 }).toBe(true);
    await optOut('after@example.com');
    expect(await recorded()).toBe(1);
  });
});

describe('relays', () => {
  it('ends open streams when the relay closes, promptly', async () => {
    const other = await startRelay({ deps });
    try {
      const tokens = await setUpOwner(other);
      const s = await openSse(streamUrl(other, { projectId: other.demo.projectId }), {
        authorization: `Bearer ${tokens.accessToken}`,
      });
      await expect.poll(() => s.retry).toBe(2000);
      const started = performance.now();
      await other.close();
      expect(performance.now() - started).toBeLessThan(2500);
      await s.ended;
    } finally {
      await other.cleanup();
    }
  });

  it('streams on relay B what was written through relay A (one database)', async () => {
    const b = await startRelay({ location: t.location, demo: t.demo, deps });
    try {
      // Access tokens name the relay that issued them; an admin token is good on every relay.
      const token = await call(t, 'POST', '/v1/admin-tokens', {
        key: owner.accessToken,
        body: { name: 'relay b', permissions: ['view_history'] },
      });
      const s = await stream({}, { authorization: `Bearer ${token.body.token}` }, b);
      const sent = await send(t);
      await s.until((events) => ofMessage(events, sent.body.id).length >= 2);
      expect(ofMessage(s.events, sent.body.id).map((e) => e.event)).toEqual(['message.queued', 'message.delivered']);
      s.close();
    } finally {
      await b.close();
    }
  });
});
