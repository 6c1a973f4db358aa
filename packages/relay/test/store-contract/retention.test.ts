import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message, RetentionBatch, Store, VerifySession } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { messageRecord, projectRecord } from '../helpers/store-records.js';
import { count, rows } from '../helpers/store-snapshot.js';

const DAY = 24 * 3600_000;
/** Now; rows made before `BEFORE` are past their age. */
const NOW = Date.parse('2026-06-01T00:00:00Z');
const BEFORE = NOW - 30 * DAY;
const project = projectRecord('prj_retention');
const LEASE = 30_000;

const message = (id: string, daysAgo: number, fields: Partial<Message> = {}) =>
  messageRecord(`msg_${id}`, project.id, 'key_a', {
    createdAt: NOW - daysAgo * DAY,
    updatedAt: NOW - daysAgo * DAY,
    subject: `subject ${id}`,
    body: `body ${id}`,
    html: `<p>${id}</p>`,
    ...fields,
  });

const session = (id: string, createdAt: number, expiresAt = createdAt + 600_000): VerifySession => ({
  id: `ver_${id.padEnd(22, '0')}`,
  projectId: project.id,
  keyId: 'key_a',
  client: id,
  channel: 'sms',
  to: '+212612345678',
  country: 'MA',
  messageIds: [`msg_v${id}`],
  codeHmac: 'd4'.repeat(32),
  codeLength: 6,
  alphabet: 'numeric',
  status: 'approved',
  attempts: 0,
  maxAttempts: 5,
  sends: 1,
  lastSentAt: createdAt,
  expiresAt,
  verifiedAt: createdAt,
  createdAt,
  updatedAt: createdAt,
});

