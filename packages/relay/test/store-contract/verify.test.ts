import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type IdempotencyRecord,
  type Message,
  type Project,
  type Store,
  type VerifyRefusal,
  type VerifySendCounts,
  type VerifySendInput,
  type VerifySession,
} from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { projectRecord } from '../helpers/store-records.js';

const at = 1_700_000_000_000;
const MINUTE = 60_000;
const project: Project = projectRecord('prj_verify', { name: 'Verify' });

let serial = 0;
const session = (over: Partial<VerifySession> = {}): VerifySession => {
  const time = over.createdAt ?? at;
  return {
    id: `ver_${String(++serial).padStart(22, '0')}`,
    projectId: project.id,
    keyId: 'key_a',
    client: 'client_a',
    channel: 'sms',
    to: '+212612345678',
    country: 'MA',
    messageIds: ['msg_first'],
    codeHmac: 'a1'.repeat(32),
    codeLength: 6,
    alphabet: 'numeric',
    status: 'pending',
    attempts: 0,
    maxAttempts: 3,
    sends: 1,
    lastSentAt: time,
    expiresAt: time + 10 * MINUTE,
    verifiedAt: null,
    createdAt: time,
    updatedAt: time,
    ...over,
  };
};

const messageOf = (s: VerifySession): Message => ({
  id: `msg_${s.id.slice(4)}_${s.sends}`,
  projectId: s.projectId,
  keyId: s.keyId,
  channel: s.channel,
  to: s.to,
  country: 'MA',
  operator: null,
  template: null,
  templateVersion: null,
  subject: null,
  body: 'v1.000000000000.iv.tag.sealed',
  html: null,
  status: 'queued',
  segments: 1,
  encoding: 'GSM-7',
  costEur: null,
  costMad: null,
  cascade: [],
  sensitive: true,
  fallbackAfterMs: null,
  providerMessageId: null,
  connectorId: null,
  errorCode: null,
  errorMessage: null,
  createdAt: s.lastSentAt,
  updatedAt: s.lastSentAt,
  scheduledAt: null,
  sentAt: null,
  deliveredAt: null,
});

const windows = (now: number) => ({
  recipient: now - 10 * MINUTE,
  hour: now - 60 * MINUTE,
  day: now - 24 * 60 * MINUTE,
});

const refusal: VerifyRefusal = { reason: 'recipient', max: 3, retryAt: at + MINUTE };

/** `verify.send`'s input for `s`: admitted unless `admit` says otherwise. */
const sendOf = (
  s: VerifySession,
  options: Partial<Pick<VerifySendInput, 'admit' | 'idempotency' | 'resendOf' | 'scope'>> = {},
): VerifySendInput => ({
  session: s,
  resendOf: null,
  message: messageOf(s),
  dueAt: s.lastSentAt,
  scope: { country: 'MA', prefix: '+212612' },
  since: windows(s.lastSentAt),
  admit: () => null,
  ...options,
});

const idempotency = (key: string): IdempotencyRecord => ({
  keyId: 'key_a',
  idempotencyKey: key,
  requestHash: 'hash',
  statusCode: 200,
  response: { id: 'ver_x', status: 'pending', nested: [1, null, 'é'] },
  createdAt: at,
});

