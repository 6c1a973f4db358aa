import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import type { Store } from '../../src/store/types/index.js';
import { EventFeed } from '../../src/features/webhooks/event-feed.js';
import { createEventStreams } from '../../src/features/webhooks/event-stream.js';
import { systemPrincipal } from '../../src/domain/principal.js';
import { messageRecord, projectRecord } from '../helpers/store-records.js';
import { rows } from '../helpers/store-snapshot.js';
import { backends, type OpenedStore } from './backends.js';

const at = 1_700_000_000_000;
const A = 'prj_stream_a';
const B = 'prj_stream_b';

/** A message stored in `projectId` (its `message.queued` event is recorded while the project is listened to). */
const store1 = (store: Store, projectId: string, n: number) =>
  store.messages.enqueue({
    message: messageRecord(`msg_${projectId.slice(-1)}${String(n).padStart(28, '0')}`, projectId, 'key_x'),
    dueAt: at + 86_400_000,
  });

const types = (events: Array<{ type: string }>) => events.map((e) => e.type);

describe.each(backends)('webhooks.listen and lastEventSeq ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(projectRecord(A));
    await store.projects.create(projectRecord(B));
  });
  afterEach(() => opened.dispose());

  it('records a project’s events only while a registration runs, by the database’s clock', async () => {
    await store1(store, A, 1);
    expect(await store.webhooks.eventsAfter(A, 0, 10)).toEqual([]);
    expect(await store.webhooks.lastEventSeq(A)).toBe(0);
    await store.webhooks.listen(A, 60_000);
    await store1(store, A, 2);
    const recorded = await store.webhooks.eventsAfter(A, 0, 10);
    expect(types(recorded)).toEqual(['message.queued']);
    expect(recorded[0]!.messageId).toBe(`msg_a${'2'.padStart(28, '0')}`);
    expect(await store.webhooks.lastEventSeq(A)).toBe(recorded[0]!.seq);
    // Another project's writes are not recorded, and its newest event is none.
    await store1(store, B, 1);
    expect(await store.webhooks.lastEventSeq(B)).toBe(0);
    // A shorter registration never cuts a longer one short.
    await store.webhooks.listen(A, -1000);
    await store1(store, A, 3);
    expect(await store.webhooks.eventsAfter(A, 0, 10)).toHaveLength(2);
  });

  it('stops recording once `until` has passed, and drops other projects’ expired registrations', async () => {
    await store.webhooks.listen(B, -1);
    await store1(store, B, 1);
    expect(await store.webhooks.eventsAfter(B, 0, 10)).toEqual([]);
    expect((await rows(opened.location, 'event_listeners')).map((r) => r.project_id)).toEqual([B]);
    await store.webhooks.listen(A, 60_000);
    expect((await rows(opened.location, 'event_listeners')).map((r) => r.project_id)).toEqual([A]);
    const [row] = await rows<{ until: number }>(opened.location, 'event_listeners');
    // The database's clock, not the test's: within a minute and a few seconds of now.
    expect(Math.abs(row!.until - (Date.now() + 60_000))).toBeLessThan(5000);
  });
});

describe.each(backends)('EventFeed ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(projectRecord(A));
    await store.projects.create(projectRecord(B));
  });
  afterEach(() => opened.dispose());

  const record = (projectId: string, n: number) =>
    store.webhooks.recordEvent({ projectId, type: 'webhook.test', at: at + n, data: JSON.stringify({ n }) });

  it.each([0, 5000])(
    'hands out each event of the project once, in order, over pages (settleMs %i)',
    async (settleMs) => {
      for (let n = 0; n < 1200; n++) await record(n % 3 === 0 ? B : A, n);
      const feed = new EventFeed({ store, projectId: A, after: 0, settleMs, recheckMs: 0 });
      const first = await feed.next();
      expect(first).toHaveLength(800);
      expect(first.map((e) => JSON.parse(e.data).n)).toEqual(
        Array.from({ length: 1200 }, (_, n) => n).filter((n) => n % 3 !== 0),
      );
      expect(feed.position).toBe(first.at(-1)!.seq);
      expect(await feed.next()).toEqual([]);
      await record(A, 5000);
      expect((await feed.next()).map((e) => JSON.parse(e.data).n)).toEqual([5000]);
      expect(await feed.next()).toEqual([]);
    },
  );

  it('starts after the position it is given', async () => {
    const ids = [await record(A, 1), await record(A, 2), await record(A, 3)];
    const all = await store.webhooks.eventsAfter(A, 0, 10);
    const feed = new EventFeed({ store, projectId: A, after: all[0]!.seq, settleMs: 0 });
    expect((await feed.next()).map((e) => e.id)).toEqual(ids.slice(1));
  });
});

