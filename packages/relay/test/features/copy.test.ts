import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@messagejs/relay';
import { COPY_TABLES, copySqliteToPostgres, UNCOPIED_TABLES } from '../../src/store/copy.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { migratePostgres } from '../../src/store/postgres/database.js';
import { masterKeyId } from '../../src/crypto/sealer.js';
import { call, startRelay, tempDir, waitForIdle, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { setUpOwner, startAccountsRelay, addMember, type Tokens } from '../helpers/accounts.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { waitForCode } from '../helpers/verify.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';

const TO = '+212612345678';
const SID = `AC${'c'.repeat(32)}`;
const TWILIO_TOKEN = 'twilio-token-0123456789abcdef';
const pgUp = await postgresAvailable();
if (!pgUp)
  console.warn('copy.test.ts: PostgreSQL does not answer on MESSAGEJS_TEST_DATABASE_URL; the copy tests are skipped.');

/**
 * The relay honours `MESSAGEJS_DATABASE_URL` once the PostgreSQL store and its wiring are merged
 * (issue 13, branches pg-core and processes); until then a relay cannot be started on the copy.
 */
const relayOnPostgres = 'databaseUrl' in loadConfig({});
if (pgUp && !relayOnPostgres) {
  console.warn('copy.test.ts: this relay has no MESSAGEJS_DATABASE_URL yet; "a relay on the copy" is skipped.');
}

type Row = Record<string, unknown>;
const byContent = (a: Row, b: Row) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** Every table's rows in the SQLite data directory, in a stable order. */
function sqliteTables(dataDir: string): Record<string, Row[]> {
  const db = new Database(path.join(dataDir, 'messagejs.db'), { readonly: true });
  try {
    return Object.fromEntries(
      COPY_TABLES.map((t) => [t, (db.prepare(`SELECT * FROM ${t}`).all() as Row[]).sort(byContent)]),
    );
  } finally {
    db.close();
  }
}

/** Every table's rows in the PostgreSQL database, in the same order, keys in SQLite's column order. */
async function postgresTables(pool: pg.Pool, columns: Record<string, string[]>): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of COPY_TABLES) {
    const { rows } = await pool.query<Row>(`SELECT ${columns[t]!.join(', ')} FROM ${t}`);
    out[t] = rows.sort(byContent);
  }
  return out;
}

function sqliteColumns(dataDir: string): Record<string, string[]> {
  const db = new Database(path.join(dataDir, 'messagejs.db'), { readonly: true });
  try {
    return Object.fromEntries(
      COPY_TABLES.map((t) => [
        t,
        (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(t) as Array<{ name: string }>).map(
          (c) => c.name,
        ),
      ]),
    );
  } finally {
    db.close();
  }
}

