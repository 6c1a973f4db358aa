import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { allPages, at, connector, NUL, project } from './project-fixtures.js';

describe.each(backends)('connectors ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    ({ store } = opened);
    await store.projects.create(project('prj_1'));
    await store.projects.create(project('prj_2'));
  });
  afterEach(() => opened.dispose());

  const idsOf = (items: Array<{ id: string }>) => items.map((c) => c.id);
  // Distinct (priority, creation) pairs: the lists promise no order among equal ones.
  const seed = async () => {
    await store.connectors.create(connector('con_old', 'prj_1', { priority: 10, createdAt: at - 1000 }));
    await store.connectors.create(connector('con_a', 'prj_1', { priority: 20, channels: ['sms', 'whatsapp'] }));
    await store.connectors.create(connector('con__', 'prj_1', { priority: 5, channels: ['email'], type: 'smtp' }));
    await store.connectors.create(connector('con_Z', 'prj_1', { priority: 10, createdAt: at + 5, enabled: false }));
    await store.connectors.create(connector('con_B', 'prj_1', { priority: 1, channels: ['whatsapp', 'sms'] }));
    await store.connectors.create(connector('con_other', 'prj_2'));
  };

  it('reads back a connector exactly as created, its update time its creation until changed', async () => {
    const full = connector('con_1', 'prj_1', {
      type: 'smtp',
      name: 'Mail ✓',
      channels: ['email'],
      config: { host: 'smtp.example.com', port: 587, tls: true, nested: { list: [1, 'two', null] } },
      sealedCredentials: null,
      priority: 7,
      enabled: false,
      createdAt: at + 3,
      updatedAt: at + 4,
    });
    await store.connectors.create(full);
    expect(await store.connectors.get('con_1')).toEqual(full);
    const { updatedAt: _, ...fresh } = connector('con_2', 'prj_1');
    await store.connectors.create(fresh);
    expect(await store.connectors.get('con_2')).toEqual({ ...fresh, updatedAt: fresh.createdAt });
    expect(await store.connectors.get('con_none')).toBeNull();
  });

  it('lists a project’s connectors by priority then creation, and pages them newest first', async () => {
    await seed();
    expect(idsOf(await store.connectors.list('prj_1'))).toEqual(['con_B', 'con__', 'con_old', 'con_Z', 'con_a']);
    const every = await allPages((after) => store.connectors.page('prj_1', { limit: 2, after }));
    // Ties on creation time by id, in code point order.
    expect(idsOf(every.items)).toEqual(['con_Z', 'con_a', 'con__', 'con_B', 'con_old']);
    expect(every.pages).toBe(3);
    const afterNul = await store.connectors.page('prj_1', { limit: 10, after: { key: at, id: `con_B${NUL}` } });
    expect(idsOf(afterNul.items)).toEqual(['con_B', 'con_old']);
  });

  it('finds the enabled connectors serving a channel, by priority', async () => {
    await seed();
    expect(idsOf(await store.connectors.forChannel('prj_1', 'sms'))).toEqual(['con_B', 'con_old', 'con_a']);
    expect(idsOf(await store.connectors.forChannel('prj_1', 'whatsapp'))).toEqual(['con_B', 'con_a']);
    expect(idsOf(await store.connectors.forChannel('prj_1', 'email'))).toEqual(['con__']);
    expect(await store.connectors.forChannel('prj_1', 'telegram')).toEqual([]);
  });

  it('updates a connector and answers the record after the change; null for none', async () => {
    await seed();
    const updated = await store.connectors.update(
      'con_a',
      {
        name: 'Renamed',
        channels: ['telegram'],
        config: { token: 'x' },
        sealedCredentials: null,
        priority: 3,
        enabled: false,
      },
      at + 77,
    );
    const expected = connector('con_a', 'prj_1', {
      name: 'Renamed',
      channels: ['telegram'],
      config: { token: 'x' },
      sealedCredentials: null,
      priority: 3,
      enabled: false,
      updatedAt: at + 77,
    });
    expect(updated).toEqual(expected);
    expect(await store.connectors.get('con_a')).toEqual(expected);
    expect(await store.connectors.update('con_none', { name: 'x' }, at)).toBeNull();
    expect(idsOf(await store.connectors.forChannel('prj_1', 'sms'))).toEqual(['con_B', 'con_old']);
  });

  it('applies concurrent updates of different fields without losing one', async () => {
    await seed();
    await Promise.all([
      store.connectors.update('con_a', { name: 'Renamed' }, at + 1),
      store.connectors.update('con_a', { priority: 2 }, at + 2),
      store.connectors.update('con_a', { enabled: false }, at + 3),
    ]);
    expect(await store.connectors.get('con_a')).toMatchObject({ name: 'Renamed', priority: 2, enabled: false });
  });

  it('removes a connector once', async () => {
    await seed();
    expect(await store.connectors.remove('con_a')).toBe(true);
    expect(await store.connectors.remove('con_a')).toBe(false);
    expect(await store.connectors.get('con_a')).toBeNull();
    expect(await store.connectors.list('prj_1')).toHaveLength(4);
  });

  it('finds nothing by a value holding NUL', async () => {
    await seed();
    expect(await store.connectors.get(`con_a${NUL}`)).toBeNull();
    expect(await store.connectors.list(`prj_1${NUL}`)).toEqual([]);
    expect((await store.connectors.page(`prj_1${NUL}`, { limit: 5 })).items).toEqual([]);
    expect(await store.connectors.forChannel(`prj_1${NUL}`, 'sms')).toEqual([]);
    expect(await store.connectors.update(`con_a${NUL}`, { name: 'x' }, at)).toBeNull();
    expect(await store.connectors.remove(`con_a${NUL}`)).toBe(false);
  });

  it('stores a name holding NUL as given (SQLite) or refuses it as bad input', async () => {
    await seed();
    const change = store.connectors.update('con_a', { name: `a${NUL}b` }, at + 1);
    if (backend.name === 'sqlite') {
      expect((await change)?.name).toBe(`a${NUL}b`);
    } else {
      await expect(change).rejects.toMatchObject({ code: 'validation_failed', field: 'name' });
      expect(await store.connectors.get('con_a')).toMatchObject({ name: 'Connector con_a', updatedAt: at });
    }
  });
});
