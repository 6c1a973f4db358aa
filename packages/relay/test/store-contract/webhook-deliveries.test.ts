import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  Project,
  Store,
  WebhookEndpointRecord,
} from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { projectRecord } from '../helpers/store-records.js';
import { message } from './fixtures.js';

const at = 1_700_000_000_000;
const project: Project = projectRecord('prj_hooks', { name: 'Hooks' });

const endpoint = (id: string, events: string[] = ['*']): WebhookEndpointRecord => ({
  id,
  projectId: project.id,
  url: `https://example.com/${id}`,
  description: '',
  events,
  active: true,
  secretSealed: `sealed-${id}`,
  previousSecretSealed: null,
  previousSecretUntil: null,
  disabledReason: null,
  failingSince: null,
  lastSuccessAt: null,
  lastFailureAt: null,
  createdAt: at,
  updatedAt: at,
});

const outcome = (
  delivery: ClaimedDelivery,
  status: DeliveryOutcome['status'],
  statusCode: number | null,
  extra: Partial<DeliveryOutcome> = {},
): DeliveryOutcome => ({
  delivery,
  attempt: { at: at + 10, statusCode, latencyMs: 12, response: 'ok', error: null },
  status,
  dueAt: status === 'pending' ? at + 5000 : null,
  ...extra,
});

