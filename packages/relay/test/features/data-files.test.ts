import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { addConnector, setVerifySettings } from '@messagejs/relay';
import { call, startRelay, tempDir, waitForIdle, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { waitForCode } from '../helpers/verify.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { startFakeProvider } from '../helpers/fake-provider.js';

const NUMBER = '+212612345678';
const FILES = ['messagejs.db', 'messagejs.db-wal', 'messagejs.db-shm'];

let relays: TestRelay[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const t of relays) await t.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  relays = [];
  dirs = [];
});

async function open(options: Parameters<typeof startRelay>[0]): Promise<TestRelay> {
  const t = await startRelay(options);
  relays.push(t);
  return t;
}

/** The raw bytes of the data files that exist now (the database, its WAL and its shared memory). */
function rawFiles(dataDir: string): Array<{ name: string; bytes: Buffer }> {
  return FILES.filter((name) => fs.existsSync(path.join(dataDir, name))).map((name) => ({
    name,
    bytes: fs.readFileSync(path.join(dataDir, name)),
  }));
}

/** The files in which `text` appears as ASCII/UTF-8, UTF-16LE or UTF-16BE. */
function filesHolding(dataDir: string, text: string): string[] {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.from(le).swap16();
  return rawFiles(dataDir)
    .filter(({ bytes }) => bytes.includes(Buffer.from(text, 'utf8')) || bytes.includes(le) || bytes.includes(be))
    .map(({ name }) => name);
}

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe('verification codes on disk', () => {
  it('leaves no code in the database, -wal or -shm files, before delivery or once the code is checked', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    // Stored but not sent: the worker is off.
    const first = await open({ dataDir, env: { MESSAGEJS_WORKER: 'off' } });
    // Ten alphanumeric characters: no chance of finding the code in the files by accident.
    await setVerifySettings(
      first.relay.store,
      first.relay.sealer,
      first.demo.projectId,
      { codeLength: 10, alphabet: 'alphanumeric' },
      Date.now(),
    );
    const res = await call(first, 'POST', '/v1/verify/send', {
      key: first.demo.secretKey,
      body: { to: NUMBER, channel: 'sms' },
    });
    expect(res.status).toBe(202);
    const [queued] = (await snapshot({ dataDir })).messages as Array<{ body: string; status: string }>;
    expect(queued!.status).toBe('queued');
    // Sealed under the master key; the text around the code is not there either.
    expect(queued!.body).toMatch(/^v1\.[0-9a-f]{12}\./);
    expect(filesHolding(dataDir, 'is your Demo verification code')).toEqual([]);
    await first.close();

    // The next start sends it: the worker opens the body only to hand it to the connector.
    const t = await open({ dataDir, demo: first.demo });
    const code = await waitForCode(t, 1);
    expect(code).toMatch(/^[0-9A-Z]{10}$/);
    await waitForIdle(t);
    const checked = await call(t, 'POST', '/v1/verify/check', {
      key: t.demo.secretKey,
      body: { sessionId: res.body.sessionId, code },
    });
    expect(checked.body).toMatchObject({ valid: true, status: 'approved' });
    const [sent] = (await snapshot({ dataDir })).messages as Array<{
      body: string;
      subject: string | null;
      status: string;
    }>;
    expect(sent).toMatchObject({ status: 'delivered', body: '[redacted]', subject: null });

    // While the relay runs (the WAL holds every page version written since the last checkpoint)…
    expect(fs.existsSync(path.join(dataDir, 'messagejs.db-wal'))).toBe(true);
    expect(filesHolding(dataDir, code)).toEqual([]);
    expect(filesHolding(dataDir, 'is your Demo verification code')).toEqual([]);
    // …and after it stops: the checkpoint leaves no copy of the sealed body in free space.
    await t.close();
    expect(filesHolding(dataDir, code)).toEqual([]);
    expect(filesHolding(dataDir, queued!.body.split('.').at(-1)!)).toEqual([]);
  });

  it('keeps the code out of provider error text that quotes the refused body', async () => {
    const twilio = await startFakeProvider();
    try {
      twilio.reply((req) => ({
        status: 400,
        body: { code: 21999, status: 400, message: `Refused body: ${req.form.get('Body')}` },
      }));
      const t = await open({ deps: { connectorBaseUrls: { twilio: twilio.url } } });
      dirs.push(t.dataDir);
      const credentials = { accountSid: `AC${'a'.repeat(32)}`, authToken: 'twilio-auth-token-0123456789abcdef' };
      await addConnector(
        t.relay.store,
        t.relay.sealer,
        {
          projectId: t.demo.projectId,
          type: 'twilio',
          channels: ['sms'],
          config: { from: '+15005550006' },
          credentials,
          priority: 1,
        },
        Date.now(),
      );
      const res = await call(t, 'POST', '/v1/verify/send', {
        key: t.demo.secretKey,
        body: { to: NUMBER, channel: 'sms' },
      });
      expect(res.status).toBe(202);
      const { id } = ((await snapshot(t.location)).messages as Array<{ id: string }>)[0]!;
      const failed = await waitForMessage(t, id, (m) => m.status === 'failed');
      const code = /^(\d{6}) is your/.exec(twilio.last().form.get('Body')!)![1]!;
      expect(failed.errorMessage).toBe(
        'Twilio: Refused body: ****** is your Demo verification code. It expires in 10 minutes.',
      );
      expect(filesHolding(t.dataDir, code)).toEqual([]);
    } finally {
      await twilio.close();
    }
  });

  it('zeroes what is deleted or overwritten, so it is not left in free space of the database file', () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const db = openDatabase(dataDir);
    db.exec('CREATE TABLE scratch (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
    db.prepare('INSERT INTO scratch (text) VALUES (?), (?)').run('kept row', 'deleted SECRETSECRET');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.prepare("UPDATE scratch SET text = 'blanked' WHERE text = 'kept row'").run();
    db.prepare("DELETE FROM scratch WHERE text LIKE 'deleted%'").run();
    db.close();
    expect(filesHolding(dataDir, 'SECRETSECRET')).toEqual([]);
    expect(filesHolding(dataDir, 'kept row')).toEqual([]);
    expect(filesHolding(dataDir, 'blanked')).toEqual(['messagejs.db']);
  });

  it('sends a body sealed under a previous master key, and fails one whose key is gone', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const [oldKey, newKey] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
    const first = await open({ dataDir, env: { MESSAGEJS_WORKER: 'off', MESSAGEJS_MASTER_KEY: oldKey } });
    const send = async (t: TestRelay, to: string) =>
      (await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to, channel: 'sms' } })).status;
    expect(await send(first, NUMBER)).toBe(202);
    await first.close();

    // Rotated, with the old key kept for opening: delivered.
    const rotated = await open({
      dataDir,
      demo: first.demo,
      env: { MESSAGEJS_MASTER_KEY: newKey, MESSAGEJS_OLD_MASTER_KEYS: oldKey },
    });
    expect(await waitForCode(rotated, 1)).toMatch(/^\d{6}$/);
    await waitForIdle(rotated);
    await rotated.close();

    // Sealed under the old key, then the old key dropped: a clear failure, not a retry loop.
    const again = await open({
      dataDir,
      demo: first.demo,
      env: { MESSAGEJS_WORKER: 'off', MESSAGEJS_MASTER_KEY: oldKey },
    });
    expect(await send(again, '+212612345679')).toBe(202);
    await again.close();
    const dropped = await open({ dataDir, demo: first.demo, env: { MESSAGEJS_MASTER_KEY: newKey } });
    const messages = (await snapshot({ dataDir })).messages as Array<{ id: string; recipient: string }>;
    const id = messages.find((m) => m.recipient === '+212612345679')!.id;
    const failed = await waitForMessage(dropped, id, (m) => m.status === 'failed');
    expect(failed.errorCode).toBe('sealed_content_unreadable');
    expect(failed.errorMessage).toContain('which this relay does not have');
    expect(dropped.console).toEqual([]);
  });
});

