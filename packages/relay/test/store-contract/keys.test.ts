import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { allPages, apiKey, at, NUL, project } from './project-fixtures.js';

describe.each(backends)('keys ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    ({ store } = opened);
    await store.projects.create(
      project('prj_1', { name: 'One', development: true, allowedOrigins: ['https://a.example'] }),
    );
    await store.projects.create(project('prj_2'));
  });
  afterEach(() => opened.dispose());

  const idsOf = (items: Array<{ id: string }>) => items.map((k) => k.id);
  // Ids that sort differently by code point (SQLite) and by most locales' collations.
  const seed = async () => {
    await store.keys.create(apiKey('key_old', 'prj_1', { createdAt: at - 1000 }), 'hash_old');
    for (const id of ['key_a', 'key__', 'key_Z', 'key_B']) await store.keys.create(apiKey(id, 'prj_1'), `hash_${id}`);
    await store.keys.create(apiKey('key_other', 'prj_2'), 'hash_other');
  };

  it('finds a key by its hash, with its project, exactly as created', async () => {
    const key = apiKey('key_1', 'prj_1', {
      kind: 'public',
      prefix: 'pk_live_ab',
      name: 'Website',
      expiresAt: at + 86_400_000,
      rateLimit: { perHour: 100, perMinute: 10 },
    });
    await store.keys.create(key, 'hash_1');
    const found = await store.keys.findByHash('hash_1');
    expect(found).toEqual({ key, project: await store.projects.get('prj_1') });
    expect(found?.project).toMatchObject({ id: 'prj_1', name: 'One', development: true, createdAt: at });
    expect(await store.keys.findByHash('hash_none')).toBeNull();
    expect(await store.keys.get('prj_1', 'key_1')).toEqual(key);
  });

  it('gets a key of its project only, or of any project with no project named', async () => {
    await seed();
    expect((await store.keys.get('prj_1', 'key_a'))?.id).toBe('key_a');
    expect(await store.keys.get('prj_2', 'key_a')).toBeNull();
    expect((await store.keys.get(null, 'key_a'))?.projectId).toBe('prj_1');
    expect(await store.keys.get(null, 'key_none')).toBeNull();
  });

  it('lists a project’s keys oldest first and pages them newest first, ties by id in code point order', async () => {
    await seed();
    expect(idsOf(await store.keys.list('prj_1'))).toEqual(['key_old', 'key_B', 'key_Z', 'key__', 'key_a']);
    const every = await allPages((after) => store.keys.page('prj_1', { limit: 2, after }));
    expect(idsOf(every.items)).toEqual(['key_a', 'key__', 'key_Z', 'key_B', 'key_old']);
    expect(every.pages).toBe(3);
    const afterNul = await store.keys.page('prj_1', { limit: 10, after: { key: at, id: `key_Z${NUL}` } });
    expect(idsOf(afterNul.items)).toEqual(['key_Z', 'key_B', 'key_old']);
  });

  it('renames a key and sets or clears its own rate limit, leaving what the patch leaves out', async () => {
    await store.keys.create(apiKey('key_1', 'prj_1', { name: 'First', rateLimit: { perHour: 5 } }), 'hash_1');
    await store.keys.update('key_1', { name: 'Renamed' });
    expect(await store.keys.get('prj_1', 'key_1')).toMatchObject({ name: 'Renamed', rateLimit: { perHour: 5 } });
    await store.keys.update('key_1', { rateLimit: { perMinute: 3 } });
    expect(await store.keys.get('prj_1', 'key_1')).toMatchObject({ name: 'Renamed', rateLimit: { perMinute: 3 } });
    await store.keys.update('key_1', { name: null, rateLimit: null });
    expect(await store.keys.get('prj_1', 'key_1')).toMatchObject({ name: null, rateLimit: null });
  });

  it('retires a rotated key at the earlier of its expiry and the grace end, naming its successor', async () => {
    await store.keys.create(apiKey('key_open', 'prj_1'), 'hash_open');
    await store.keys.create(apiKey('key_soon', 'prj_1', { expiresAt: at + 10 }), 'hash_soon');
    await store.keys.retire('key_open', { expiresAt: at + 60_000, replacedBy: 'key_next' });
    await store.keys.retire('key_soon', { expiresAt: at + 60_000, replacedBy: 'key_next2' });
    expect(await store.keys.get('prj_1', 'key_open')).toMatchObject({ expiresAt: at + 60_000, replacedBy: 'key_next' });
    expect(await store.keys.get('prj_1', 'key_soon')).toMatchObject({ expiresAt: at + 10, replacedBy: 'key_next2' });
  });

  it('revokes a key once', async () => {
    await store.keys.create(apiKey('key_1', 'prj_1'), 'hash_1');
    expect(await store.keys.revoke('key_1', at + 5)).toBe(true);
    expect(await store.keys.revoke('key_1', at + 9)).toBe(false);
    expect(await store.keys.revoke('key_none', at + 9)).toBe(false);
    expect((await store.keys.findByHash('hash_1'))?.key.revokedAt).toBe(at + 5);
  });

  it('records last-used times in batches, never moving one back', async () => {
    await seed();
    await store.keys.touch(new Map());
    await store.keys.touch(
      new Map([
        ['key_a', at + 100],
        ['key_B', at + 50],
        ['key_none', at + 1],
      ]),
    );
    await store.keys.touch(
      new Map([
        ['key_a', at + 10],
        ['key_B', at + 70],
        ['key_Z', at + 30],
      ]),
    );
    const used = Object.fromEntries((await store.keys.list('prj_1')).map((k) => [k.id, k.lastUsedAt]));
    expect(used).toEqual({ key_old: null, key_a: at + 100, key_B: at + 70, key_Z: at + 30, key__: null });
  });

  it('loses no last-used time when batches overlap at once', async () => {
    await seed();
    const ids = ['key_a', 'key__', 'key_Z', 'key_B', 'key_old'];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.keys.touch(new Map((i % 2 ? ids : [...ids].reverse()).map((id) => [id, at + i]))),
      ),
    );
    expect((await store.keys.list('prj_1')).map((k) => k.lastUsedAt)).toEqual(ids.map(() => at + 7));
  });

  it('finds nothing by a value holding NUL, and writes nothing for one', async () => {
    await seed();
    expect(await store.keys.findByHash(`hash_key_a${NUL}`)).toBeNull();
    expect(await store.keys.list(`prj_1${NUL}`)).toEqual([]);
    expect((await store.keys.page(`prj_1${NUL}`, { limit: 5 })).items).toEqual([]);
    expect(await store.keys.get(`prj_1${NUL}`, 'key_a')).toBeNull();
    expect(await store.keys.get(null, `key_a${NUL}`)).toBeNull();
    expect(await store.keys.revoke(`key_a${NUL}`, at)).toBe(false);
    await store.keys.update(`key_a${NUL}`, { name: 'x' });
    await store.keys.retire(`key_a${NUL}`, { expiresAt: at, replacedBy: 'key_b' });
    await store.keys.touch(new Map([[`key_a${NUL}`, at + 5]]));
    expect(await store.keys.get('prj_1', 'key_a')).toMatchObject({ name: null, expiresAt: null, lastUsedAt: null });
  });

  it('stores a key name holding NUL as given (SQLite) or refuses it as bad input', async () => {
    const named = apiKey('key_nul', 'prj_1', { name: `a${NUL}b` });
    if (backend.name === 'sqlite') {
      await store.keys.create(named, 'hash_nul');
      expect((await store.keys.get('prj_1', 'key_nul'))?.name).toBe(`a${NUL}b`);
    } else {
      await expect(store.keys.create(named, 'hash_nul')).rejects.toMatchObject({
        code: 'validation_failed',
        field: 'name',
      });
      expect(await store.keys.get('prj_1', 'key_nul')).toBeNull();
    }
  });
});