const postgres = backends.filter((b) => b.name === 'postgres');

/**
 * PostgreSQL takes an identity value when a row is inserted and shows the row when its transaction
 * commits: a transaction holding seq n can commit after n + 1 was read.
 */
describe.each(postgres)('EventFeed on PostgreSQL’s out-of-order commits ($name)', (backend) => {
  let opened: OpenedStore;
  let clients: pg.Client[];
  beforeEach(async () => {
    opened = await backend.open();
    await opened.store.projects.create(projectRecord(A));
    clients = [];
    for (let i = 0; i < 2; i++) {
      const client = new pg.Client({ connectionString: opened.location.databaseUrl });
      await client.connect();
      clients.push(client);
    }
  });
  afterEach(async () => {
    for (const client of clients) await client.end();
    await opened.dispose();
  });

  /** Inserts an event in `client`'s open transaction; its seq. */
  const insert = async (client: pg.Client, n: number) => {
    const { rows: inserted } = await client.query<{ seq: string }>(
      `INSERT INTO events (id, project_id, type, created_at, data) VALUES ($1, $2, 'webhook.test', $3, '{}') RETURNING seq`,
      [`evt_gap${n}`, A, at + n],
    );
    return Number(inserted[0]!.seq);
  };

  it('sends both events of two transactions, the lower seq committing last, each once', async () => {
    const [slow, fast] = clients as [pg.Client, pg.Client];
    const clock = { now: 0 };
    const start = await opened.store.webhooks.lastEventSeq(A);
    const feed = new EventFeed({
      store: opened.store,
      projectId: A,
      after: start,
      settleMs: 5000,
      recheckMs: 0,
      clock: () => clock.now,
    });
    const naive = new EventFeed({ store: opened.store, projectId: A, after: start, settleMs: 0 });
    await slow.query('BEGIN');
    await fast.query('BEGIN');
    const low = await insert(slow, 1);
    const high = await insert(fast, 2);
    expect(high).toBeGreaterThan(low);
    await fast.query('COMMIT');
    expect((await feed.next()).map((e) => e.seq)).toEqual([high]);
    expect((await naive.next()).map((e) => e.seq)).toEqual([high]);
    clock.now += 1000;
    await slow.query('COMMIT');
    // The gap is real: a reader of `seq > last` alone never sees the late one.
    expect(await naive.next()).toEqual([]);
    expect((await feed.next()).map((e) => e.seq)).toEqual([low]);
    expect(await feed.next()).toEqual([]);
    clock.now += 10_000;
    expect(await feed.next()).toEqual([]);
    expect(feed.position).toBe(high);
  });

  it('gives up on a seq still uncommitted once the newer events have settled', async () => {
    const [slow, fast] = clients as [pg.Client, pg.Client];
    const clock = { now: 0 };
    const feed = new EventFeed({
      store: opened.store,
      projectId: A,
      after: 0,
      settleMs: 5000,
      recheckMs: 0,
      clock: () => clock.now,
    });
    await slow.query('BEGIN');
    const low = await insert(slow, 1);
    const high = await insert(fast, 2);
    expect((await feed.next()).map((e) => e.seq)).toEqual([high]);
    clock.now += 6000;
    expect(await feed.next()).toEqual([]);
    await slow.query('COMMIT');
    expect(low).toBeLessThan(high);
    expect(await feed.next()).toEqual([]);
  });
  it('streams both over SSE, once each, the late one under the highest id sent', async () => {
    const [slow, fast] = clients as [pg.Client, pg.Client];
    const streams = createEventStreams({
      store: opened.store,
      logger: pino({ level: 'silent' }),
      tuning: { pollMs: 10, recheckMs: 0 },
    });
    const stream = await streams.open(systemPrincipal, { projectId: A }, undefined, async () => systemPrincipal);
    let text = '';
    const running = stream.run({
      signal: new AbortController().signal,
      write: async (chunk) => {
        text += chunk;
        return true;
      },
    });
    await slow.query('BEGIN');
    await fast.query('BEGIN');
    const low = await insert(slow, 1);
    const high = await insert(fast, 2);
    await fast.query('COMMIT');
    await expect.poll(() => text).toContain('evt_gap2');
    await slow.query('COMMIT');
    await expect.poll(() => text).toContain('evt_gap1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await streams.close();
    await running;
    const frames = [...text.matchAll(/^id: (\d+)\nevent: (\S+)\ndata: (.*)$/gm)].map((m) => [
      Number(m[1]),
      JSON.parse(m[3]!).id,
    ]);
    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(low).toBeLessThan(high);
    expect(frames).toEqual([
      [high, 'evt_gap2'],
      [high, 'evt_gap1'],
    ]);
  });
});