describe('data file modes', () => {
  it('creates the data directory 0700 and the database, -wal and -shm 0600', async () => {
    const parent = tempDir();
    dirs.push(parent);
    const dataDir = path.join(parent, 'data');
    // The usual umask, which leaves new files readable by all: the modes must not depend on it.
    const umask = process.umask(0o022);
    let t: TestRelay;
    try {
      t = await open({ dataDir });
    } finally {
      process.umask(umask);
    }
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { channel: 'console', to: 'dev', text: 'hello' },
    });
    expect(sent.status).toBe(202);
    await waitForIdle(t);
    expect(mode(dataDir)).toBe('700');
    for (const name of [...FILES, 'master.key']) expect([name, mode(path.join(dataDir, name))]).toEqual([name, '600']);
    expect(t.logText()).not.toContain('open to other users');
  });

  it('warns once, with path and mode, about an existing directory and database others can read, and leaves them as they are', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await open({ dataDir });
    await first.close();
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, 'messagejs.db'), 0o644);
    const t = await open({ dataDir, demo: first.demo });
    expect((await call(t, 'GET', '/healthz')).status).toBe(200);
    const warnings = t.logs().filter((l) => String(l.msg).includes('open to other users'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      files: [
        { path: dataDir, mode: '0755' },
        { path: path.join(dataDir, 'messagejs.db'), mode: '0644' },
      ],
    });
    expect(mode(dataDir)).toBe('755');
    expect(mode(path.join(dataDir, 'messagejs.db'))).toBe('644');
  });
});
