import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withReadCache } from '../../src/store/read-cache.js';
import {
  defaultLimits,
  defaultNumberTypes,
  type Message,
  type Project,
  type Store,
} from '../../src/store/types/index.js';
import { count as countRows, type StoreLocation } from '../helpers/store-snapshot.js';
import { backends, type OpenedStore } from './backends.js';

const at = 1_700_000_000_000;
const project: Project = {
  id: 'prj_unit',
  name: 'Unit',
  accountId: null,
  allowedOrigins: [],
  allowedCountries: ['MA'],
  defaultCountry: null,
  limits: { ...defaultLimits },
  prices: null,
  fallbacks: {},
  allowedNumberTypes: [...defaultNumberTypes],
  development: false,
  createdAt: at,
};
const message = (id: string): Message => ({
  id,
  projectId: project.id,
  keyId: 'key_unit',
  channel: 'sms',
  to: '+212612345678',
  country: 'MA',
  operator: null,
  template: null,
  subject: null,
  body: 'hello',
  html: null,
  status: 'queued',
  segments: 1,
  encoding: 'GSM-7',
  costEur: null,
  costMad: null,
  cascade: [],
  providerMessageId: null,
  connectorId: null,
  errorCode: null,
  errorMessage: null,
  createdAt: at,
  updatedAt: at,
  scheduledAt: null,
  sentAt: null,
  deliveredAt: null,
});

describe.each(backends)('store.transaction ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  let location: StoreLocation;
  const count = (table: string) => countRows(location, table);
  const counts = (...tables: string[]) => Promise.all(tables.map(count));
  beforeEach(async () => {
    opened = await backend.open();
    ({ store, location } = opened);
    await store.projects.create(project);
  });
  afterEach(() => opened.dispose());

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

  it('runs concurrent units one after the other', async () => {
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

  it('fails, and keeps nothing of, a unit that awaits something other than its repositories', async () => {
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
  });

  it('makes the read cache forget what a unit may have changed', async () => {
    const cached = withReadCache(store, { ttlMs: 60_000, now: () => at });
    expect(await cached.optOuts.has(project.id, '+212600000000')).toBe(false);
    await cached.transaction((tx) => tx.optOuts.add(project.id, '+212600000000', at));
    expect(await cached.optOuts.has(project.id, '+212600000000')).toBe(true);
  });
});
