import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactRecord, ImportRecord, ImportRowError, PagePosition, Store } from '../../src/store/types/index.js';
import { backends, type Backend, type OpenedStore } from './backends.js';
import { countRows } from './fixtures.js';
import { at, importRecord as sharedImportRecord, projectRecord } from '../helpers/store-records.js';

/** What a contacts CSV import reads and writes (issue 16): the contacts' batch methods and `store.imports`. */

const project = projectRecord('prj_import', { name: 'Import' });
const other = projectRecord('prj_other', { name: 'Other' });

const contact = (id: string, fields: Partial<ContactRecord> = {}): ContactRecord => ({
  id,
  projectId: project.id,
  name: `Name ${id}`,
  firstName: null,
  phone: null,
  email: null,
  telegramChatId: null,
  language: null,
  timeZone: null,
  status: 'active',
  custom: {},
  createdAt: at,
  updatedAt: at,
  ...fields,
});

const importRecord = (id: string, fields: Partial<ImportRecord> = {}): ImportRecord =>
  sharedImportRecord(id, project.id, fields);

const rowError = (row: number): ImportRowError => ({
  row,
  line: row + 1,
  field: row % 2 ? 'phone' : null,
  code: 'invalid_phone',
  message: `Row ${row} has no valid phone`,
});

const byId = (contacts: ContactRecord[]) => [...contacts].sort((a, b) => (a.id < b.id ? -1 : 1));
const rowsOf = (errors: ImportRowError[]) => errors.map((e) => e.row);

interface Context {
  opened: OpenedStore;
  store: Store;
}

/** A fresh store per test, holding `project` and `other`. */
function openEach(backend: Backend): Context {
  const ctx = {} as Context;
  beforeEach(async () => {
    ctx.opened = await backend.open();
    ctx.store = ctx.opened.store;
    await ctx.store.projects.create(project);
    await ctx.store.projects.create(other);
  });
  afterEach(() => ctx.opened.dispose());
  return ctx;
}

function contactLookupTests(ctx: Context): void {
  it('finds the project’s contacts by phone, and by email only those without a phone', async () => {
    const withPhone = contact('con_1', { phone: '+212600000001', email: 'ana@example.com', custom: { tier: 'gold' } });
    const second = contact('con_2', { phone: '+212600000002' });
    const emailOnly = contact('con_3', { email: 'bob@example.com' });
    const sameEmail = contact('con_4', { email: 'ana@example.com', language: 'fr' });
    const elsewhere = contact('con_5', { projectId: other.id, phone: '+212600000001', email: 'bob@example.com' });
    const elsewhereNoPhone = contact('con_6', { projectId: other.id, email: 'bob@example.com' });
    for (const c of [withPhone, second, emailOnly, sameEmail, elsewhere, elsewhereNoPhone])
      expect(await ctx.store.contacts.create(c)).toBe('ok');
    const { contacts } = ctx.store;
    expect(byId(await contacts.byPhones(project.id, ['+212600000001', '+212600000002', '+212699999999']))).toEqual([
      withPhone,
      second,
    ]);
    expect(await contacts.byPhones(other.id, ['+212600000001', '+212600000002'])).toEqual([elsewhere]);
    expect(await contacts.byPhones(project.id, [])).toEqual([]);
    expect(await contacts.byPhones(project.id, ['+212600000001\u0000'])).toEqual([]);
    expect(await contacts.byPhones('prj_none', ['+212600000001'])).toEqual([]);
    // con_1 has ana@example.com too, but a phone: it is matched by its phone, not its email.
    expect(byId(await contacts.byEmails(project.id, ['ana@example.com', 'bob@example.com', 'x@example.com']))).toEqual([
      emailOnly,
      sameEmail,
    ]);
    expect(await contacts.byEmails(other.id, ['bob@example.com'])).toEqual([elsewhereNoPhone]);
    expect(await contacts.byEmails(project.id, [])).toEqual([]);
    expect(await contacts.byEmails(project.id, ['bob@example.com\u0000'])).toEqual([]);
  });

  it('lists the distinct custom keys of the project’s contacts, sorted in byte order', async () => {
    expect(await ctx.store.contacts.customKeys(project.id)).toEqual([]);
    await ctx.store.contacts.createMany([
      contact('con_1', { custom: { b: 1, a: 'x' } }),
      contact('con_2', { custom: { a: null, Zeta: true, é: 2 } }),
      contact('con_3'),
      contact('con_4', { projectId: other.id, custom: { other: 'yes', a: 1 } }),
    ]);
    expect(await ctx.store.contacts.customKeys(project.id)).toEqual(['Zeta', 'a', 'b', 'é']);
    expect(await ctx.store.contacts.customKeys(other.id)).toEqual(['a', 'other']);
    expect(await ctx.store.contacts.customKeys('prj_none')).toEqual([]);
  });
}

