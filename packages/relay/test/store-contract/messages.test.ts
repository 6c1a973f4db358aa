import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueInput, IdempotencyRecord, Message, Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { at, attempt, countRows, message, project, storeTemplate, stored } from './fixtures.js';

const record = (idempotencyKey: string, requestHash: string): IdempotencyRecord => ({
  keyId: 'key_unit',
  idempotencyKey,
  requestHash,
  statusCode: 202,
  response: { id: `msg_for_${requestHash}`, status: 'queued', nested: { list: [1, 'two', null] } },
  createdAt: at,
});

/** A message with every optional column set, and values a backend could round badly. */
const rich: Message = message('msg_rich', {
  channel: 'whatsapp',
  operator: 'IAM',
  template: 'welcome',
  templateVersion: 3,
  subject: 'Subject',
  body: 'Hello ☀️ — ünïcode',
  html: '<p>Hello</p>',
  segments: 2,
  encoding: 'UCS-2',
  costEur: 0.0123456789,
  costMad: 0.1 + 0.2,
  cascade: ['whatsapp', 'sms'],
  sensitive: true,
  fallbackAfterMs: 90_000,
  scheduledAt: at + 60_000,
  status: 'scheduled',
  priority: 'high',
  expireAt: at + 3_600_000,
  category: 'marketing',
  reference: 'order-☀️-1',
  metadata: { orderId: 'A-1', attempt: 2, vip: true, note: null, ratio: 0.1 + 0.2 },
  sender: 'ACME',
  flash: true,
  createdAt: 1_767_225_600_123,
  updatedAt: 1_767_225_600_456,
});