async function targetCounts(pool: pg.Pool): Promise<number[]> {
  const counts = [];
  for (const t of COPY_TABLES) counts.push(Number((await pool.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n));
  return counts;
}

describe('the tables copy knows', () => {
  it('are every table of the SQLite schema, parents before children', () => {
    const dir = tempDir();
    try {
      const db = openDatabase(dir);
      const tables = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{
          name: string;
        }>
      ).map((r) => r.name);
      expect([...tables].sort()).toEqual([...COPY_TABLES, ...UNCOPIED_TABLES].sort());
      for (const [index, table] of COPY_TABLES.entries()) {
        const parents = db.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').all(table) as Array<{
          table: string;
        }>;
        for (const { table: parent } of parents) {
          expect(COPY_TABLES.indexOf(parent as never), `${table} → ${parent}`).toBeLessThan(index);
        }
      }
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A SQLite installation with rows in every table: an owner, a member limited to one project, an
 * admin token limited to it, a Twilio connector with sealed credentials, a template with versions,
 * a verified number, history with attempts and a delivery report, an idempotent send, an opt-out, an inbound message
 * with a phone mapping, an auto-reply and keyword settings, a bulk request's batch, a contact in a group, and one message still in the
 * outbox (sent while the worker was off).
 */
async function populate(fake: FakeProvider): Promise<{ dataDir: string; demo: TestRelay['demo']; pending: string }> {
  const t = await startAccountsRelay({
    env: { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' },
    deps: { connectorBaseUrls: { twilio: fake.url } },
  });
  const owner: Tokens = await setUpOwner(t);
  const as = { key: owner.accessToken };
  const project = `/v1/projects/${t.demo.projectId}`;
  // A webhook endpoint (the fake provider answers its posts): events, deliveries and their attempts.
  const endpoint = await call(t, 'POST', `${project}/webhooks`, { ...as, body: { url: `${fake.url}/webhooks` } });
  expect(endpoint.status).toBe(201);

  // Verification through the console connector (before Twilio takes SMS): sessions, sends, a signing key.
  const started = await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to: TO, channel: 'sms' } });
  expect(started.status).toBe(202);
  const code = await waitForCode(t, 1);
  const checked = await call(t, 'POST', '/v1/verify/check', {
    key: t.demo.secretKey,
    body: { sessionId: started.body.sessionId, code },
  });
  expect(checked.body.valid).toBe(true);

  const connector = await call(t, 'POST', `${project}/connectors`, {
    ...as,
    body: {
      type: 'twilio',
      name: 'Twilio',
      channels: ['sms'],
      config: { from: '+15005550006' },
      credentials: { accountSid: SID, authToken: TWILIO_TOKEN },
      priority: 5,
    },
  });
  expect(connector.status).toBe(201);
  let n = 0;
  fake.reply(() => ({ status: 201, body: { sid: `SM${String(++n).padStart(32, '0')}`, status: 'queued' } }));

  const ping = (body: string) => ({
    channel: 'sms',
    recipient: { mode: 'caller' },
    body,
    params: { n: { type: 'text', maxLength: 200 } },
  });
  expect((await call(t, 'PUT', `${project}/templates/ping`, { ...as, body: ping('Ping {{n}}') })).status).toBe(201);
  expect((await call(t, 'PUT', `${project}/templates/ping`, { ...as, body: ping('Ping two {{n}}') })).status).toBe(200);
  const sent = await call(t, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { template: 'ping', to: TO, params: { n: 'x' } },
    headers: { 'idempotency-key': 'copy-test-1' },
  });
  expect(sent.status).toBe(202);
  const onTwilio = await waitForMessage(t, sent.body.id, (m) => m.status === 'sent');
  // Twilio reports delivery: the message's timeline gets the callback (message_events).
  const hook = `/v1/hooks/${connector.body.id}/status`;
  const report = { MessageSid: onTwilio.providerMessageId, MessageStatus: 'delivered' };
  const reported = await fetch(`${t.url}${hook}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${t.url}${hook}`, report),
    },
    body: new URLSearchParams(report).toString(),
  });
  expect(reported.status).toBe(200);

  // Messages in: a number mapped to a user (verified above), an auto-reply, keyword settings, and a
  // message from that number through Twilio's hook (its inbound.received goes to the endpoint).
  const mapped = { phone: TO, userId: 'user-1', verification: 'verify' };
  expect((await call(t, 'POST', `${project}/phone-mappings`, { ...as, body: mapped })).status).toBe(201);
  const rule = { kind: 'regex', pattern: 'opening\\s+hours', reply: 'Open 9 to 5.' };
  expect((await call(t, 'POST', `${project}/inbound-rules`, { ...as, body: rule })).status).toBe(201);
  const settings = (await call(t, 'GET', `${project}/inbound-settings`, as)).body;
  const { defaultLanguage, languages } = settings;
  expect(
    (await call(t, 'PUT', `${project}/inbound-settings`, { ...as, body: { defaultLanguage, languages } })).status,
  ).toBe(200);
  const inbound = { MessageSid: `SM${'9'.repeat(32)}`, From: TO, To: '+15005550006', Body: 'opening hours?' };
  const inHook = `/v1/hooks/${connector.body.id}`;
  const received = await fetch(`${t.url}${inHook}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${t.url}${inHook}`, inbound),
    },
    body: new URLSearchParams(inbound).toString(),
  });
  expect(await received.text()).toContain('<Message>Open 9 to 5.</Message>');

  // A bulk request (issue 16): its batch, and a message naming it.
  const bulk = await call(t, 'POST', '/v1/messages/bulk', {
    key: t.demo.secretKey,
    body: { template: 'ping', recipients: [{ to: '+212612348888', params: { n: 'bulk' } }], reference: 'copy-bulk' },
  });
  expect(bulk.status).toBe(202);
  expect(bulk.body.accepted).toBe(1);
  // A contact in a group (issue 16).
  const group = await call(t, 'POST', `${project}/groups`, { ...as, body: { name: 'VIP' } });
  expect(group.status).toBe(201);
  const contact = await call(t, 'POST', `${project}/contacts`, {
    ...as,
    body: { name: 'Copy', phone: '+212612347777', custom: { tier: 1 }, groups: [group.body.id] },
  });
  expect(contact.status).toBe(201);
  // A CSV import of contacts with a refused row (its report).
  const imported = await call(t, 'POST', `${project}/contacts/import`, {
    ...as,
    rawBody: 'phone,name\n+212612347778,Imported\nnot-a-number,Bad\n',
    headers: { 'content-type': 'text/csv' },
  });
  expect(imported.status).toBe(202);
  for (let i = 0; i < 200 && (await t.relay.store.imports.get(imported.body.importId))?.status !== 'completed'; i++) {
    await sleep(10);
  }
  expect(await t.relay.store.imports.get(imported.body.importId)).toMatchObject({ created: 1, failed: 1 });
  const optOut = await call(t, 'POST', `${project}/opt-outs`, { ...as, body: { address: '+212612349999' } });
  expect(optOut.status).toBe(201);
  const other = await call(t, 'POST', '/v1/projects', { ...as, body: { name: 'Second' } });
  expect(other.status).toBe(201);
  const token = await call(t, 'POST', '/v1/admin-tokens', {
    ...as,
    body: { name: 'ci', permissions: ['view_history'], projectIds: [other.body.id] },
  });
  expect(token.status).toBe(201);
  await addMember(t, owner, { email: 'limited@example.com', role: 'manager', projectIds: [other.body.id] });
  await waitForIdle(t);
  for (let i = 0; i < 200 && (await t.relay.store.webhooks.pending()) > 0; i++) await sleep(25);
  expect(await t.relay.store.webhooks.pending()).toBe(0);
  await t.close();

  // The worker off: the next message stays in the outbox.
  const off = await startRelay({
    dataDir: t.dataDir,
    demo: t.demo,
    env: { MESSAGEJS_WORKER: 'off' },
    deps: { connectorBaseUrls: { twilio: fake.url } },
  });
  const pending = await call(off, 'POST', '/v1/messages', {
    key: t.demo.secretKey,
    body: { template: 'ping', to: TO, params: { n: 'later' } },
  });
  expect(pending.status).toBe(202);
  await off.close();
  return { dataDir: t.dataDir, demo: t.demo, pending: pending.body.id };
}