describe.each(backends)('retention ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened.dispose());

  /** Stores `m` and delivers it: an attempt recorded, its outbox row gone (or kept as a fallback check). */
  async function delivered(m: Message, fallbackAt?: number): Promise<void> {
    await store.messages.enqueue({ message: m, dueAt: m.createdAt });
    const [job] = await store.outbox.claim(m.createdAt, 1, LEASE, 'w1');
    const attempt = {
      messageId: m.id,
      channel: m.channel,
      connectorId: 'con_1',
      connectorType: 'console',
      providerMessageId: null,
      status: 'sent' as const,
      errorCode: null,
      at: m.createdAt + 1,
    };
    await store.outbox.complete(job!, {
      attempt,
      status: 'sent',
      at: m.createdAt + 1,
      ...(fallbackAt && { fallbackAt }),
    });
  }

  /** Old delivered messages a–e, an old one still scheduled, one awaiting its fallback check, a recent one. */
  async function seedMessages(): Promise<void> {
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) await delivered(message(id, 40 - i));
    await store.messages.enqueue({ message: message('scheduled', 45, { status: 'scheduled' }), dueAt: NOW + DAY });
    await delivered(message('fallback', 44), NOW + DAY);
    await delivered(message('recent', 10));
  }

  /** Runs batches of `limit` until one reaches fewer rows; the rows of each. */
  async function drain(
    step: (batch: RetentionBatch) => Promise<{ rows: number; reached: number | null }>,
    limit: number,
  ) {
    const done: number[] = [];
    let from = 0;
    for (;;) {
      const result = await step({ before: BEFORE, from, limit });
      done.push(result.rows);
      if (result.rows < limit || result.reached === null) return done;
      from = result.reached;
    }
  }

  const content = async (id: string) => {
    const m = await store.messages.get(`msg_${id}`);
    return m && { body: m.body, subject: m.subject, html: m.html };
  };

  it('blanks the content of old messages in batches, oldest first, leaving the outbox’s and recent ones', async () => {
    await seedMessages();
    const first = await store.retention.blankMessageBodies({ before: BEFORE, from: 0, limit: 2 });
    expect(first).toEqual({ rows: 2, reached: NOW - 39 * DAY, busy: false });
    expect(await content('a')).toEqual({ body: '', subject: null, html: null });
    expect(await content('c')).toEqual({ body: 'body c', subject: 'subject c', html: '<p>c</p>' });
    expect(await drain((batch) => store.retention.blankMessageBodies(batch), 2)).toEqual([2, 1]);
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      expect(await content(id)).toEqual({ body: '', subject: null, html: null });
    for (const id of ['scheduled', 'fallback', 'recent']) expect((await content(id))?.body).toBe(`body ${id}`);
    // Nothing is left to blank.
    expect(await store.retention.blankMessageBodies({ before: BEFORE, from: 0, limit: 2 })).toEqual({
      rows: 0,
      reached: null,
      busy: false,
    });
  });

  it('deletes old messages with their attempts in batches, never one in the outbox nor a recent one', async () => {
    await seedMessages();
    expect(await drain((batch) => store.retention.deleteOld('messages', batch), 2)).toEqual([2, 2, 1]);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      expect(await store.messages.get(`msg_${id}`)).toBeNull();
      expect(await store.messages.attempts(`msg_${id}`)).toEqual([]);
    }
    for (const id of ['scheduled', 'fallback', 'recent']) expect(await store.messages.get(`msg_${id}`)).not.toBeNull();
    expect(await store.messages.attempts('msg_recent')).toHaveLength(1);
    expect(await count(opened.location, 'message_attempts')).toBe(2);
    expect(await store.outbox.pending()).toBe(2);
  });

  it('starts a batch at `from`: rows older than it are left for no one to read again', async () => {
    await seedMessages();
    const step = await store.retention.deleteOld('messages', { before: BEFORE, from: NOW - 38 * DAY, limit: 10 });
    expect(step).toEqual({ rows: 3, reached: NOW - 36 * DAY, busy: false });
    expect(await store.messages.get('msg_a')).not.toBeNull();
    expect(await store.messages.get('msg_c')).toBeNull();
  });

  it('deletes old verification sessions with their send records, keeping one whose code is still good', async () => {
    const old = session('old', NOW - 40 * DAY);
    const lasting = session('lasting', NOW - 40 * DAY, NOW - 20 * DAY);
    const recent = session('recent', NOW - DAY);
    for (const s of [old, lasting, recent]) {
      await store.verify.send({
        session: s,
        resendOf: null,
        message: messageRecord(s.messageIds[0]!, project.id, 'key_a', { createdAt: s.createdAt, sensitive: true }),
        dueAt: s.createdAt,
        scope: { country: 'MA', prefix: '+212612' },
        // The send log keeps them all: nothing is a day older than the oldest.
        since: { recipient: 0, hour: 0, day: 0 },
        admit: () => null,
      });
    }
    expect(await count(opened.location, 'verify_sends')).toBe(3);
    expect(await drain((batch) => store.retention.deleteOld('verifySessions', batch), 10)).toEqual([1]);
    expect(await store.verify.get(old.id)).toBeNull();
    expect(await store.verify.get(lasting.id)).not.toBeNull();
    expect(await store.verify.get(recent.id)).not.toBeNull();
    expect((await rows(opened.location, 'verify_sends')).map((r) => r.session_id).sort()).toEqual(
      [lasting.id, recent.id].sort(),
    );
    // Their messages are the messages' own business.
    expect(await store.messages.get(old.messageIds[0]!)).not.toBeNull();
  });

  it('deletes old audit entries in batches, oldest first', async () => {
    for (const daysAgo of [100, 95, 91, 89, 1]) {
      await store.audit.record({
        projectId: project.id,
        actor: 'cli',
        action: 'project.update',
        at: NOW - daysAgo * DAY,
      });
    }
    const batch = (before: number, from = 0) => store.retention.deleteOld('audit', { before, from, limit: 2 });
    expect(await batch(NOW - 90 * DAY)).toEqual({ rows: 2, reached: NOW - 95 * DAY, busy: false });
    expect(await batch(NOW - 90 * DAY, NOW - 95 * DAY)).toEqual({ rows: 1, reached: NOW - 91 * DAY, busy: false });
    expect((await rows(opened.location, 'audit')).map((r) => r.at)).toEqual([NOW - 89 * DAY, NOW - DAY]);
  });

  // PostgreSQL only: SQLite's one writer already makes relays on one data directory take turns.
  if (backend.name === 'postgres') {
    it('does nothing, and says so, while another relay runs a batch', async () => {
      await seedMessages();
      const other = new pg.Client({ connectionString: opened.location.databaseUrl });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query("SELECT pg_advisory_xact_lock($1::int, hashtext(''))", [0x4d4a_0a01]);
        expect(await store.retention.deleteOld('messages', { before: BEFORE, from: 0, limit: 10 })).toEqual({
          rows: 0,
          reached: null,
          busy: true,
        });
        await other.query('ROLLBACK');
        expect((await store.retention.deleteOld('messages', { before: BEFORE, from: 0, limit: 10 })).rows).toBe(5);
      } finally {
        await other.end();
      }
    });
  }
});
