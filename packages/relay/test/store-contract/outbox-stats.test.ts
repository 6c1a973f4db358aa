import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types/index.js';
import { migrations as sqliteMigrations } from '../../src/store/sqlite/migrations/index.js';
import { migrations as postgresMigrations } from '../../src/store/postgres/migrations/index.js';
import { backends, type OpenedStore } from './backends.js';
import { at, message, project } from './fixtures.js';

const LEASE = 30_000;

describe.each(backends)('outbox stats and database facts ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const enqueue = (id: string, dueAt: number, lease?: { owner: string; until: number }) =>
    store.messages.enqueue({ message: message(id), dueAt, ...(lease && { lease }) });
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  it('counts an empty outbox as nothing, with no oldest due row', async () => {
    expect(await store.outbox.stats(at)).toStrictEqual({ due: 0, leased: 0, later: 0, oldestDueAt: null });
  });

  it('puts every row in one state: due, leased or later; the oldest due row waits from when it became claimable', async () => {
    await enqueue('msg_a', at);
    await enqueue('msg_b', at + 10);
    await enqueue('msg_later', at + 60_000);
    // A hand-off: stored already leased to the in-process worker.
    await enqueue('msg_handed', at, { owner: 'w0', until: at + LEASE });
    expect(await store.outbox.stats(at + 20)).toStrictEqual({ due: 2, leased: 1, later: 1, oldestDueAt: at });

    const [claimed] = await store.outbox.claim(at + 20, 1, LEASE, 'w1');
    expect(claimed?.messageId).toBe('msg_a');
    expect(await store.outbox.stats(at + 20)).toStrictEqual({ due: 1, leased: 2, later: 1, oldestDueAt: at + 10 });

    // Leases that ran out make their rows due again, from the moment they ran out.
    const afterLeases = at + 20 + LEASE;
    expect(await store.outbox.stats(afterLeases)).toStrictEqual({ due: 3, leased: 0, later: 1, oldestDueAt: at + 10 });
    await store.outbox.complete(claimed!, {
      attempt: {
        messageId: 'msg_a',
        channel: 'sms',
        connectorId: 'con_a',
        connectorType: 'console',
        providerMessageId: null,
        status: 'sent',
        errorCode: null,
        at: at + 30,
        latencyMs: 4.5,
      },
      status: 'sent',
      at: at + 30,
    });
    expect(await store.outbox.stats(at + 30)).toStrictEqual({ due: 1, leased: 1, later: 1, oldestDueAt: at + 10 });
    // The row that comes due last is `later` until its time.
    expect(await store.outbox.stats(at + 60_000)).toMatchObject({ later: 0, due: 3 });
    expect(await store.outbox.pending()).toBe(3);
  });

  it('names its backend, the server’s version and the schema version applied', async () => {
    const about = await store.about();
    const migrations = backend.name === 'sqlite' ? sqliteMigrations : postgresMigrations;
    expect(about).toStrictEqual({
      backend: backend.name,
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
      schemaVersion: migrations.length,
    });
  });
});