/**
 * The source is a SQLite relay by nature: under the PostgreSQL test project (test-infra's
 * `MESSAGEJS_TEST_BACKEND=postgres`) `startRelay` would store in PostgreSQL, so the suite runs in
 * the SQLite project only (it reaches PostgreSQL by itself).
 */
const sqliteProject = process.env.MESSAGEJS_TEST_BACKEND !== 'postgres';

describe.skipIf(!pgUp || !sqliteProject)('messagejs-relay copy', () => {
  let fake: FakeProvider;
  let source: Awaited<ReturnType<typeof populate>>;
  let target: Awaited<ReturnType<typeof freshDatabase>>;
  let copied: Awaited<ReturnType<typeof runCli>>;
  const extra: Array<{ drop: () => Promise<void> }> = [];

  beforeAll(async () => {
    fake = await startFakeProvider();
    source = await populate(fake);
    target = await freshDatabase({ migrate: false });
    copied = await runCli(['copy', '--from', source.dataDir, '--to', target.url]);
  }, 60_000);
  afterAll(async () => {
    await target?.drop();
    await fake?.close();
    if (source) fs.rmSync(source.dataDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const db of extra.splice(0)) await db.drop();
  });

  it('copies every table, row for row, and prints the count check', async () => {
    expect(copied.stderr).not.toMatch(/^Error/m);
    expect(copied.code).toBe(0);
    const from = sqliteTables(source.dataDir);
    for (const table of COPY_TABLES) expect(from[table]!.length, `rows in ${table}`).toBeGreaterThan(0);
    const to = await postgresTables(target.pool, sqliteColumns(source.dataDir));
    for (const table of COPY_TABLES) expect(to[table], table).toEqual(from[table]);
    for (const table of COPY_TABLES) {
      expect(copied.stdout).toMatch(new RegExp(`^${table} +${from[table]!.length} +${from[table]!.length} +ok$`, 'm'));
    }
    expect(copied.stdout).toContain(`in ${COPY_TABLES.length} tables`);
  });

  it('names the master key the target needs by its file and id, never printing it', () => {
    const file = path.join(source.dataDir, 'master.key');
    const key = fs.readFileSync(file, 'utf8').trim();
    expect(copied.stdout).toContain(`${file}: key id ${masterKeyId(Buffer.from(key, 'hex'))} (this key)`);
    expect(copied.stdout + copied.stderr).not.toContain(key);
  });

  it('moves identity sequences past the copied ids', async () => {
    const max = Number((await target.pool.query('SELECT max(id) AS m FROM audit')).rows[0].m);
    const next = await target.pool.query(
      `INSERT INTO audit (actor, action, at) VALUES ('test', 'copy.check', 0) RETURNING id`,
    );
    expect(Number(next.rows[0].id)).toBe(max + 1);
    await target.pool.query('DELETE FROM audit WHERE id = $1', [next.rows[0].id]);
  });

  it('refuses a target that has rows, and writes nothing', async () => {
    const before = await targetCounts(target.pool);
    const again = await runCli(['copy', '--from', source.dataDir, '--to', target.url]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(
      /The target database is not empty \(rows in accounts, users, projects.*Nothing was written/,
    );
    expect(await targetCounts(target.pool)).toEqual(before);
  });

  it('refuses a SQLite schema with a table it does not know, before writing', async () => {
    const dir = tempDir();
    fs.cpSync(source.dataDir, dir, { recursive: true });
    const db = new Database(path.join(dir, 'messagejs.db'));
    db.exec('CREATE TABLE future_things (id TEXT PRIMARY KEY)');
    db.close();
    const empty = await freshDatabase({ migrate: false });
    extra.push(empty);
    const res = await runCli(['copy', '--from', dir, '--to', empty.url]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('tables this relay does not know (future_things)');
    // Refused before the target is even migrated.
    const tables = await empty.pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.rows).toEqual([]);
  });

  it('rolls everything back when a count differs', async () => {
    const lossy = await freshDatabase({ migrate: false });
    extra.push(lossy);
    await migratePostgres(lossy.pool);
    // A target that silently drops audit entries: the count check must catch it. (Not on a table
    // whose own triggers `copy` turns off, such as opt_outs: this one would go off with them.)
    await lossy.pool.query(`CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'`);
    await lossy.pool.query('CREATE TRIGGER lossy BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION drop_row()');
    const report = await copySqliteToPostgres({ from: source.dataDir, to: lossy.url });
    expect(report.committed).toBe(false);
    const audit = report.tables.find((t) => t.table === 'audit')!;
    expect(audit.source).toBeGreaterThan(0);
    expect(audit.target).toBe(0);
    expect((await targetCounts(lossy.pool)).every((n) => n === 0)).toBe(true);
  });

  it('refuses a value PostgreSQL text cannot hold (NUL), naming where it is, and writes nothing', async () => {
    const dir = tempDir();
    fs.cpSync(source.dataDir, dir, { recursive: true });
    const db = new Database(path.join(dir, 'messagejs.db'));
    db.prepare("UPDATE opt_outs SET reason = 'bad' || char(0) || 'reason'").run();
    db.close();
    const empty = await freshDatabase({ migrate: false });
    extra.push(empty);
    await expect(copySqliteToPostgres({ from: dir, to: empty.url })).rejects.toThrow(
      /^opt_outs\.reason holds a NUL character in the row starting "prj_\w+".*Nothing was written\.$/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect((await targetCounts(empty.pool)).every((n) => n === 0)).toBe(true);
  });

  it.skipIf(!relayOnPostgres)('serves the same keys and delivers the pending message from PostgreSQL', async () => {
    const key = fs.readFileSync(path.join(source.dataDir, 'master.key'), 'utf8').trim();
    const before = fake.requests.length;
    const relay = await startRelay({
      dataDir: tempDir(),
      demo: source.demo,
      env: { MESSAGEJS_DATABASE_URL: target.url, MESSAGEJS_MASTER_KEY: key },
      deps: { connectorBaseUrls: { twilio: fake.url } },
    });
    try {
      const delivered = await waitForMessage(relay, source.pending, (m) => m.status === 'sent', 15_000);
      expect(delivered.id).toBe(source.pending);
      expect(fake.requests.length).toBe(before + 1);
      expect(fake.last().form.get('Body')).toContain('Ping two later');
      const denied = await call(relay, 'GET', `/v1/messages/${source.pending}`, { key: 'sk_not_a_key' });
      expect(denied.status).toBe(401);
    } finally {
      await relay.cleanup();
    }
  });
});