function contactWriteTests(ctx: Context): void {
  it('creates many, skipping those whose phone a contact of the project has, and answers their ids', async () => {
    const existing = contact('con_0', { phone: '+212600000001' });
    await ctx.store.contacts.create(existing);
    const taken = contact('con_1', { phone: '+212600000001', name: 'Taken' });
    const fresh = contact('con_2', { phone: '+212600000002', custom: { city: 'Rabat', vip: true, n: 3 } });
    const noPhone = contact('con_3', { email: 'ana@example.com', status: 'inactive', timeZone: 'Africa/Casablanca' });
    const otherProject = contact('con_4', { projectId: other.id, phone: '+212600000001' });
    const first = contact('con_5', { phone: '+212600000005' });
    const sameChunk = contact('con_6', { phone: '+212600000005' });
    const skipped = await ctx.store.contacts.createMany([taken, fresh, noPhone, otherProject, first, sameChunk]);
    expect(skipped).toEqual(['con_1', 'con_6']);
    expect(await ctx.store.contacts.get(project.id, 'con_1')).toBeNull();
    expect(await ctx.store.contacts.get(project.id, 'con_6')).toBeNull();
    expect(await ctx.store.contacts.get(project.id, 'con_0')).toEqual(existing);
    expect(await ctx.store.contacts.get(project.id, 'con_2')).toEqual(fresh);
    expect(await ctx.store.contacts.get(project.id, 'con_3')).toEqual(noPhone);
    expect(await ctx.store.contacts.get(other.id, 'con_4')).toEqual(otherProject);
    expect(await ctx.store.contacts.get(project.id, 'con_5')).toEqual(first);
    expect(await ctx.store.contacts.createMany([])).toEqual([]);
    expect(await countRows(ctx.opened.location, 'contacts')).toBe(5);
  });

  it('saves each contact whole, only in its own project', async () => {
    const a = contact('con_a', { phone: '+212600000001', email: 'a@example.com', custom: { x: 1 } });
    const b = contact('con_b', { email: 'b@example.com', language: 'fr' });
    const c = contact('con_c', { phone: '+212600000003' });
    await ctx.store.contacts.createMany([a, b, c]);
    const newA = { ...a, name: null, firstName: 'Ana', email: null, status: 'unsubscribed' as const, custom: {} };
    const newB = { ...b, phone: '+212600000002', language: null, custom: { y: 'z', ok: false }, updatedAt: at + 5 };
    await ctx.store.contacts.updateMany([{ ...newA, updatedAt: at + 5 }, newB]);
    // The same id in another project is not this contact: nothing changes.
    await ctx.store.contacts.updateMany([{ ...c, projectId: other.id, name: 'Hijack' }]);
    await ctx.store.contacts.updateMany([]);
    expect(await ctx.store.contacts.get(project.id, 'con_a')).toEqual({ ...newA, updatedAt: at + 5 });
    expect(await ctx.store.contacts.get(project.id, 'con_b')).toEqual(newB);
    expect(await ctx.store.contacts.get(project.id, 'con_c')).toEqual(c);
    expect(await ctx.store.contacts.getByPhone(project.id, '+212600000002')).toEqual(newB);
    expect(await ctx.store.contacts.byEmails(project.id, ['a@example.com', 'b@example.com'])).toEqual([]);
  });
}

