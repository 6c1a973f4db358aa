import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PageRequest, Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { allPages, apiKey, at, connector, message, NUL, project, template, version } from './project-fixtures.js';

describe.each(backends)('projects ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    ({ store } = opened);
    await store.accounts.create({ id: 'acc_1', name: 'One', createdAt: at, updatedAt: at });
    await store.accounts.create({ id: 'acc_2', name: 'Two', createdAt: at, updatedAt: at });
  });
  afterEach(() => opened.dispose());

  // Ids that sort differently by code point (SQLite) and by most locales' collations.
  const ids = ['prj_a', 'prj__', 'prj_Z', 'prj_B'];
  const seed = async () => {
    await store.projects.create(project('prj_old', { accountId: 'acc_1', createdAt: at - 1000 }));
    for (const id of ids) await store.projects.create(project(id, { accountId: id === 'prj_B' ? 'acc_2' : 'acc_1' }));
  };
  const idsOf = (items: Array<{ id: string }>) => items.map((p) => p.id);

  it('createFirst creates a project only in an empty store, one of several offered at the same moment', async () => {
    const offered = ['prj_1', 'prj_2', 'prj_3', 'prj_4'];
    const created = await Promise.all(
      offered.map((id) => store.projects.createFirst(project(id, { accountId: 'acc_1' }))),
    );
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(idsOf(await store.projects.list())).toEqual([offered[created.indexOf(true)]]);
    expect(await store.projects.get(offered[created.indexOf(true)]!)).toEqual(
      project(offered[created.indexOf(true)]!, { accountId: 'acc_1' }),
    );
    expect(await store.projects.createFirst(project('prj_5'))).toBe(false);
    expect(await store.projects.list()).toHaveLength(1);
  });

  it('reads back a project exactly as created', async () => {
    const full = project('prj_full', {
      name: 'Full «project» ✓',
      accountId: 'acc_1',
      allowedOrigins: ['https://example.com'],
      allowedCountries: ['MA', 'FR'],
      defaultCountry: 'MA',
      limits: { ...project('x').limits, perIpPerMinute: 7 },
      prices: { sms: { MA: { eur: 0.05, mad: 0.55 }, '*': { eur: 0.1, mad: 1.1 } } },
      fallbacks: { whatsapp: ['sms'] },
      allowedNumberTypes: ['mobile'],
      development: true,
      createdAt: at + 123,
    });
    await store.projects.create(full);
    expect(await store.projects.get('prj_full')).toEqual(full);
    expect(await store.projects.get('prj_none')).toBeNull();
  });

  it('lists projects oldest first, and an account’s (some of them) by creation then id', async () => {
    await seed();
    // `list` promises creation order only: ties come in insertion order on SQLite, by id on PostgreSQL.
    const listed = idsOf(await store.projects.list());
    expect([listed[0], listed.slice(1).sort()]).toEqual(['prj_old', [...ids].sort()]);
    expect(idsOf(await store.projects.listForAccount('acc_1'))).toEqual(['prj_old', 'prj_Z', 'prj__', 'prj_a']);
    expect(idsOf(await store.projects.listForAccount('acc_1', ['prj_a', 'prj_B', 'prj_old']))).toEqual([
      'prj_old',
      'prj_a',
    ]);
    expect(await store.projects.listForAccount('acc_none')).toEqual([]);
  });

  it('pages projects newest first, ties by id in code point order, across pages', async () => {
    await seed();
    const every = await allPages((after) => store.projects.page({ accountId: null }, { limit: 2, after }));
    expect(idsOf(every.items)).toEqual(['prj_a', 'prj__', 'prj_Z', 'prj_B', 'prj_old']);
    expect(every.pages).toBe(3);
    const first = await store.projects.page({ accountId: null }, { limit: 2 });
    expect(first.next).toEqual({ key: at, id: 'prj__' });
  });

  it('pages an account’s projects, and only the given ones', async () => {
    await seed();
    const ofAccount = await allPages((after) => store.projects.page({ accountId: 'acc_1' }, { limit: 3, after }));
    expect(idsOf(ofAccount.items)).toEqual(['prj_a', 'prj__', 'prj_Z', 'prj_old']);
    const some = await store.projects.page(
      { accountId: 'acc_1', projectIds: ['prj_Z', 'prj_B', 'prj_old'] },
      { limit: 5 },
    );
    expect(idsOf(some.items)).toEqual(['prj_Z', 'prj_old']);
    expect(some.next).toBeNull();
    expect((await store.projects.page({ accountId: null, projectIds: [] }, { limit: 5 })).items).toEqual([]);
  });

  it.each<[string, PageRequest['after'], string[]]>([
    ['a numeric string key', { key: String(at), id: 'prj__' }, ['prj_Z', 'prj_B', 'prj_old']],
    ['a key that is not a number', { key: 'soon', id: 'prj_a' }, []],
    ['a fractional key', { key: at + 0.5, id: 'prj_0' }, ['prj_a', 'prj__', 'prj_Z', 'prj_B', 'prj_old']],
    ['a fractional key below the ties', { key: at - 0.5, id: 'prj_z' }, ['prj_old']],
    ['a key past any BIGINT', { key: 1e300, id: '' }, ['prj_a', 'prj__', 'prj_Z', 'prj_B', 'prj_old']],
    ['a key below any BIGINT', { key: -1e300, id: 'prj_z' }, []],
    ['an infinite key', { key: 'Infinity', id: '' }, ['prj_a', 'prj__', 'prj_Z', 'prj_B', 'prj_old']],
    ['a negative infinite key', { key: '-Infinity', id: '' }, []],
    ['an id holding NUL', { key: at, id: `prj_Z${NUL}x` }, ['prj_Z', 'prj_B', 'prj_old']],
  ])('pages after %s as SQLite compares it', async (_, after, expected) => {
    await seed();
    const page = await store.projects.page({ accountId: null }, { limit: 10, after });
    expect(idsOf(page.items)).toEqual(expected);
  });

  it('updates a project and answers it; null for none', async () => {
    await store.projects.create(project('prj_1', { accountId: 'acc_1' }));
    const updated = await store.projects.update('prj_1', {
      name: 'Renamed',
      defaultCountry: 'FR',
      limits: { ...project('x').limits, perProjectPerDay: 5 },
      development: true,
    });
    const expected = project('prj_1', {
      accountId: 'acc_1',
      name: 'Renamed',
      defaultCountry: 'FR',
      limits: { ...project('x').limits, perProjectPerDay: 5 },
      development: true,
    });
    expect(updated).toEqual(expected);
    expect(await store.projects.get('prj_1')).toEqual(expected);
    expect(await store.projects.update('prj_none', { name: 'x' })).toBeNull();
  });

  it('applies concurrent updates of different fields without losing one', async () => {
    await store.projects.create(project('prj_1'));
    await Promise.all([
      store.projects.update('prj_1', { name: 'Renamed' }),
      store.projects.update('prj_1', { defaultCountry: 'FR' }),
      store.projects.update('prj_1', { development: true }),
    ]);
    expect(await store.projects.get('prj_1')).toMatchObject({
      name: 'Renamed',
      defaultCountry: 'FR',
      development: true,
    });
  });

  it('removes a project with its keys, templates, connectors, messages and idempotency records', async () => {
    const fill = async (p: string) => {
      await store.projects.create(project(p));
      await store.keys.create(apiKey(`key_${p}`, p), `hash_${p}`);
      await store.templates.upsert(template(`tpl_${p}`, p, 'welcome'));
      await store.templates.addVersion(version(`tpl_${p}`, 1));
      await store.templates.ensureStats(`tpl_${p}`);
      await store.connectors.create(connector(`con_${p}`, p));
      await store.messages.enqueue({
        message: message(`msg_${p}`, p, `key_${p}`),
        dueAt: at,
        templateId: `tpl_${p}`,
        idempotency: {
          keyId: `key_${p}`,
          idempotencyKey: 'idem',
          requestHash: 'h',
          statusCode: 202,
          response: { id: `msg_${p}` },
          createdAt: at,
        },
      });
    };
    await fill('prj_a');
    await fill('prj_b');
    expect(await store.projects.remove('prj_a')).toBe(true);
    const left = async (p: string) => ({
      project: (await store.projects.get(p))?.id ?? null,
      key: (await store.keys.findByHash(`hash_${p}`))?.key.id ?? null,
      keys: (await store.keys.list(p)).length,
      templates: (await store.templates.list(p)).length,
      version: (await store.templates.version(`tpl_${p}`, 1))?.version ?? null,
      uses: (await store.templates.stats(`tpl_${p}`)).usageCount,
      connector: (await store.connectors.get(`con_${p}`))?.id ?? null,
      message: (await store.messages.get(`msg_${p}`))?.id ?? null,
      idempotency: (await store.idempotency.get(`key_${p}`, 'idem'))?.statusCode ?? null,
    });
    expect(await left('prj_a')).toEqual({
      project: null,
      key: null,
      keys: 0,
      templates: 0,
      version: null,
      uses: 0,
      connector: null,
      message: null,
      idempotency: null,
    });
    expect(await left('prj_b')).toEqual({
      project: 'prj_b',
      key: 'key_prj_b',
      keys: 1,
      templates: 1,
      version: 1,
      uses: 1,
      connector: 'con_prj_b',
      message: 'msg_prj_b',
      idempotency: 202,
    });
    expect(await store.projects.remove('prj_a')).toBe(false);
  });

  it('finds nothing by a value holding NUL', async () => {
    await seed();
    expect(await store.projects.get(`prj_a${NUL}`)).toBeNull();
    expect(await store.projects.listForAccount(`acc_1${NUL}`)).toEqual([]);
    expect(idsOf(await store.projects.listForAccount('acc_1', [`prj_a${NUL}`, 'prj_Z']))).toEqual(['prj_Z']);
    expect((await store.projects.page({ accountId: `acc_1${NUL}` }, { limit: 5 })).items).toEqual([]);
    expect(
      idsOf((await store.projects.page({ accountId: null, projectIds: [`prj_a${NUL}`] }, { limit: 5 })).items),
    ).toEqual([]);
    expect(await store.projects.update(`prj_a${NUL}`, { name: 'x' })).toBeNull();
    expect(await store.projects.remove(`prj_a${NUL}`)).toBe(false);
  });

  it('stores a name holding NUL as given (SQLite) or refuses it as bad input', async () => {
    const named = project('prj_nul', { name: `a${NUL}b` });
    if (backend.name === 'sqlite') {
      await store.projects.create(named);
      expect((await store.projects.get('prj_nul'))?.name).toBe(`a${NUL}b`);
    } else {
      await expect(store.projects.create(named)).rejects.toMatchObject({ code: 'validation_failed', field: 'name' });
      expect(await store.projects.get('prj_nul')).toBeNull();
    }
    await store.projects.create(project('prj_ok'));
    const renamed = store.projects.update('prj_ok', { name: `c${NUL}d` });
    if (backend.name === 'sqlite') expect((await renamed)?.name).toBe(`c${NUL}d`);
    else await expect(renamed).rejects.toMatchObject({ code: 'validation_failed', field: 'name' });
  });
});
