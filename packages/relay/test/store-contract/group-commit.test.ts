import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueInput, IdempotencyRecord, Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { at, attempt, countRows, message, project, storeTemplate } from './fixtures.js';

// Writes issued together share one transaction on SQLite (`sqlite/group-commit.ts`) and one
// statement on PostgreSQL (`postgres/batcher.ts`): what each caller gets must be what it would get
// alone.

const record = (idempotencyKey: string, requestHash: string): IdempotencyRecord => ({
  keyId: 'key_unit',
  idempotencyKey,
  requestHash,
  statusCode: 202,
  response: { id: `msg_for_${requestHash}` },
  createdAt: at,
});

const TEMPLATE = 'tpl_batch';
const LEASE = 30_000;

describe.each(backends)('writes issued together ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const count = (table: string) => countRows(opened.location, table);
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await storeTemplate(store, TEMPLATE, 'batch');
  });
  afterEach(() => opened?.dispose());

  it('stores each message once, one per idempotency key, and counts the template uses it stored', async () => {
    // A key already taken before the burst.
    await store.messages.enqueue({ message: message('msg_before'), dueAt: at, idempotency: record('taken', 'h0') });
    const inputs: EnqueueInput[] = [
      ...Array.from({ length: 20 }, (_, i) => ({
        message: message(`msg_plain_${i}`, { createdAt: at + i }),
        dueAt: at,
        templateId: TEMPLATE,
      })),
      // Five messages with one key: one is stored, the others get its record.
      ...Array.from({ length: 5 }, (_, i) => ({
        message: message(`msg_same_${i}`),
        dueAt: at,
        templateId: TEMPLATE,
        idempotency: record('same', `h-same-${i}`),
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        message: message(`msg_own_${i}`),
        dueAt: at,
        idempotency: record(`own-${i}`, `h-own-${i}`),
        lease: { owner: 'me', until: at + LEASE },
      })),
      { message: message('msg_repeat'), dueAt: at, idempotency: record('taken', 'h-repeat') },
    ];
    const results = await Promise.all(inputs.map((input) => store.messages.enqueue(input)));

    expect(results.slice(0, 20).every((r) => r.ok)).toBe(true);
    const same = results.slice(20, 25);
    const winners = same.flatMap((r, i) => (r.ok ? [i] : []));
    expect(winners).toHaveLength(1);
    const winner = inputs[20 + winners[0]!]!.idempotency;
    for (const r of same) if (!r.ok) expect(r.existing).toStrictEqual(winner);
    expect(results.slice(25, 28)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(results[28]).toStrictEqual({ ok: false, existing: record('taken', 'h0') });

    // 1 before + 20 plain + 1 of the same key + 3 with their own keys.
    expect([await count('messages'), await count('outbox'), await count('idempotency')]).toEqual([25, 25, 5]);
    expect(await store.messages.get('msg_repeat')).toBeNull();
    expect((await store.messages.get('msg_own_1'))?.leaseUntil).toBe(at + LEASE);
    expect(await store.templates.stats(TEMPLATE)).toEqual({ usageCount: 21, lastUsedAt: at + 19 });
  });

  it('refuses a message that cannot be stored without failing the ones written with it', async () => {
    const good = Array.from({ length: 10 }, (_, i) => message(`msg_good_${i}`));
    const orphan = message('msg_orphan', { projectId: 'prj_missing' });
    const results = await Promise.allSettled(
      [...good.slice(0, 5), orphan, ...good.slice(5)].map((m) => store.messages.enqueue({ message: m, dueAt: at })),
    );
    expect(results.map((r) => r.status)).toEqual([
      ...Array(5).fill('fulfilled'),
      'rejected',
      ...Array(5).fill('fulfilled'),
    ]);
    expect(await count('messages')).toBe(10);
    expect(await store.messages.get('msg_orphan')).toBeNull();
  });

  it('records deliveries finished together, each under its own lease', async () => {
    for (let i = 0; i < 12; i++) {
      await store.messages.enqueue({ message: message(`msg_${i}`, { sensitive: i % 3 === 0 }), dueAt: at });
    }
    const jobs = await store.outbox.claim(at, 12, LEASE, 'w1');
    expect(jobs).toHaveLength(12);
    // msg_11's lease ran out and another worker took it: w1's late record must change nothing.
    const [stale, ...live] = [
      jobs.find((j) => j.messageId === 'msg_11')!,
      ...jobs.filter((j) => j.messageId !== 'msg_11'),
    ];
    await store.outbox.release([stale]);
    const [takenOver] = await store.outbox.claim(at + 1, 1, LEASE, 'w2');
    expect(takenOver?.messageId).toBe('msg_11');

    await Promise.all(
      [stale, ...live].map((job, i) =>
        store.outbox.complete(job, {
          attempt: attempt(job.messageId, { providerMessageId: `SM${i}`, at: at + 100 + i }),
          status: 'sent',
          at: at + 100 + i,
        }),
      ),
    );
    expect(await store.outbox.pending()).toBe(1);
    for (const [i, job] of live.entries()) {
      const m = await store.messages.get(job.messageId);
      expect(m).toMatchObject({ status: 'sent', providerMessageId: `SM${i + 1}`, sentAt: at + 101 + i });
      expect(m?.body).toBe(job.message.sensitive ? '[redacted]' : 'hello');
      expect(await store.messages.attempts(job.messageId)).toHaveLength(1);
    }
    expect(await store.messages.get('msg_11')).toMatchObject({ status: 'queued', providerMessageId: null });
    expect(await store.messages.attempts('msg_11')).toEqual([]);
  });
});