describe.each(backends)('messages ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const count = (table: string) => countRows(opened.location, table);
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  it('stores a message with its outbox row, and reads it back as given', async () => {
    expect(await store.messages.enqueue({ message: message('msg_1'), dueAt: at })).toEqual({ ok: true });
    expect(await store.messages.get('msg_1')).toStrictEqual(stored(message('msg_1')));
    expect(await store.messages.enqueue({ message: rich, dueAt: at + 60_000 })).toEqual({ ok: true });
    expect(await store.messages.get('msg_rich')).toStrictEqual(stored(rich));
    expect([await store.outbox.pending(), await store.outbox.nextDue()]).toEqual([2, at]);
    expect(await store.messages.get('msg_unknown')).toBeNull();
  });

  it('writes the outbox row leased to the in-process worker when given a lease', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at, lease: { owner: 'me', until: at + 30_000 } });
    expect((await store.messages.get('msg_1'))?.leaseUntil).toBe(at + 30_000);
    expect(await store.outbox.claim(at + 1000, 10, 30_000, 'other')).toEqual([]);
    const [job] = await store.outbox.claim(at + 30_000, 10, 30_000, 'other');
    expect(job).toMatchObject({ messageId: 'msg_1', attempts: 2, owner: 'other' });
  });

  it('writes nothing and returns the stored record when the idempotency key is taken', async () => {
    const first = record('idem-1', 'hash-a');
    expect(await store.messages.enqueue({ message: message('msg_1'), dueAt: at, idempotency: first })).toEqual({
      ok: true,
    });
    const again = await store.messages.enqueue({
      message: message('msg_2'),
      dueAt: at,
      idempotency: record('idem-1', 'hash-b'),
    });
    expect(again).toStrictEqual({ ok: false, existing: first });
    expect(await store.messages.get('msg_2')).toBeNull();
    expect([await count('messages'), await count('outbox'), await count('idempotency')]).toEqual([1, 1, 1]);
    expect(await store.idempotency.get('key_unit', 'idem-1')).toStrictEqual(first);
    expect(await store.idempotency.get('key_other', 'idem-1')).toBeNull();
  });

  it('stores one message when enqueues with the same idempotency key run at the same moment', async () => {
    const inputs: EnqueueInput[] = Array.from({ length: 6 }, (_, i) => ({
      message: message(`msg_${i}`),
      dueAt: at,
      idempotency: record('idem-race', `hash-${i}`),
    }));
    const results = await Promise.all(inputs.map((input) => store.messages.enqueue(input)));
    const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
    expect(winners).toHaveLength(1);
    const winner = inputs[winners[0]!]!.idempotency;
    for (const r of results) if (!r.ok) expect(r.existing).toStrictEqual(winner);
    expect([await count('messages'), await count('outbox'), await count('idempotency')]).toEqual([1, 1, 1]);
  });

  it('counts the use of the template a message was rendered from, with the message', async () => {
    const templateId = 'tpl_1';
    await storeTemplate(store, templateId, 'welcome');
    const idempotency = record('idem-t', 'hash-t');
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at, templateId, idempotency });
    await store.messages.enqueue({ message: message('msg_2', { createdAt: at + 5 }), dueAt: at, templateId });
    // A repeat that stores nothing counts nothing.
    await store.messages.enqueue({
      message: message('msg_3', { createdAt: at + 9 }),
      dueAt: at,
      templateId,
      idempotency,
    });
    expect(await store.templates.stats(templateId)).toEqual({ usageCount: 2, lastUsedAt: at + 5 });
  });

  it('counts messages, in all or in one project', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at });
    expect([
      await store.messages.count(),
      await store.messages.count(project.id),
      await store.messages.count('prj_x'),
    ]).toEqual([2, 2, 0]);
  });

  it('applies provider statuses forward only', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
    const apply = (status: Message['status'], when: number, errorCode: string | null = null) =>
      store.status.applyProviderStatus({ messageId: 'msg_1', status, errorCode, at: when });
    expect(await apply('sent', at + 1)).toBe(true);
    expect(await apply('delivered', at + 2)).toBe(true);
    expect(await apply('sent', at + 3)).toBe(false);
    expect(await apply('failed', at + 4, '30003')).toBe(false);
    expect(await apply('read', at + 5)).toBe(true);
    expect(await store.status.applyProviderStatus({ messageId: 'msg_x', status: 'read', errorCode: null, at })).toBe(
      false,
    );
    expect(await store.messages.get('msg_1')).toMatchObject({
      status: 'read',
      updatedAt: at + 5,
      deliveredAt: at + 2,
      errorCode: null,
    });
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at });
    await store.status.applyProviderStatus({ messageId: 'msg_2', status: 'undelivered', errorCode: '30005', at });
    expect(await store.messages.get('msg_2')).toMatchObject({
      status: 'undelivered',
      errorCode: '30005',
      deliveredAt: null,
    });
  });

  it('finds a message by its provider id, also by an earlier one after a failover', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
    const [first] = await store.outbox.claim(at, 1, 30_000, 'w');
    await store.outbox.complete(first!, {
      attempt: attempt('msg_1'),
      status: 'sent',
      at: at + 1000,
      fallbackAt: at + 5000,
    });
    expect((await store.messages.getByProviderId('con_a', 'SM1'))?.id).toBe('msg_1');
    expect(await store.messages.getByProviderId('con_b', 'SM1')).toBeNull();
    const [check] = await store.outbox.claim(at + 5000, 1, 30_000, 'w');
    const next = attempt('msg_1', {
      channel: 'whatsapp',
      connectorId: 'con_b',
      providerMessageId: 'wamid.2',
      at: at + 6000,
    });
    await store.outbox.complete(check!, { attempt: next, status: 'sent', at: at + 6000 });
    expect((await store.messages.getByProviderId('con_b', 'wamid.2'))?.id).toBe('msg_1');
    expect((await store.messages.getByProviderId('con_a', 'SM1'))?.id).toBe('msg_1');
    expect(await store.messages.attempts('msg_1')).toStrictEqual([attempt('msg_1'), next]);
  });

  it('finds nothing for ids holding U+0000 (a forged provider callback)', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at, idempotency: record('idem', 'a') });
    expect(await store.messages.get('msg_1\u0000')).toBeNull();
    expect(await store.messages.getByProviderId('con_a', 'SM\u0000')).toBeNull();
    expect(await store.messages.attempts('msg_1\u0000')).toEqual([]);
    expect(await store.idempotency.get('key_unit', 'idem\u0000')).toBeNull();
    expect(
      await store.status.applyProviderStatus({ messageId: 'msg\u0000', status: 'read', errorCode: null, at }),
    ).toBe(false);
  });

  it('purges idempotency records older than a time', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at, idempotency: record('old', 'a') });
    const recent = { ...record('new', 'b'), createdAt: at + 10 };
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at, idempotency: recent });
    expect(await store.idempotency.purge(at + 5)).toBe(1);
    expect(await store.idempotency.get('key_unit', 'old')).toBeNull();
    expect(await store.idempotency.get('key_unit', 'new')).toStrictEqual(recent);
  });
});

