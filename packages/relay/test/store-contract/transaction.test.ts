import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withReadCache } from '../../src/store/read-cache.js';
import type { Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { at, countRows, message, project } from './fixtures.js';

describe.each(backends)('store.transaction ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const count = (table: string) => countRows(opened.location, table);
  const counts = (...tables: string[]) => Promise.all(tables.map(count));
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  it('commits every write of the unit together and returns its value', async () => {
    const value = await store.transaction(async (tx) => {
      await tx.messages.enqueue({ message: message('msg_1'), dueAt: at });
      await tx.optOuts.add(project.id, '+212600000000', at);
      await tx.audit.record({ projectId: project.id, actor: 'test', action: 'unit', at });
      return tx.outbox.pending();
    });
    expect(value).toBe(1);
    expect(await counts('messages', 'outbox', 'opt_outs', 'audit')).toEqual([1, 1, 1, 1]);
  });

  it('writes nothing when the unit throws, and rethrows', async () => {
    const failure = new Error('changed my mind');
    await expect(
      store.transaction(async (tx) => {
        await tx.messages.enqueue({ message: message('msg_1'), dueAt: at });
        await tx.audit.record({ projectId: project.id, actor: 'test', action: 'unit', at });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await counts('messages', 'outbox', 'audit')).toEqual([0, 0, 0]);
    // The connection is usable afterwards, in and out of units.
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at });
    await store.transaction((tx) => tx.audit.record({ projectId: project.id, actor: 'test', action: 'after', at }));
    expect(await counts('messages', 'audit')).toEqual([1, 1]);
  });

  it('reads its own writes inside the unit', async () => {
    const seen = await store.transaction(async (tx) => {
      await tx.messages.enqueue({ message: message('msg_1'), dueAt: at });
      return (await tx.messages.get('msg_1'))?.status;
    });
    expect(seen).toBe('queued');
  });

  // SQLite has one connection: a unit holds it, so units run one after the other, and the store
  // fails a unit that awaits anything but its repositories (it would hold everyone's writes).
  it.runIf(backend.name === 'sqlite')('runs concurrent units one after the other', async () => {
    const order: string[] = [];
    const unit = (name: string) =>
      store.transaction(async (tx) => {
        order.push(`${name} begins`);
        await tx.audit.record({ projectId: project.id, actor: name, action: 'unit', at });
        await tx.optOuts.has(project.id, name);
        order.push(`${name} ends`);
      });
    await Promise.all([unit('a'), unit('b'), store.messages.enqueue({ message: message('msg_1'), dueAt: at })]);
    expect(order).toEqual(['a begins', 'a ends', 'b begins', 'b ends']);
    expect(await counts('audit', 'messages')).toEqual([2, 1]);
  });

  it.runIf(backend.name === 'sqlite')(
    'fails, and keeps nothing of, a unit that awaits something other than its repositories',
    async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.audit.record({ projectId: project.id, actor: 'test', action: 'before the timer', at });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }),
      ).rejects.toThrow(/awaited something other than its repositories/);
      expect(await count('audit')).toBe(0);
      // Writes from outside made while it was (wrongly) open are not lost with it.
      await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
      expect(await count('messages')).toBe(1);
    },
  );

  // PostgreSQL gives each unit a pooled connection of its own: units run at the same time, and
  // one that stays open (awaiting something else) holds only its connection and the rows it wrote.
  it.runIf(backend.name === 'postgres')('runs concurrent units at once, each on its own connection', async () => {
    const order: string[] = [];
    let aWrote!: () => void;
    const aOpen = new Promise<void>((resolve) => (aWrote = resolve));
    // Another unit and a send, begun while unit a is open, commit before it ends.
    const others = aOpen.then(() =>
      Promise.all([
        store
          .transaction((tx) => tx.optOuts.add(project.id, '+212600000000', at))
          .then(() => order.push('b committed')),
        store.messages.enqueue({ message: message('msg_1'), dueAt: at }).then(() => order.push('send committed')),
      ]),
    );
    await store.transaction(async (tx) => {
      await tx.audit.record({ projectId: project.id, actor: 'a', action: 'unit', at });
      order.push('a wrote');
      aWrote();
      await others;
      // READ COMMITTED: each statement of a sees what committed before it.
      expect(await tx.optOuts.has(project.id, '+212600000000')).toBe(true);
      order.push('a ends');
    });
    expect(order[0]).toBe('a wrote');
    expect(order.slice(1, 3).sort()).toEqual(['b committed', 'send committed']);
    expect(order[3]).toBe('a ends');
    expect(await counts('audit', 'opt_outs', 'messages')).toEqual([1, 1, 1]);
  });

  it('makes the read cache forget what a unit may have changed', async () => {
    const cached = withReadCache(store, { ttlMs: 60_000, now: () => at });
    expect(await cached.optOuts.has(project.id, '+212600000000')).toBe(false);
    await cached.transaction((tx) => tx.optOuts.add(project.id, '+212600000000', at));
    expect(await cached.optOuts.has(project.id, '+212600000000')).toBe(true);
  });
});