function importLifecycleTests(ctx: Context): void {
  it('creates with zero counts and no outcome, whatever the record says, and reads it back', async () => {
    const record = importRecord('imp_1', { fileName: null, bytes: 5_000_000_000, settings: '{"groupId":"grp_1"}' });
    await ctx.store.imports.create({
      ...record,
      ...{ rows: 5, created: 3, updated: 1, unchanged: 1, failed: 2, error: 'x', startedAt: at, finishedAt: at },
    });
    expect(await ctx.store.imports.get('imp_1')).toEqual(record);
    expect(await ctx.store.imports.get('imp_none')).toBeNull();
    await expect(ctx.store.imports.create(importRecord('imp_1'))).rejects.toThrow();
    await expect(ctx.store.imports.create(importRecord('imp_2', { projectId: 'prj_none' }))).rejects.toThrow();
  });

  it('pages a project’s imports newest first (ties by id), with a cursor', async () => {
    const made: Array<[string, number]> = [
      ['imp_a', at],
      ['imp_b', at + 1],
      ['imp_c', at + 1],
      ['imp_d', at + 2],
    ];
    for (const [id, createdAt] of made) await ctx.store.imports.create(importRecord(id, { createdAt }));
    await ctx.store.imports.create(importRecord('imp_o', { projectId: other.id, createdAt: at + 5 }));
    const seen: string[] = [];
    const nexts: Array<PagePosition | null> = [];
    let after: PagePosition | undefined;
    do {
      const page = await ctx.store.imports.page(project.id, { limit: 2, ...(after && { after }) });
      seen.push(...page.items.map((i) => i.id));
      nexts.push(page.next);
      after = page.next ?? undefined;
    } while (after);
    expect(seen).toEqual(['imp_d', 'imp_c', 'imp_b', 'imp_a']);
    expect(nexts).toEqual([{ key: at + 1, id: 'imp_c' }, null]);
    const page = await ctx.store.imports.page(project.id, { limit: 10, after: { key: at + 1, id: 'imp_c' } });
    expect(page.items.map((i) => i.id)).toEqual(['imp_b', 'imp_a']);
    expect((await ctx.store.imports.page(other.id, { limit: 10 })).items).toEqual([
      importRecord('imp_o', { projectId: other.id, createdAt: at + 5 }),
    ]);
  });

  it('starts once (keeping the first start), records progress, and finishes once', async () => {
    const { imports } = ctx.store;
    await imports.create(importRecord('imp_1'));
    expect(await imports.start('imp_1', at + 10)).toBe(true);
    expect(await imports.get('imp_1')).toEqual(
      importRecord('imp_1', { status: 'processing', startedAt: at + 10, updatedAt: at + 10 }),
    );
    // A relay that resumes it starts it again: the first start stays.
    expect(await imports.start('imp_1', at + 20)).toBe(true);
    expect(await imports.get('imp_1')).toMatchObject({ status: 'processing', startedAt: at + 10, updatedAt: at + 20 });
    const counts = { rows: 500, created: 400, updated: 50, unchanged: 40, failed: 10 };
    await imports.progress('imp_1', counts, at + 30);
    await imports.progress('imp_1', { ...counts, rows: 1000, created: 880 }, at + 40);
    const progressed = importRecord('imp_1', {
      ...{ ...counts, rows: 1000, created: 880 },
      ...{ status: 'processing', startedAt: at + 10, updatedAt: at + 40 },
    });
    expect(await imports.get('imp_1')).toEqual(progressed);
    await imports.finish('imp_1', { status: 'failed', error: 'file_unreadable' }, at + 50);
    const failed = { ...progressed, status: 'failed' as const, error: 'file_unreadable', finishedAt: at + 50 };
    expect(await imports.get('imp_1')).toEqual({ ...failed, updatedAt: at + 50 });
    // Finished: neither a second finish nor a start changes it.
    await imports.finish('imp_1', { status: 'completed' }, at + 60);
    expect(await imports.start('imp_1', at + 70)).toBe(false);
    expect(await imports.get('imp_1')).toEqual({ ...failed, updatedAt: at + 50 });
    expect(await imports.start('imp_none', at)).toBe(false);
    // A queued import may finish without starting; completed has no error.
    await imports.create(importRecord('imp_2'));
    await imports.finish('imp_2', { status: 'completed' }, at + 80);
    expect(await imports.get('imp_2')).toEqual(
      importRecord('imp_2', { status: 'completed', finishedAt: at + 80, updatedAt: at + 80 }),
    );
    expect(await imports.start('imp_2', at + 90)).toBe(false);
  });
}