describe('messages, read back from every backend', () => {
  it.runIf(backends.length > 1)('are the same values: timestamps, JSON, costs, nulls', async () => {
    const seen = [];
    for (const backend of backends) {
      const { store, dispose } = await backend.open();
      try {
        await store.projects.create(project);
        await store.messages.enqueue({ message: rich, dueAt: at, idempotency: record('idem-1', 'hash-a') });
        await store.messages.enqueue({ message: message('msg_plain'), dueAt: at + 1 });
        const [job] = await store.outbox.claim(at, 1, 30_000, 'w');
        await store.outbox.complete(job!, { attempt: attempt(rich.id), status: 'delivered', at: at + 2000 });
        seen.push({
          rich: await store.messages.get(rich.id),
          plain: await store.messages.get('msg_plain'),
          claimed: job!.message,
          attempts: await store.messages.attempts(rich.id),
          idempotency: await store.idempotency.get('key_unit', 'idem-1'),
        });
      } finally {
        await dispose();
      }
    }
    for (const other of seen.slice(1)) expect(other).toStrictEqual(seen[0]);
    const { leaseUntil: _, ...asEnqueued } = stored(rich);
    expect(seen[0]!.claimed).toStrictEqual(asEnqueued);
    expect(seen[0]!.rich).toMatchObject({
      status: 'delivered',
      body: '[redacted]',
      deliveredAt: at + 2000,
      leaseUntil: null,
    });
  });
});

const postgres = backends.find((b) => b.name === 'postgres');

describe.runIf(postgres)('messages on PostgreSQL only', () => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await postgres!.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  /**
   * A unit of work that stores `msg_1` under the key `idem` and stays open (uncommitted) until
   * `end` is called; PostgreSQL lets a unit await other things, holding its connection.
   */
  async function openUnit(outcome: 'commit' | 'rollback') {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const unit = store.transaction(async (tx) => {
      await tx.messages.enqueue({ message: message('msg_1'), dueAt: at, idempotency: record('idem', 'first') });
      wrote();
      await ended;
      if (outcome === 'rollback') throw new Error('rolled back');
    });
    await written;
    return { end, unit: unit.catch(() => {}) };
  }

  it('refuses a message whose text holds U+0000 (PostgreSQL text cannot) as bad input, writing nothing', async () => {
    const refused = store.messages.enqueue({ message: message('msg_1', { body: 'a\u0000b' }), dueAt: at });
    await expect(refused).rejects.toMatchObject({ name: 'AppError', code: 'validation_failed' });
    expect(await store.messages.count()).toBe(0);
  });

  it('keeps what a provider said when it holds U+0000, with U+FFFD in its place', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
    const job = (await store.outbox.claim(at, 1, 30_000, 'w'))[0]!;
    const failed = attempt('msg_1', { status: 'failed', errorCode: 'E\u00001', providerMessageId: 'SM\u0000' });
    await store.outbox.retry(job, { attempt: failed, dueAt: at, errorCode: 'E\u00001', errorMessage: 'bad\u0000', at });
    expect(await store.messages.get('msg_1')).toMatchObject({ errorCode: 'E\ufffd1', errorMessage: 'bad\ufffd' });
    expect(await store.messages.attempts('msg_1')).toMatchObject([
      { errorCode: 'E\ufffd1', providerMessageId: 'SM\ufffd' },
    ]);
    await store.status.applyProviderStatus({ messageId: 'msg_1', status: 'failed', errorCode: '\u0000', at });
    expect((await store.messages.get('msg_1'))?.errorCode).toBe('\ufffd');
  });

  const stillWaiting = (answer: Promise<unknown>) =>
    Promise.race([answer.then(() => 'answered'), new Promise((resolve) => setTimeout(resolve, 300, 'waiting'))]);

  it('waits for the other uncommitted record of the key, then returns it and writes nothing', async () => {
    const other = await openUnit('commit');
    const mine = store.messages.enqueue({
      message: message('msg_2'),
      dueAt: at,
      idempotency: record('idem', 'second'),
    });
    expect(await stillWaiting(mine)).toBe('waiting');
    other.end();
    await other.unit;
    expect(await mine).toStrictEqual({ ok: false, existing: record('idem', 'first') });
    expect(await store.messages.get('msg_2')).toBeNull();
    expect(await store.messages.count()).toBe(1);
  });

  it('stores its message when the other record of the key is rolled back', async () => {
    const other = await openUnit('rollback');
    const mine = store.messages.enqueue({
      message: message('msg_2'),
      dueAt: at,
      idempotency: record('idem', 'second'),
    });
    expect(await stillWaiting(mine)).toBe('waiting');
    other.end();
    await other.unit;
    expect(await mine).toEqual({ ok: true });
    expect(await store.idempotency.get('key_unit', 'idem')).toStrictEqual(record('idem', 'second'));
    expect([await store.messages.get('msg_1'), (await store.messages.get('msg_2'))?.id]).toEqual([null, 'msg_2']);
  });
});