describe.each(backends)('verify ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened.dispose());

  const right = (s: VerifySession, now = at + MINUTE) =>
    store.verify.check({ sessionId: s.id, outcome: { matched: true, codeHmac: s.codeHmac }, at: now });
  const wrong = (s: VerifySession, now = at + MINUTE) =>
    store.verify.check({ sessionId: s.id, outcome: { matched: false }, at: now });

  describe('settings', () => {
    it('reads {} until saved, then what was saved', async () => {
      expect(await store.verify.getSettings(project.id)).toEqual({});
      expect(await store.verify.getSettings('prj_none')).toEqual({});
      const settings = { codeLength: 8, brand: 'Ünïcode "brand"', captcha: { provider: 'pow' as const } };
      await store.verify.saveSettings(project.id, settings);
      expect(await store.verify.getSettings(project.id)).toEqual(settings);
    });
  });

  describe('send', () => {
    it('starts a session with its message, outbox row and send record', async () => {
      const s = session();
      expect(await store.verify.send(sendOf(s))).toEqual({ ok: true });
      expect(await store.verify.get(s.id)).toEqual(s);
      const pending = { projectId: project.id, keyId: 'key_a', client: 'client_a', channel: 'sms' as const, to: s.to };
      expect(await store.verify.findPending({ ...pending, now: at + MINUTE })).toEqual(s);
      expect(await store.verify.findPending({ ...pending, now: s.expiresAt })).toBeNull();
      expect(await store.verify.findPending({ ...pending, client: 'client_b', now: at })).toBeNull();
      expect(await store.verify.findPending({ ...pending, keyId: 'key_b', now: at })).toBeNull();
      expect(await store.messages.get(messageOf(s).id)).toEqual({ ...messageOf(s), leaseUntil: 0 });
      // The send record is counted by the next send.
      let counts: VerifySendCounts | undefined;
      const next = session({ client: 'client_b' });
      await store.verify.send(sendOf(next, { admit: (c) => ((counts = c), null) }));
      expect(counts?.recipient.all.count).toBe(1);
    });

    it('writes nothing when admit refuses, and frees the idempotency key', async () => {
      const s = session();
      const record = idempotency('idem_refused');
      let asked = 0;
      const result = await store.verify.send(sendOf(s, { idempotency: record, admit: () => (asked++, refusal) }));
      expect(result).toEqual({ ok: false, reason: 'refused', refusal });
      expect(asked).toBe(1);
      expect(await store.verify.get(s.id)).toBeNull();
      expect(await store.messages.get(messageOf(s).id)).toBeNull();
      expect(await store.verify.send(sendOf(s, { idempotency: record }))).toEqual({ ok: true });
    });

    it('answers a taken idempotency key with the stored record, writing nothing', async () => {
      const record = idempotency('idem_taken');
      expect(await store.verify.send(sendOf(session(), { idempotency: record }))).toEqual({ ok: true });
      const again = session({ client: 'client_b' });
      expect(await store.verify.send(sendOf(again, { idempotency: { ...record, requestHash: 'other' } }))).toEqual({
        ok: false,
        reason: 'idempotent',
        existing: record,
      });
      expect(await store.verify.get(again.id)).toBeNull();
    });

    it('keeps one pending session per key, client, channel and recipient; an expired one is retired', async () => {
      const first = session();
      await store.verify.send(sendOf(first));
      expect(await store.verify.send(sendOf(session()))).toEqual({ ok: false, reason: 'conflict' });
      // Another client, key or channel has a session of its own.
      expect(await store.verify.send(sendOf(session({ client: 'client_b' })))).toEqual({ ok: true });
      expect(await store.verify.send(sendOf(session({ keyId: 'key_b' })))).toEqual({ ok: true });
      expect(await store.verify.send(sendOf(session({ channel: 'whatsapp' })))).toEqual({ ok: true });
      const later = session({ createdAt: first.expiresAt });
      expect(await store.verify.send(sendOf(later))).toEqual({ ok: true });
      expect(await store.verify.get(first.id)).toMatchObject({ status: 'expired', updatedAt: first.expiresAt });
      expect(await store.verify.get(later.id)).toEqual(later);
    });

    it('resends a pending session unless another send came in between', async () => {
      const s = session();
      await store.verify.send(sendOf(s));
      const resent = {
        ...s,
        codeHmac: 'b2'.repeat(32),
        sends: 2,
        messageIds: ['msg_first', 'msg_second'],
        lastSentAt: at + MINUTE,
        expiresAt: at + 11 * MINUTE,
        updatedAt: at + MINUTE,
      };
      expect(await store.verify.send(sendOf(resent, { resendOf: { lastSentAt: at } }))).toEqual({ ok: true });
      expect(await store.verify.get(s.id)).toEqual(resent);
      expect(await store.messages.get(messageOf(resent).id)).toMatchObject({ id: messageOf(resent).id });
      const stale = { ...resent, sends: 3, lastSentAt: at + 2 * MINUTE, updatedAt: at + 2 * MINUTE };
      expect(await store.verify.send(sendOf(stale, { resendOf: { lastSentAt: at } }))).toEqual({
        ok: false,
        reason: 'conflict',
      });
      expect(await store.messages.get(messageOf(stale).id)).toBeNull();
      expect((await store.verify.get(s.id))?.sends).toBe(2);
    });

    it('counts the recipient’s, the key’s, the country’s and the range’s sends for admit', async () => {
      const A = '+212612345678';
      const log = [
        session({ createdAt: at - 120 * MINUTE }),
        session({ createdAt: at - 30 * MINUTE, client: 'client_b' }),
        session({ createdAt: at - 5 * MINUTE }),
      ];
      for (const s of log) expect(await store.verify.send(sendOf(s))).toEqual({ ok: true });
      const other = session({ createdAt: at - MINUTE, keyId: 'key_b', client: 'client_b', to: '+212700000000' });
      await store.verify.send(sendOf(other, { scope: { country: 'MA', prefix: '+212700' } }));
      expect((await right(log[2]!, at - 4 * MINUTE)).ok).toBe(true);

      let counts: VerifySendCounts | undefined;
      await store.verify.send(sendOf(session({ to: A, client: 'client_c' }), { admit: (c) => ((counts = c), null) }));
      expect(counts).toEqual({
        recipient: { all: { count: 1, oldestAt: at - 5 * MINUTE }, client: { count: 0, oldestAt: null } },
        key: { count: 2, oldestAt: at - 30 * MINUTE },
        country: {
          day: { count: 4, oldestAt: at - 120 * MINUTE },
          hour: { count: 3, oldestAt: at - 30 * MINUTE, verified: 1 },
        },
        prefix: {
          day: { count: 3, oldestAt: at - 120 * MINUTE },
          hour: { count: 2, oldestAt: at - 30 * MINUTE, verified: 1 },
        },
      });
      const email = session({ channel: 'email', to: 'ana@example.com', createdAt: at + MINUTE });
      await store.verify.send(
        sendOf(email, { scope: { country: null, prefix: null }, admit: (c) => ((counts = c), null) }),
      );
      expect(counts).toEqual({
        recipient: { all: { count: 0, oldestAt: null }, client: { count: 0, oldestAt: null } },
        key: { count: 3, oldestAt: at - 30 * MINUTE },
        country: null,
        prefix: null,
      });
    });
  });

  describe('check', () => {
    it('approves the right code once, and marks its sends verified', async () => {
      const s = session();
      await store.verify.send(sendOf(s));
      const approved = { ...s, status: 'approved' as const, verifiedAt: at + MINUTE, updatedAt: at + MINUTE };
      expect(await right(s)).toEqual({ ok: true, session: approved });
      expect(await right(s)).toEqual({ ok: false, reason: 'conflict' });
      expect(await wrong(s)).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.verify.get(s.id)).toEqual(approved);
    });

    it('spends an attempt per wrong code and closes the session at maxAttempts', async () => {
      const s = session({ maxAttempts: 2 });
      await store.verify.send(sendOf(s));
      expect(await wrong(s)).toMatchObject({ ok: true, session: { attempts: 1, status: 'pending' } });
      expect(await wrong(s)).toMatchObject({ ok: true, session: { attempts: 2, status: 'canceled' } });
      expect(await wrong(s)).toEqual({ ok: false, reason: 'conflict' });
      expect(await right(s)).toEqual({ ok: false, reason: 'conflict' });
    });

    it('refuses an expired session, a replaced code and an unknown session', async () => {
      const s = session();
      await store.verify.send(sendOf(s));
      expect(await right(s, s.expiresAt)).toEqual({ ok: false, reason: 'conflict' });
      expect(await wrong(s, s.expiresAt)).toEqual({ ok: false, reason: 'conflict' });
      expect(await right({ ...s, codeHmac: 'c3'.repeat(32) })).toEqual({ ok: false, reason: 'conflict' });
      expect(await right({ ...s, id: 'ver_unknown' })).toEqual({ ok: false, reason: 'conflict' });
      expect(await right({ ...s, id: 'ver_\u0000' })).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.verify.get(s.id)).toEqual(s);
      expect(await store.verify.get('ver_\u0000')).toBeNull();
    });

    it('answers a taken idempotency key with the stored record; a conflict frees its key', async () => {
      const s = session();
      await store.verify.send(sendOf(s));
      const record = idempotency('idem_check');
      const check = (key: IdempotencyRecord) =>
        store.verify.check({ sessionId: s.id, outcome: { matched: false }, at: at + MINUTE, idempotency: key });
      expect(await check(record)).toMatchObject({ ok: true, session: { attempts: 1 } });
      expect(await check(record)).toEqual({ ok: false, reason: 'idempotent', existing: record });
      expect((await store.verify.get(s.id))?.attempts).toBe(1);
      const late = idempotency('idem_late');
      expect(
        await store.verify.check({ sessionId: s.id, outcome: { matched: false }, at: s.expiresAt, idempotency: late }),
      ).toEqual({ ok: false, reason: 'conflict' });
      expect(await check(late)).toMatchObject({ ok: true, session: { attempts: 2 } });
    });
  });

  describe('at the same moment', () => {
    // Reads at once first, so that a pooled backend has its connections open: the calls of each
    // race then overlap instead of queueing behind one connection being opened.
    beforeEach(() => Promise.all(Array.from({ length: 8 }, () => store.verify.get('ver_none'))));

    it('lets concurrent wrong codes spend exactly maxAttempts attempts', async () => {
      const s = session({ maxAttempts: 3 });
      await store.verify.send(sendOf(s));
      const results = await Promise.all(Array.from({ length: 8 }, () => wrong(s)));
      const done = results.flatMap((r) => (r.ok ? [r.session.attempts] : []));
      expect(done.sort()).toEqual([1, 2, 3]);
      expect(results.filter((r) => !r.ok)).toEqual(Array(5).fill({ ok: false, reason: 'conflict' }));
      expect(await store.verify.get(s.id)).toMatchObject({ attempts: 3, status: 'canceled' });
    });

    it('approves once when the right code is checked several times at once', async () => {
      const s = session();
      await store.verify.send(sendOf(s));
      const results = await Promise.all(Array.from({ length: 6 }, () => right(s)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await store.verify.get(s.id)).toMatchObject({ status: 'approved', attempts: 0 });
    });

    it('never approves twice nor passes maxAttempts with right and wrong codes at once', async () => {
      const s = session({ maxAttempts: 2 });
      await store.verify.send(sendOf(s));
      const results = await Promise.all([right(s), wrong(s), wrong(s), right(s), wrong(s), right(s)]);
      const approvals = results.filter((r) => r.ok && r.session.status === 'approved').length;
      const spent = results.filter((r) => r.ok && r.session.status !== 'approved').length;
      const final = (await store.verify.get(s.id))!;
      expect(approvals).toBeLessThanOrEqual(1);
      expect(final.attempts).toBe(spent);
      expect(final.attempts).toBeLessThanOrEqual(2);
      expect(final.status).toBe(approvals === 1 ? 'approved' : 'canceled');
    });

    it('admits concurrent sends one at a time: a cap on the counts holds', async () => {
      const admit = (c: VerifySendCounts) => (c.recipient.all.count >= 3 ? refusal : null);
      const starts = Array.from({ length: 10 }, (_, i) => session({ client: `client_${i}` }));
      const results = await Promise.all(starts.map((s) => store.verify.send(sendOf(s, { admit }))));
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(results.filter((r) => !r.ok)).toEqual(Array(7).fill({ ok: false, reason: 'refused', refusal }));
      let counts: VerifySendCounts | undefined;
      await store.verify.send(sendOf(session({ client: 'client_last' }), { admit: (c) => ((counts = c), null) }));
      expect(counts?.recipient.all.count).toBe(3);
    });

    it('starts one pending session when the same recipient is started several times at once', async () => {
      const starts = Array.from({ length: 5 }, () => session());
      const results = await Promise.all(starts.map((s) => store.verify.send(sendOf(s))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = starts[results.findIndex((r) => r.ok)]!;
      const pending = { projectId: project.id, keyId: 'key_a', client: 'client_a', channel: 'sms' as const };
      expect(await store.verify.findPending({ ...pending, to: winner.to, now: at })).toEqual(winner);
    });
  });

  it('undoes a refused send, and only it, inside a unit of work', async () => {
    const record = idempotency('idem_unit');
    const s = session();
    const result = await store.transaction(async (tx) => {
      await tx.optOuts.add(project.id, '+212600000001', at);
      return tx.verify.send(sendOf(s, { idempotency: record, admit: () => refusal }));
    });
    expect(result).toEqual({ ok: false, reason: 'refused', refusal });
    expect(await store.optOuts.has(project.id, '+212600000001')).toBe(true);
    expect(await store.verify.send(sendOf(s, { idempotency: record }))).toEqual({ ok: true });
  });
});