describe.each(backends)('webhook deliveries ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await store.webhooks.createEndpoint(endpoint('whe_all'));
    await store.webhooks.createEndpoint(endpoint('whe_tests', ['webhook.test']));
  });
  afterEach(() => opened.dispose());

  const test = (endpointId?: string) =>
    store.webhooks.recordEvent({
      projectId: project.id,
      type: 'webhook.test',
      at,
      data: '{"n":1}',
      ...(endpointId && { endpointId }),
    });

  it('fans an event out to the endpoints subscribed to its type, or to the one it names', async () => {
    await test();
    expect(await store.webhooks.pending()).toBe(2);
    await store.webhooks.recordEvent({ projectId: project.id, type: 'opt_out.added', at, data: '{}' });
    expect(await store.webhooks.pending()).toBe(3);
    await test('whe_tests');
    expect(await store.webhooks.pending()).toBe(4);
    const claimed = await store.webhooks.claim(at, 10, 60_000, 'w1');
    expect(claimed.map((c) => [c.endpoint?.id, c.event.type]).sort()).toEqual(
      [
        ['whe_all', 'opt_out.added'],
        ['whe_all', 'webhook.test'],
        ['whe_tests', 'webhook.test'],
        ['whe_tests', 'webhook.test'],
      ].sort(),
    );
    expect(claimed[0]).toMatchObject({ owner: 'w1', attempts: 0, projectId: project.id });
    expect(claimed[0]!.endpoint).toMatchObject({ secretSealed: expect.stringMatching(/^sealed-/), active: true });
  });

  it('leases what it claims: another worker gets nothing until the lease runs out or is given back', async () => {
    await test();
    const first = await store.webhooks.claim(at, 10, 60_000, 'w1');
    expect(first).toHaveLength(2);
    expect(await store.webhooks.claim(at + 1000, 10, 60_000, 'w2')).toEqual([]);
    await store.webhooks.release([first[0]!]);
    expect((await store.webhooks.claim(at + 1000, 10, 60_000, 'w2')).map((c) => c.id)).toEqual([first[0]!.id]);
    // The other one's lease runs out (its worker died): claimable again.
    expect((await store.webhooks.claim(at + 60_001, 10, 60_000, 'w3')).map((c) => c.id)).toEqual([first[1]!.id]);
  });

  it('records attempts; a worker whose lease was taken over changes nothing but the attempt log', async () => {
    await test('whe_all');
    const [mine] = await store.webhooks.claim(at, 10, 1000, 'w1');
    const [theirs] = await store.webhooks.claim(at + 2000, 10, 60_000, 'w2');
    expect(theirs!.id).toBe(mine!.id);
    await store.webhooks.record([outcome(mine!, 'delivered', 200)], at + 2100, 0);
    expect(await store.webhooks.pending()).toBe(1);
    await store.webhooks.record([outcome(theirs!, 'pending', 500)], at + 2200, 0);
    const page = await store.webhooks.pageDeliveries(project.id, 'whe_all', {}, { limit: 10 });
    expect(page.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, dueAt: at + 5000 });
    const detail = await store.webhooks.getDelivery(project.id, 'whe_all', mine!.id);
    expect(detail!.attempts.map((a) => a.statusCode)).toEqual([200, 500]);
    // Due again at its time, not before.
    expect(await store.webhooks.claim(at + 4999, 10, 60_000, 'w3')).toEqual([]);
    expect(await store.webhooks.claim(at + 5000, 10, 60_000, 'w3')).toHaveLength(1);
  });

  it('turns an endpoint off on 410, or once it has failed since before the cut-off, failing its pending deliveries', async () => {
    await test('whe_all');
    await test('whe_all');
    const [one, two] = await store.webhooks.claim(at, 10, 60_000, 'w1');
    const disabled = await store.webhooks.record([outcome(one!, 'failed', 410, { gone: true })], at + 100, 0);
    expect(disabled).toEqual([{ projectId: project.id, endpointId: 'whe_all', reason: 'gone' }]);
    expect(await store.webhooks.getEndpoint(project.id, 'whe_all')).toMatchObject({
      active: false,
      disabledReason: 'gone',
    });
    const failed = await store.webhooks.pageDeliveries(project.id, 'whe_all', { status: 'failed' }, { limit: 10 });
    expect(failed.items.map((d) => d.lastError).sort()).toEqual(['endpoint_disabled', null].sort());
    expect(two).toBeDefined();

    // Failing: the first failure starts the streak, a later one past the cut-off ends it.
    await test('whe_tests');
    const [a] = await store.webhooks.claim(at, 10, 60_000, 'w1');
    expect(await store.webhooks.record([outcome(a!, 'pending', 503)], at + 100, at - 1)).toEqual([]);
    expect((await store.webhooks.getEndpoint(project.id, 'whe_tests'))!.failingSince).toBe(at + 10);
    const [b] = await store.webhooks.claim(at + 5000, 10, 60_000, 'w1');
    expect(await store.webhooks.record([outcome(b!, 'pending', 503)], at + 6000, at + 10)).toEqual([
      { projectId: project.id, endpointId: 'whe_tests', reason: 'failing' },
    ]);
  });

  it('a success ends the failing streak; replays send failed deliveries, or one event, again', async () => {
    const eventId = await test('whe_all');
    const [d] = await store.webhooks.claim(at, 10, 60_000, 'w1');
    await store.webhooks.record([outcome(d!, 'failed', 500)], at + 100, 0);
    expect((await store.webhooks.getEndpoint(project.id, 'whe_all'))!.failingSince).toBe(at + 10);
    expect(await store.webhooks.replayFailed(project.id, 'whe_all', at - 1, at + 200)).toBe(1);
    const [again] = await store.webhooks.claim(at + 200, 10, 60_000, 'w1');
    expect(again!.attempts).toBe(0);
    await store.webhooks.record([outcome(again!, 'delivered', 204)], at + 300, 0);
    expect(await store.webhooks.getEndpoint(project.id, 'whe_all')).toMatchObject({
      failingSince: null,
      lastSuccessAt: at + 10,
    });
    expect(await store.webhooks.replayEvent(project.id, 'whe_all', eventId, at + 400)).toBe(true);
    expect(await store.webhooks.pending()).toBe(1);
    expect(await store.webhooks.replayEvent(project.id, 'whe_all', 'evt_none', at + 400)).toBe(false);
    expect(await store.webhooks.replayEvent('prj_other', 'whe_all', eventId, at + 400)).toBe(false);
    const stats = await store.webhooks.endpointStats(project.id, 'whe_all', 0);
    expect(stats).toMatchObject({
      attempts: 2,
      successfulAttempts: 1,
      deliveries: { pending: 1, delivered: 0, failed: 0 },
    });
  });

  it('keeps an event still to be delivered past its age, and removes the others with their deliveries', async () => {
    await test('whe_all');
    const [done] = await store.webhooks.claim(at, 10, 60_000, 'w1');
    await store.webhooks.record([outcome(done!, 'delivered', 200)], at + 100, 0);
    await test('whe_all');
    const step = await store.retention.deleteOld('events', { before: at + 1, from: 0, limit: 100 });
    expect(step.rows).toBe(1);
    expect(await store.webhooks.pageDeliveries(project.id, 'whe_all', { status: 'delivered' }, { limit: 10 })).toEqual({
      items: [],
      next: null,
    });
    expect(await store.webhooks.pending()).toBe(1);
  });
});

describe.each(backends.filter((b) => b.name === 'postgres'))('webhook wake-ups ($name)', (backend) => {
  it('sends NOTIFY messagejs_webhooks only for a write that recorded an event', async () => {
    const opened = await backend.open();
    const { store } = opened;
    const listener = new pg.Client({ connectionString: opened.location.databaseUrl });
    try {
      await store.projects.create(project);
      await listener.connect();
      let notified = 0;
      listener.on('notification', (n) => {
        if (n.channel === 'messagejs_webhooks') notified++;
      });
      await listener.query('LISTEN messagejs_webhooks');
      // Nobody listens to the project: the message's write records no event, and wakes nobody.
      await store.messages.enqueue({
        message: message('msg_quiet', { projectId: project.id, createdAt: at }),
        dueAt: at,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notified).toBe(0);
      await store.webhooks.createEndpoint(endpoint('whe_all'));
      await store.messages.enqueue({
        message: message('msg_heard', { projectId: project.id, createdAt: at }),
        dueAt: at,
      });
      await expect.poll(() => notified).toBe(1);
    } finally {
      await listener.end();
      await opened.dispose();
    }
  });
});
