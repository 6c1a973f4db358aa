import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startRelay } from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';
import { importRecord } from '../helpers/store-records.js';
import { openSse } from '../helpers/sse.js';
import { CHEAP_PASSWORDS, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

// Contacts' CSV import and export (issue 16): files uploaded to a real relay over HTTP, read in
// the background, on both backends. Reports and exports are read back with csv-parse.

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
let base: string;
const as = () => ({ key: owner.accessToken });
const get = (path: string) => call(t, 'GET', path, as());

/** Uploads `csv` as a `text/csv` body (options in the query). */
const upload = (csv: string, query = '', type = 'text/csv', projectBase = base) =>
  fetch(`${t.url}${projectBase}/contacts/import${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': type },
    body: csv,
  }).then(async (res) => ({ status: res.status, headers: res.headers, body: await res.json() }));

/** Polls the import until it is finished. */
async function settled(importId: string): Promise<any> {
  for (let i = 0; i < 500; i++) {
    const res = await get(`/v1/imports/${importId}`);
    expect(res.status).toBe(200);
    if (res.body.status === 'completed' || res.body.status === 'failed') return res.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`import ${importId} did not finish`);
}

/** Every contact of the project (pages of 200). */
async function allContacts(projectBase = base): Promise<any[]> {
  const found: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`${projectBase}/contacts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    found.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return found;
}

async function newProject(name: string): Promise<string> {
  const res = await call(t, 'POST', '/v1/projects', { ...as(), body: { name, defaultCountry: 'MA' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return `/v1/projects/${res.body.id}`;
}

beforeAll(async () => {
  t = await startAccountsRelay();
  owner = await setUpOwner(t);
  base = `/v1/projects/${t.demo.projectId}`;
});
afterAll(async () => {
  await t?.cleanup();
});

describe('CSV import', () => {
  it('reads a BOM, CRLF, semicolons, French headers and quoted line breaks; merges duplicates; reports bad rows; again changes nothing', async () => {
    const project = await newProject('import-fr');
    const csv =
      '\uFEFFNom;Prénom;Téléphone;E-mail;Société;Notes\r\n' +
      'Benali;Amina;0612345601;amina@example.com;Atlas;"ligne 1\r\nligne 2"\r\n' +
      'Haddad;Youssef;+212 6 12 34 56 02;;Sahara;=HYPERLINK("http://x")\r\n' +
      'Benali;Amina B.;06 12 34 56 01;;;\r\n' +
      'Nobody;;not a number;;;\r\n' +
      'Short;Row\r\n' +
      'Mail;Only;;only@example.com;;\r\n';
    const res = await upload(csv, '', 'text/csv', project);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ importId: expect.stringMatching(/^imp_/), status: 'queued' });
    expect(res.headers.get('location')).toBe(`/v1/imports/${res.body.importId}`);
    const done = await settled(res.body.importId);
    expect(done).toMatchObject({ status: 'completed', rows: 6, created: 3, updated: 0, duplicates: 1, failed: 2 });

    const contacts = await allContacts(project);
    const amina = contacts.find((c) => c.phone === '+212612345601');
    expect(amina).toMatchObject({
      name: 'Benali',
      firstName: 'Amina B.',
      email: 'amina@example.com',
      custom: { Société: 'Atlas', Notes: 'ligne 1\r\nligne 2' },
    });
    const youssef = contacts.find((c) => c.phone === '+212612345602');
    expect(youssef.custom).toEqual({ Société: 'Sahara', Notes: '=HYPERLINK("http://x")' });
    expect(contacts.find((c) => c.email === 'only@example.com')).toMatchObject({ phone: null, name: 'Mail' });
    expect(contacts).toHaveLength(3);

    const report = await fetch(`${t.url}${done.errorsUrl}`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/^text\/csv/);
    const reported = parse<Record<string, string>>(await report.text(), { columns: true });
    expect(reported).toEqual([
      expect.objectContaining({ row: '4', line: '6', field: 'phone', code: 'validation_failed' }),
      expect.objectContaining({ row: '5', line: '7', code: 'column_count' }),
    ]);

    // The same file again: every row matches, nothing is written.
    const again = await upload(csv, '', 'text/csv', project);
    const second = await settled(again.body.importId);
    expect(second).toMatchObject({ rows: 6, created: 0, updated: 0, unchanged: 3, duplicates: 1, failed: 2 });
    expect(await allContacts(project)).toEqual(contacts);
  });

  it('takes a multipart form with a mapping, a group, and group names in a column', async () => {
    const group = await call(t, 'POST', `${base}/groups`, { ...as(), body: { name: 'imported' } });
    const form = new FormData();
    form.set('mapping', JSON.stringify({ mobile: 'phone', who: 'name', ignore: null, company: 'custom.org' }));
    form.set('groupId', group.body.id);
    form.set(
      'file',
      new Blob(['who,mobile,ignore,company,lists\nA,+212612345611,x,Acme,vip|north\nB,+212612345612,y,Beta,north\n']),
      'people.csv',
    );
    const res = await fetch(`${t.url}${base}/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.accessToken}` },
      body: form,
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(202);
    expect(body.fileName).toBe('people.csv');
    expect(await settled(body.importId)).toMatchObject({ status: 'completed', created: 2, failed: 0 });
    const groups = (await get(`${base}/groups`)).body.data as { id: string; name: string; contacts: number }[];
    expect(groups.find((g) => g.name === 'imported')?.contacts).toBe(2);
    expect(groups.find((g) => g.name === 'north')?.contacts).toBe(2);
    expect(groups.find((g) => g.name === 'vip')?.contacts).toBe(1);
    const a = (await get(`${base}/contacts?q=612345611`)).body.data[0];
    expect(a).toMatchObject({ name: 'A', custom: { org: 'Acme' } });
    expect(a.custom).not.toHaveProperty('ignore');
  });

  it('reports a 1 MB line, an unclosed quote and control characters per row; the other rows are imported', async () => {
    const project = await newProject('import-hostile');
    const csv =
      'phone,name\n' +
      '+212612345621,ok\n' +
      `+212612345622,${'x'.repeat(1024 * 1024)}\n` +
      '+212612345623,"tab\u0007bell"\n' +
      '+212612345624,fine\n' +
      '+212612345625,"never closed\n';
    const res = await upload(csv, '', 'text/csv', project);
    const finished = await settled(res.body.importId);
    expect(finished).toMatchObject({ status: 'completed', rows: 5, created: 2, failed: 3 });
    const report = await fetch(`${t.url}${finished.errorsUrl}`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    const reported = parse<Record<string, string>>(await report.text(), { columns: true });
    expect(reported.map((r) => [r.row, r.field, r.code])).toEqual([
      ['2', 'name', 'validation_failed'],
      ['3', 'name', 'validation_failed'],
      ['5', '', 'malformed_row'],
    ]);
    expect((await allContacts(project)).map((c) => c.phone).sort()).toEqual(['+212612345621', '+212612345624']);
  });

  it('refuses what it cannot read before recording an import', async () => {
    const before = (await get(`${base}/imports`)).body.data.length;
    const cases: [Promise<{ status: number; body: any }>, number, string, string?][] = [
      [upload('phone;name\n+212612345631;x\n', '?delimiter=,'), 400, 'validation_failed', 'file'],
      [upload('name,city\nA,Rabat\n'), 400, 'validation_failed', 'file'],
      [
        upload('phone\n+212612345631\n', `?mapping=${encodeURIComponent('{"phone":"nope"}')}`),
        400,
        'validation_failed',
        'mapping',
      ],
      [
        upload('phone\n+212612345631\n', `?mapping=${encodeURIComponent('{"absent":"name"}')}`),
        400,
        'validation_failed',
        'mapping',
      ],
      [upload('phone\n+212612345631\n', '?mapping=%7Bnot-json'), 400, 'validation_failed', 'mapping'],
      [upload('phone\n+212612345631\n', '?colour=red'), 400, 'validation_failed'],
      [upload('phone\n+212612345631\n', '?groupId=grp_missing'), 404, 'not_found', 'groupId'],
      [upload('', ''), 400, 'validation_failed', 'file'],
      [upload('{"phone":1}', '', 'application/json'), 415, 'unsupported_media_type'],
      [upload('phone,name\n+212612345631,x\n', '', 'multipart/form-data'), 415, 'unsupported_media_type'],
    ];
    for (const [pending, status, code, field] of cases) {
      const res = await pending;
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      if (field) expect(res.body.error.field).toMatch(new RegExp(`^${field}\\b`));
    }
    expect((await get(`${base}/imports`)).body.data.length).toBe(before);
    const missing = await get('/v1/imports/imp_missing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'import_not_found', field: 'importId' });
  });

  it('exports contacts as CSV that imports back unchanged, formulas escaped', async () => {
    const project = await newProject('export');
    const first = await upload(
      'phone,name,company,groups\n+212612345641,"=cmd|x",Atlas,a;b\n+212612345642,"Dupont, Jean",,\n',
      '',
      'text/csv',
      project,
    );
    await settled(first.body.importId);
    const res = await fetch(`${t.url}${project}/contacts/export`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="contacts-.*\.csv"$/);
    const text = await res.text();
    const exported = parse<Record<string, string>>(text, { columns: true });
    expect(exported).toHaveLength(2);
    const byPhone = Object.fromEntries(exported.map((r) => [r.phone, r]));
    expect(byPhone['+212612345641']).toMatchObject({ name: "'=cmd|x", 'custom.company': 'Atlas', status: 'active' });
    expect(byPhone['+212612345641']!.groups!.split(';').sort()).toEqual(['a', 'b']);
    expect(byPhone['+212612345642']).toMatchObject({ name: 'Dupont, Jean', 'custom.company': '' });

    const before = await allContacts(project);
    const back = await upload(text, '', 'text/csv', project);
    expect(back.status, JSON.stringify(back.body)).toBe(202);
    expect(await settled(back.body.importId)).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 0 });
    expect(await allContacts(project)).toEqual(before);
  });
});

describe('an import on the live event stream', () => {
  it('sends contact.created for each new contact, import.progress and import.completed with the counts', async () => {
    const project = await newProject('import-events');
    const projectId = project.split('/').pop()!;
    const stream = await openSse(`${t.url}/v1/events/stream?projectId=${projectId}`, {
      authorization: `Bearer ${owner.accessToken}`,
    });
    try {
      expect(stream.status).toBe(200);
      const res = await upload('phone,name\n+212612345651,A\n+212612345652,B\nbad,C\n', '', 'text/csv', project);
      await settled(res.body.importId);
      const events = await stream.until((e) => e.some((x) => x.event === 'import.completed'));
      const created = events.filter((e) => e.event === 'contact.created').map((e) => JSON.parse(e.data).data.phone);
      expect(created.sort()).toEqual(['+212612345651', '+212612345652']);
      const completed = JSON.parse(events.find((e) => e.event === 'import.completed')!.data);
      expect(completed.data).toMatchObject({ id: res.body.importId, status: 'completed', created: 2, failed: 1 });
      expect(events.some((e) => e.event === 'import.progress')).toBe(true);
    } finally {
      stream.close();
    }
  });
});

describe('limits and lost relays', () => {
  it('answers 413 for a file over MESSAGEJS_IMPORT_MAX_MB and records nothing', async () => {
    const small = await startAccountsRelay({ env: { MESSAGEJS_IMPORT_MAX_MB: '1' } });
    try {
      const token = (await setUpOwner(small)).accessToken;
      const body = `phone,name\n${'+212612345661,x\n'.repeat(80_000)}`;
      const res = await fetch(`${small.url}/v1/projects/${small.demo.projectId}/contacts/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body,
      }).catch((error: unknown) => ({ status: 0, error }));
      // The relay answers 413 and closes the connection without reading the rest: fetch sees the
      // answer, or (the body still being sent) a reset connection. Either way, nothing is recorded.
      if (res.status !== 0) expect(res.status).toBe(413);
      expect(await rows(small.location, 'contact_imports')).toEqual([]);
      expect(fs.readdirSync(path.join(small.dataDir, 'imports'))).toEqual([]);
    } finally {
      await small.cleanup();
    }
  });

  it('fails an import whose relay stopped reading it (no progress for 10 minutes, its file elsewhere)', async () => {
    const first = await startAccountsRelay();
    const at = Date.now() - 11 * 60_000;
    await first.relay.store.imports.create(
      importRecord('imp_lost', first.demo.projectId, {
        status: 'processing',
        createdAt: at,
        startedAt: at,
        updatedAt: at,
      }),
    );
    await first.close();
    const second = await startRelay({ location: first.location, demo: first.demo });
    try {
      const lost = await second.relay.store.imports.get('imp_lost');
      expect(lost).toMatchObject({ status: 'failed', finishedAt: expect.any(Number) });
      expect(lost!.error).toMatch(/^import_interrupted: /);
    } finally {
      await second.cleanup();
    }
  });
});

describe('an import across a restart', () => {
  it('stops between chunks when the relay closes and resumes after the last committed row', async () => {
    const first = await startAccountsRelay();
    const token = (await setUpOwner(first)).accessToken;
    const lines = ['phone,name'];
    for (let i = 0; i < 12000; i++) lines.push(`+2126${String(10000000 + i)},n${i}`);
    const res = await fetch(`${first.url}/v1/projects/${first.demo.projectId}/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: `${lines.join('\n')}\n`,
    });
    const { importId } = (await res.json()) as { importId: string };
    expect(res.status).toBe(202);
    await first.close();
    // Closed between chunks: some rows committed, not all.
    const [stopped] = await rows(first.location, 'contact_imports');
    expect(Number(stopped!.rows)).toBeLessThan(12000);
    expect(Number(stopped!.rows) % 1000).toBe(0);
    const second = await startRelay({
      location: first.location,
      demo: first.demo,
      deps: { passwordHashing: CHEAP_PASSWORDS },
    });
    try {
      for (let i = 0; i < 500; i++) {
        const now = await second.relay.store.imports.get(importId);
        if (now!.status === 'completed') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const done = await second.relay.store.imports.get(importId);
      expect(done).toMatchObject({ status: 'completed', rows: 12000, created: 12000, failed: 0 });
      const page = await second.relay.store.contacts.byPhones(first.demo.projectId, ['+212610000000', '+212610011999']);
      expect(page).toHaveLength(2);
    } finally {
      await second.cleanup();
    }
  });
});
