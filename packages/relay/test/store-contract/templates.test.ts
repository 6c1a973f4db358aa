import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { allPages, apiKey, at, message, NUL, project, template, version } from './project-fixtures.js';

describe.each(backends)('templates ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    ({ store } = opened);
    await store.projects.create(project('prj_1'));
    await store.projects.create(project('prj_2'));
  });
  afterEach(() => opened.dispose());

  const namesOf = (items: Array<{ name: string }>) => items.map((t) => t.name);
  // Names that sort differently by code point (SQLite) and by most locales' collations.
  const byCodePoint = ['Welcome', 'Zeta', '_draft', 'alert', 'b-2', 'b1'];
  const seed = async () => {
    for (const [i, name] of ['b1', 'alert', 'Zeta', '_draft', 'b-2', 'Welcome'].entries()) {
      await store.templates.upsert(
        template(`tpl_${i}`, 'prj_1', name, { category: i % 2 ? 'alerts' : 'otp', active: i !== 4 }),
      );
      await store.templates.ensureStats(`tpl_${i}`);
    }
    await store.templates.upsert(template('tpl_other', 'prj_2', 'alert'));
  };

  it('reads back a template exactly as saved', async () => {
    const full = template('tpl_1', 'prj_1', 'welcome', {
      channel: 'email',
      channels: ['email', 'sms'],
      recipient: { mode: 'fixed', to: 'team@example.com' },
      subject: 'Hello {{name}}',
      body: 'Hi {{name}} — ✓',
      html: '<p>Hi {{name}}</p>',
      params: {
        name: { type: 'text', maxLength: 40, required: true, multiline: false, allowLinks: false },
        email: { type: 'email' },
        age: { type: 'number', min: 0, max: 150, integer: true },
        ref: { type: 'pattern', pattern: '^[A-Z]{3}$', maxLength: 3 },
      },
      category: 'notifications',
      version: 3,
      active: false,
      createdAt: at + 1,
      updatedAt: at + 2,
    });
    await store.templates.upsert(full);
    expect(await store.templates.get('prj_1', 'welcome')).toEqual(full);
    expect(await store.templates.get('prj_2', 'welcome')).toBeNull();
  });

  it('saves over a template of the same name, keeping its id and creation time', async () => {
    await store.templates.upsert(template('tpl_1', 'prj_1', 'welcome'));
    const next = template('tpl_new', 'prj_1', 'welcome', {
      body: 'Changed',
      category: 'alerts',
      version: 2,
      active: false,
      createdAt: at + 50,
      updatedAt: at + 60,
    });
    await store.templates.upsert(next);
    expect(await store.templates.get('prj_1', 'welcome')).toEqual({ ...next, id: 'tpl_1', createdAt: at });
    expect(await store.templates.list('prj_1')).toHaveLength(1);
  });

  it('lists and pages a project’s templates by name in code point order, with filters', async () => {
    await seed();
    expect(namesOf(await store.templates.list('prj_1'))).toEqual(byCodePoint);
    const every = await allPages((after) => store.templates.page('prj_1', {}, { limit: 4, after }));
    expect([namesOf(every.items), every.pages]).toEqual([byCodePoint, 2]);
    const alerts = await store.templates.page('prj_1', { category: 'alerts' }, { limit: 10 });
    expect(namesOf(alerts.items)).toEqual(['Welcome', '_draft', 'alert']);
    const inactive = await store.templates.page('prj_1', { active: false }, { limit: 10 });
    expect(namesOf(inactive.items)).toEqual(['b-2']);
    const activeOtp = await store.templates.page('prj_1', { category: 'otp', active: true }, { limit: 10 });
    expect(namesOf(activeOtp.items)).toEqual(['Zeta', 'b1']);
    const afterNul = await store.templates.page('prj_1', {}, { limit: 10, after: { key: `alert${NUL}z`, id: '' } });
    expect(namesOf(afterNul.items)).toEqual(['b-2', 'b1']);
    const first = await store.templates.page('prj_1', {}, { limit: 1 });
    expect(first.next).toEqual({ key: 'Welcome', id: 'tpl_5' });
  });

  it('pages templates with their use counts, zero for one without a counter row', async () => {
    await store.templates.upsert(template('tpl_1', 'prj_1', 'counted'));
    await store.templates.ensureStats('tpl_1');
    await store.templates.ensureStats('tpl_1');
    await store.templates.upsert(template('tpl_2', 'prj_1', 'uncounted'));
    await store.keys.create(apiKey('key_1', 'prj_1'), 'hash_1');
    await store.messages.enqueue({ message: message('msg_1', 'prj_1', 'key_1'), dueAt: at, templateId: 'tpl_1' });
    await store.messages.enqueue({
      message: message('msg_2', 'prj_1', 'key_1', { createdAt: at + 9 }),
      dueAt: at,
      templateId: 'tpl_1',
    });
    const page = await store.templates.page('prj_1', {}, { limit: 10 });
    expect(page.items.map((t) => [t.name, t.usageCount, t.lastUsedAt])).toEqual([
      ['counted', 2, at + 9],
      ['uncounted', 0, null],
    ]);
    expect(await store.templates.stats('tpl_1')).toEqual({ usageCount: 2, lastUsedAt: at + 9 });
    expect(await store.templates.stats('tpl_2')).toEqual({ usageCount: 0, lastUsedAt: null });
  });

  it('counts every one of many concurrent sends of a template', async () => {
    await store.templates.upsert(template('tpl_1', 'prj_1', 'hot'));
    await store.templates.ensureStats('tpl_1');
    await store.keys.create(apiKey('key_1', 'prj_1'), 'hash_1');
    const sends = 60;
    await Promise.all(
      Array.from({ length: sends }, (_, i) =>
        store.messages.enqueue({ message: message(`msg_${i}`, 'prj_1', 'key_1'), dueAt: at, templateId: 'tpl_1' }),
      ),
    );
    expect(await store.templates.stats('tpl_1')).toEqual({ usageCount: sends, lastUsedAt: at });
  });

  it('keeps versions, newest first across pages, and reads one', async () => {
    await store.templates.upsert(template('tpl_1', 'prj_1', 'welcome', { version: 5 }));
    for (let n = 1; n <= 5; n++) await store.templates.addVersion(version('tpl_1', n));
    const every = await allPages((after) => store.templates.versions('tpl_1', { limit: 2, after }));
    expect([every.items.map((v) => v.version), every.pages]).toEqual([[5, 4, 3, 2, 1], 3]);
    expect(await store.templates.version('tpl_1', 2)).toEqual(version('tpl_1', 2));
    for (const n of [0, 6, 2.5, 1e30, Number.NaN]) expect(await store.templates.version('tpl_1', n)).toBeNull();
    const after = await store.templates.versions('tpl_1', { limit: 10, after: { key: 3.5, id: 'tpl_1' } });
    expect(after.items.map((v) => v.version)).toEqual([3, 2, 1]);
    await expect(store.templates.addVersion(version('tpl_1', 5))).rejects.toThrow();
  });

  it('switches a template off and on', async () => {
    await store.templates.upsert(template('tpl_1', 'prj_1', 'welcome'));
    await store.templates.setActive('tpl_1', false, at + 7);
    expect(await store.templates.get('prj_1', 'welcome')).toMatchObject({ active: false, updatedAt: at + 7 });
    await store.templates.setActive('tpl_1', true, at + 8);
    expect(await store.templates.get('prj_1', 'welcome')).toMatchObject({ active: true, updatedAt: at + 8 });
  });

  it('removes a template with its versions and counter', async () => {
    await store.templates.upsert(template('tpl_1', 'prj_1', 'welcome'));
    await store.templates.addVersion(version('tpl_1', 1));
    await store.templates.ensureStats('tpl_1');
    await store.keys.create(apiKey('key_1', 'prj_1'), 'hash_1');
    await store.messages.enqueue({ message: message('msg_1', 'prj_1', 'key_1'), dueAt: at, templateId: 'tpl_1' });
    expect(await store.templates.remove('tpl_1')).toBe(true);
    expect(await store.templates.get('prj_1', 'welcome')).toBeNull();
    expect(await store.templates.version('tpl_1', 1)).toBeNull();
    expect(await store.templates.stats('tpl_1')).toEqual({ usageCount: 0, lastUsedAt: null });
    expect(await store.templates.remove('tpl_1')).toBe(false);
    // Saved again under the same id, it starts from nothing.
    await store.templates.upsert(template('tpl_1', 'prj_1', 'welcome'));
    await store.templates.ensureStats('tpl_1');
    expect(await store.templates.stats('tpl_1')).toEqual({ usageCount: 0, lastUsedAt: null });
  });

  it('finds nothing by a value holding NUL', async () => {
    await seed();
    await store.templates.addVersion(version('tpl_1', 1));
    expect(await store.templates.get('prj_1', `alert${NUL}`)).toBeNull();
    expect(await store.templates.list(`prj_1${NUL}`)).toEqual([]);
    expect((await store.templates.page(`prj_1${NUL}`, {}, { limit: 5 })).items).toEqual([]);
    expect(await store.templates.stats(`tpl_1${NUL}`)).toEqual({ usageCount: 0, lastUsedAt: null });
    expect((await store.templates.versions(`tpl_1${NUL}`, { limit: 5 })).items).toEqual([]);
    expect(await store.templates.version(`tpl_1${NUL}`, 1)).toBeNull();
    await store.templates.setActive(`tpl_1${NUL}`, false, at + 1);
    expect(await store.templates.remove(`tpl_1${NUL}`)).toBe(false);
    expect(await store.templates.get('prj_1', 'alert')).toMatchObject({ active: true, updatedAt: at });
  });

  it('stores a body holding NUL as given (SQLite) or refuses it as bad input', async () => {
    const saved = template('tpl_nul', 'prj_1', 'nul', { body: `a${NUL}b` });
    if (backend.name === 'sqlite') {
      await store.templates.upsert(saved);
      expect((await store.templates.get('prj_1', 'nul'))?.body).toBe(`a${NUL}b`);
    } else {
      await expect(store.templates.upsert(saved)).rejects.toMatchObject({ code: 'validation_failed', field: 'body' });
      expect(await store.templates.get('prj_1', 'nul')).toBeNull();
    }
  });
});