function importErrorTests(ctx: Context): void {
  beforeEach(async () => {
    await ctx.store.imports.create(importRecord('imp_1'));
    await ctx.store.imports.create(importRecord('imp_2'));
  });

  it('keeps the first refused rows up to the cap across calls, ignoring a repeated row', async () => {
    const { imports } = ctx.store;
    await imports.addErrors('imp_1', [rowError(1), rowError(2)], 4);
    await imports.addErrors('imp_1', [rowError(2), rowError(3)], 4);
    await imports.addErrors('imp_1', [rowError(4), rowError(5), rowError(6)], 4);
    await imports.addErrors('imp_1', [rowError(7)], 4);
    await imports.addErrors('imp_1', [], 4);
    expect(await imports.errors('imp_1', 0, 100)).toEqual([1, 2, 3, 4].map(rowError));
    // A repeated row keeps what was first written for it.
    await imports.addErrors('imp_2', [{ ...rowError(9), message: 'first' }], 10);
    await imports.addErrors('imp_2', [{ ...rowError(9), message: 'second' }], 10);
    expect(await imports.errors('imp_2', 0, 100)).toEqual([{ ...rowError(9), message: 'first' }]);
    // A row already kept takes no room, and out of order the lowest rows are kept (both backends alike).
    await imports.create(importRecord('imp_4'));
    await imports.addErrors('imp_4', [rowError(1), rowError(2), rowError(3)], 4);
    await imports.addErrors('imp_4', [rowError(3), rowError(3), rowError(5)], 4);
    expect((await imports.errors('imp_4', 0, 100)).map((e) => e.row)).toEqual([1, 2, 3, 5]);
    await imports.create(importRecord('imp_5'));
    await imports.addErrors('imp_5', [rowError(3), rowError(1), rowError(2)], 2);
    expect((await imports.errors('imp_5', 0, 100)).map((e) => e.row)).toEqual([1, 2]);
    // A cap of 0 keeps nothing.
    await imports.create(importRecord('imp_3'));
    await imports.addErrors('imp_3', [rowError(1)], 0);
    expect(await imports.errors('imp_3', 0, 100)).toEqual([]);
  });

  it('reads the refused rows in row order, after a row, up to a limit, per import', async () => {
    const { imports } = ctx.store;
    await imports.addErrors('imp_1', [rowError(5), rowError(8)], 100);
    await imports.addErrors('imp_1', [rowError(2)], 100);
    await imports.addErrors('imp_2', [rowError(3)], 100);
    expect(rowsOf(await imports.errors('imp_1', 0, 100))).toEqual([2, 5, 8]);
    expect(await imports.errors('imp_1', 2, 100)).toEqual([rowError(5), rowError(8)]);
    expect(rowsOf(await imports.errors('imp_1', 0, 2))).toEqual([2, 5]);
    expect(await imports.errors('imp_1', 8, 100)).toEqual([]);
    expect(await imports.errors('imp_2', 0, 100)).toEqual([rowError(3)]);
    expect(await imports.errors('imp_none', 0, 100)).toEqual([]);
  });
}

