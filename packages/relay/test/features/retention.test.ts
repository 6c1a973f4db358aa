import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@messagejs/relay';
import { call, waitForMessage } from '../helpers/start-relay.js';
import { setUpOwner, startAccountsRelay } from '../helpers/accounts.js';
import { messageRecord } from '../helpers/store-records.js';
import { rows } from '../helpers/store-snapshot.js';
import { waitForCode } from '../helpers/verify.js';

const DAY = 24 * 3600_000;
const HOUR = 3600_000;
let t: Awaited<ReturnType<typeof startAccountsRelay>>;
/** When the relay started: the old data is made then. */
let S: number;
const old: string[] = [];
let recent: string;
let scheduled: string;
let oldSession: string;
let recentSession: string;

/** Sends a text to `to` through the console connector and waits until it is delivered; returns its id. */
async function delivered(to: string, text: string): Promise<string> {
  const res = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { to, text, channel: 'sms' } });
  expect(res.status).toBe(202);
  await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
  return res.body.id;
}

async function verifySession(to: string, codes: number): Promise<string> {
  const res = await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to, channel: 'sms' } });
  expect(res.status).toBe(202);
  await waitForCode(t, codes);
  return res.body.sessionId;
}

/** The log line of the next retention run that removed something, after `seen` of them. */
async function removal(seen: number): Promise<Record<string, unknown>> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const runs = t.logs().filter((line) => line.msg === 'old data removed');
    if (runs.length > seen) return runs[seen]!;
    if (performance.now() > deadline) throw new Error(`no retention run removed anything:\n${t.logText()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const message = (id: string) => t.relay.store.messages.get(id);

/** Waits until the outbox holds only the scheduled message: every code is delivered. */
async function delivering(): Promise<void> {
  const deadline = performance.now() + 5000;
  while ((await t.relay.store.outbox.pending()) > 1) {
    if (performance.now() > deadline) throw new Error('the worker did not finish delivering');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  t = await startAccountsRelay({
    env: { MESSAGEJS_RETENTION_DAYS: '30', MESSAGEJS_AUDIT_RETENTION_DAYS: '90' },
    // Batches of 2 rows: the old messages take several.
    deps: { worker: { pollMs: 20, retention: { batchSize: 2 } } },
  });
  S = t.clock.now;
  await setUpOwner(t);
  for (let i = 0; i < 5; i++) old.push(await delivered(`+21261234500${i}`, `old message ${i}`));
  oldSession = await verifySession('+212612345678', 1);
  // Still waiting to be sent, a year from now.
  scheduled = `msg_${'s'.repeat(29)}`;
  await t.relay.store.messages.enqueue({
    message: messageRecord(scheduled, t.demo.projectId, 'key_seed', {
      status: 'scheduled',
      body: 'scheduled long ago',
      createdAt: S,
      updatedAt: S,
      scheduledAt: S + 365 * DAY,
    }),
    dueAt: S + 365 * DAY,
  });
  await delivering();
  const attempts = await rows(t.location, 'message_attempts');
  expect(attempts.filter((a) => old.includes(a.message_id as string))).toHaveLength(5);
  // The next hourly housekeeping runs retention.
  t.clock.advance(31 * DAY);
  recent = await delivered('+212612345099', 'within the window');
  recentSession = await verifySession('+212600001234', 2);
  await delivering();
});
afterAll(() => t.cleanup());

describe('retention (MESSAGEJS_RETENTION_DAYS, MESSAGEJS_AUDIT_RETENTION_DAYS)', () => {
  it('removes messages past their age, bodies first then rows, in batches, with their attempts', async () => {
    const report = await removal(0);
    // 5 old messages and the old session's code: blanked in 3 full batches and an empty one, then
    // deleted so; one batch of sessions, one of audit entries (none old enough), one of events (the
    // event log's 30 days by default; none recorded: nobody listens to the project).
    expect(report).toMatchObject({ bodies: 6, messages: 6, verifySessions: 1, audit: 0, events: 0, batches: 11 });
    for (const id of old) expect(await message(id)).toBeNull();
    const attempts = await rows(t.location, 'message_attempts');
    expect(attempts.filter((a) => old.includes(a.message_id as string))).toEqual([]);
    expect(attempts.filter((a) => a.message_id === recent)).toHaveLength(1);
  });

  it('keeps a message still in the outbox, and everything inside the window', async () => {
    expect(await message(scheduled)).toMatchObject({ status: 'scheduled', body: 'scheduled long ago' });
    expect(await message(recent)).toMatchObject({ status: 'delivered', body: 'within the window' });
    const res = await call(t, 'GET', `/v1/verify/sessions/${recentSession}`, { key: t.demo.secretKey });
    expect(res.status).toBe(200);
    expect(res.body.messageIds).toHaveLength(1);
    expect(await message(res.body.messageIds[0])).not.toBeNull();
  });

  it('removes verification sessions past their age, with their send records', async () => {
    const gone = await call(t, 'GET', `/v1/verify/sessions/${oldSession}`, { key: t.demo.secretKey });
    expect(gone.status).toBe(404);
    const listed = await call(t, 'GET', '/v1/verify/sessions', { key: t.demo.secretKey });
    expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([recentSession]);
    expect((await rows(t.location, 'verify_sends')).map((r) => r.session_id)).toEqual([recentSession]);
  });

  it('keeps the audit log for its own retention, then removes entries past it', async () => {
    const entries = await rows(t.location, 'audit');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => (e.at as number) < S + HOUR)).toBe(true);
    // 91 days after they were written.
    t.clock.advance(60 * DAY);
    await removal(1);
    expect(await rows(t.location, 'audit')).toEqual([]);
    // The recent message is past its 30 days by now too; the scheduled one still waits.
    expect(await message(recent)).toBeNull();
    expect(await message(scheduled)).not.toBeNull();
  });

  it('refuses a bad number of days at startup, naming the setting', () => {
    for (const value of ['0', '-1', '2.5', 'forever', '36501']) {
      expect(() => loadConfig({ MESSAGEJS_RETENTION_DAYS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ MESSAGEJS_AUDIT_RETENTION_DAYS: value })).toThrow(
        /MESSAGEJS_AUDIT_RETENTION_DAYS: must be a whole number of days/,
      );
    }
    expect(loadConfig({})).toMatchObject({ retentionDays: null, auditRetentionDays: null });
    expect(loadConfig({ MESSAGEJS_RETENTION_DAYS: '', MESSAGEJS_AUDIT_RETENTION_DAYS: ' 365 ' })).toMatchObject({
      retentionDays: null,
      auditRetentionDays: 365,
    });
  });
});
