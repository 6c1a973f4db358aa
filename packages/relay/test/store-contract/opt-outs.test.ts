import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OptOutRecord, type PagePosition, type Project, type Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { projectRecord } from '../helpers/store-records.js';

const at = 1_700_000_000_000;
const project: Project = projectRecord('prj_optouts', { name: 'Opt-outs' });

describe.each(backends)('optOuts ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await store.projects.create({ ...project, id: 'prj_other' });
  });
  afterEach(() => opened.dispose());

  it('adds once, keeping the first reason and source; reads, checks and removes', async () => {
    expect(await store.optOuts.add(project.id, '+212612345678', at, { reason: 'STOP by phone', source: 'api' })).toBe(
      true,
    );
    expect(await store.optOuts.add(project.id, '+212612345678', at + 1, { reason: 'again', source: 'cli' })).toBe(
      false,
    );
    expect(await store.optOuts.add(project.id, 'ana@example.com', at + 2)).toBe(true);
    expect(await store.optOuts.get(project.id, '+212612345678')).toEqual({
      projectId: project.id,
      address: '+212612345678',
      reason: 'STOP by phone',
      source: 'api',
      createdAt: at,
    });
    expect(await store.optOuts.get(project.id, 'ana@example.com')).toMatchObject({ reason: null, source: 'provider' });
    expect(await store.optOuts.has(project.id, '+212612345678')).toBe(true);
    expect(await store.optOuts.has('prj_other', '+212612345678')).toBe(false);
    expect(await store.optOuts.get('prj_other', '+212612345678')).toBeNull();
    expect(await store.optOuts.remove(project.id, '+212612345678')).toBe(true);
    expect(await store.optOuts.remove(project.id, '+212612345678')).toBe(false);
    expect(await store.optOuts.has(project.id, '+212612345678')).toBe(false);
  });

  it('refuses an opt-out for a project that does not exist', async () => {
    await expect(store.optOuts.add('prj_none', '+212612345678', at)).rejects.toThrow();
  });

  it('answers an address with a NUL as never opted out', async () => {
    await store.optOuts.add(project.id, 'chat', at);
    expect(await store.optOuts.has(project.id, 'chat\u0000')).toBe(false);
    expect(await store.optOuts.get(project.id, 'chat\u0000')).toBeNull();
    expect(await store.optOuts.remove(project.id, 'chat\u0000')).toBe(false);
    expect(await store.optOuts.has(project.id, 'chat')).toBe(true);
  });

  describe('page', () => {
    // Same-millisecond ties are ordered by address, in byte order ('B' < 'a'), newest first.
    const added: Array<[string, number]> = [
      ['+212612345678', at],
      ['B', at + 1],
      ['a', at + 1],
      ['b', at + 1],
      ['é', at + 1],
      ['ana@example.com', at + 2],
    ];
    const order = ['ana@example.com', 'é', 'b', 'a', 'B', '+212612345678'];
    beforeEach(async () => {
      for (const [address, time] of added) await store.optOuts.add(project.id, address, time);
      await store.optOuts.add('prj_other', 'zz', at + 5);
    });
    const addresses = (items: OptOutRecord[]) => items.map((o) => o.address);
    const after = async (position: PagePosition, limit = 10) =>
      addresses((await store.optOuts.page(project.id, { limit, after: position })).items);

    it('lists the project’s opt-outs newest first, page by page', async () => {
      const seen: string[] = [];
      let position: PagePosition | undefined;
      const nexts: Array<PagePosition | null> = [];
      do {
        const page = await store.optOuts.page(project.id, { limit: 4, ...(position && { after: position }) });
        seen.push(...addresses(page.items));
        nexts.push(page.next);
        position = page.next ?? undefined;
      } while (position);
      expect(seen).toEqual(order);
      expect(nexts).toEqual([{ key: at + 1, id: 'a' }, null]);
      expect(await store.optOuts.page('prj_none', { limit: 10 })).toEqual({ items: [], next: null });
    });

    it('reads the rows a cursor of any shape names, as SQLite compares them', async () => {
      expect(await after({ key: String(at + 1), id: 'b' })).toEqual(['a', 'B', '+212612345678']);
      expect(await after({ key: at + 1, id: '' })).toEqual(['+212612345678']);
      // A key between two times: everything older than it.
      expect(await after({ key: at + 1.5, id: 'zzz' })).toEqual(['é', 'b', 'a', 'B', '+212612345678']);
      expect(await after({ key: 1e300, id: '' })).toEqual(order);
      expect(await after({ key: -1e300, id: 'zzz' })).toEqual([]);
      expect(await after({ key: 'soon', id: 'b' })).toEqual([]);
      expect(await after({ key: '', id: 'b' })).toEqual([]);
      // A NUL in the id: 'b\0…' sorts after 'b' and before anything longer.
      expect(await after({ key: at + 1, id: 'b\u0000zzz' })).toEqual(['b', 'a', 'B', '+212612345678']);
      expect(await after({ key: at + 1, id: '\u0000' })).toEqual(['+212612345678']);
    });
  });
});