function staleAndCascadeTests(ctx: Context): void {
  it('lists the unfinished imports whose last progress is older than a time, oldest first, in any project', async () => {
    const { imports } = ctx.store;
    await imports.create(importRecord('imp_q', { updatedAt: at + 1 }));
    await imports.create(importRecord('imp_p'));
    await imports.start('imp_p', at + 3);
    await imports.create(importRecord('imp_o', { projectId: other.id }));
    await imports.progress('imp_o', { rows: 1, created: 1, updated: 0, unchanged: 0, failed: 0 }, at + 2);
    await imports.create(importRecord('imp_done'));
    await imports.finish('imp_done', { status: 'completed' }, at);
    await imports.create(importRecord('imp_recent', { updatedAt: at + 10 }));
    expect((await imports.stale(at + 10, 10)).map((i) => i.id)).toEqual(['imp_q', 'imp_o', 'imp_p']);
    expect((await imports.stale(at + 10, 2)).map((i) => i.id)).toEqual(['imp_q', 'imp_o']);
    expect(await imports.stale(at + 2, 10)).toEqual([importRecord('imp_q', { updatedAt: at + 1 })]);
    expect(await imports.stale(at + 1, 10)).toEqual([]);
  });

  it('goes with its project, with its refused rows', async () => {
    await ctx.store.imports.create(importRecord('imp_1'));
    await ctx.store.imports.addErrors('imp_1', [rowError(1), rowError(2)], 10);
    await ctx.store.imports.create(importRecord('imp_o', { projectId: other.id }));
    await ctx.store.imports.addErrors('imp_o', [rowError(1)], 10);
    expect(await countRows(ctx.opened.location, 'contact_import_errors')).toBe(3);
    expect(await ctx.store.projects.remove(project.id)).toBe(true);
    expect(await ctx.store.imports.get('imp_1')).toBeNull();
    expect(await ctx.store.imports.errors('imp_1', 0, 10)).toEqual([]);
    expect(await countRows(ctx.opened.location, 'contact_imports')).toBe(1);
    expect(await countRows(ctx.opened.location, 'contact_import_errors')).toBe(1);
    expect(await ctx.store.imports.errors('imp_o', 0, 10)).toEqual([rowError(1)]);
  });
}

function chunkTransactionTests(ctx: Context): void {
  const counts = { rows: 3, created: 2, updated: 0, unchanged: 0, failed: 1 };
  const chunk = [contact('con_1', { phone: '+212600000001' }), contact('con_2', { phone: '+212600000002' })];
  beforeEach(async () => {
    await ctx.store.imports.create(importRecord('imp_1'));
    await ctx.store.imports.start('imp_1', at + 1);
  });

  it('commits a chunk’s contacts, counts and refused rows together', async () => {
    const skipped = await ctx.store.transaction(async (tx) => {
      const taken = await tx.contacts.createMany(chunk);
      await tx.imports.addErrors('imp_1', [rowError(3)], 10);
      await tx.imports.progress('imp_1', counts, at + 2);
      expect((await tx.contacts.byPhones(project.id, ['+212600000001'])).map((c) => c.id)).toEqual(['con_1']);
      return taken;
    });
    expect(skipped).toEqual([]);
    expect(byId(await ctx.store.contacts.byPhones(project.id, ['+212600000001', '+212600000002']))).toEqual(chunk);
    expect(await ctx.store.imports.get('imp_1')).toMatchObject({ ...counts, updatedAt: at + 2 });
    expect(await ctx.store.imports.errors('imp_1', 0, 10)).toEqual([rowError(3)]);
  });

  it('writes nothing of a chunk whose unit throws', async () => {
    const failure = new Error('relay stopped');
    await expect(
      ctx.store.transaction(async (tx) => {
        expect(await tx.contacts.createMany(chunk)).toEqual([]);
        await tx.imports.progress('imp_1', counts, at + 2);
        await tx.imports.addErrors('imp_1', [rowError(3)], 10);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await countRows(ctx.opened.location, 'contacts')).toBe(0);
    expect(await ctx.store.contacts.byPhones(project.id, ['+212600000001', '+212600000002'])).toEqual([]);
    expect(await ctx.store.imports.get('imp_1')).toEqual(
      importRecord('imp_1', { status: 'processing', startedAt: at + 1, updatedAt: at + 1 }),
    );
    expect(await ctx.store.imports.errors('imp_1', 0, 10)).toEqual([]);
    // The store still writes afterwards: the chunk again commits.
    await ctx.store.transaction(async (tx) => {
      await tx.contacts.createMany(chunk);
      await tx.imports.progress('imp_1', counts, at + 3);
    });
    expect(await countRows(ctx.opened.location, 'contacts')).toBe(2);
  });
}

describe.each(backends)('contacts: an import’s batch methods ($name)', (backend) => {
  const ctx = openEach(backend);
  contactLookupTests(ctx);
  contactWriteTests(ctx);
});

describe.each(backends)('imports ($name)', (backend) => {
  const ctx = openEach(backend);
  importLifecycleTests(ctx);
  describe('refused rows', () => importErrorTests(ctx));
  staleAndCascadeTests(ctx);
  describe('a chunk in a unit of work', () => chunkTransactionTests(ctx));
});
