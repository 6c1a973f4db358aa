import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { at, attempt, countRows, message, project, stored } from './fixtures.js';

const LEASE = 30_000;

/** A message as a claim reads it back: the optional fields filled in. */
const asRead = (id: string) => message(id, { sensitive: false, fallbackAfterMs: null, templateVersion: null });

describe.each(backends)('outbox ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const count = (table: string) => countRows(opened.location, table);
  const enqueue = (id: string, dueAt = at, extra: Parameters<typeof message>[1] = {}) =>
    store.messages.enqueue({ message: message(id, extra), dueAt });
  const claimOne = async (now = at, owner = 'w1') => {
    const jobs = await store.outbox.claim(now, 1, LEASE, owner);
    expect(jobs).toHaveLength(1);
    return jobs[0]!;
  };
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  it('claims due rows, earliest first, up to the limit, under a lease', async () => {
    await enqueue('msg_late', at + 20);
    await enqueue('msg_early', at + 10);
    await enqueue('msg_future', at + 60_000);
    await enqueue('msg_first', at);
    const jobs = await store.outbox.claim(at + 20, 2, LEASE, 'w1');
    expect(jobs).toStrictEqual([
      {
        messageId: 'msg_first',
        attempts: 1,
        leaseUntil: at + 20 + LEASE,
        owner: 'w1',
        kind: 'send',
        message: asRead('msg_first'),
        callback: false,
      },
      {
        messageId: 'msg_early',
        attempts: 1,
        leaseUntil: at + 20 + LEASE,
        owner: 'w1',
        kind: 'send',
        message: asRead('msg_early'),
        callback: false,
      },
    ]);
    // Leased rows are not claimed again; the future one is not due.
    expect((await store.outbox.claim(at + 20, 10, LEASE, 'w2')).map((j) => j.messageId)).toEqual(['msg_late']);
    expect(await store.outbox.claim(at + 1000, 10, LEASE, 'w2')).toEqual([]);
    // A leased message reads as it was stored, with its lease.
    expect(await store.messages.get('msg_first')).toStrictEqual(stored(message('msg_first'), at + 20 + LEASE));
    expect(await store.outbox.nextDue()).toBe(at + 20 + LEASE);
  });

  it('claims due rows by priority, high before normal before low, each in due order; scheduled ones wait', async () => {
    await enqueue('msg_low', at, { priority: 'low' });
    await enqueue('msg_normal_late', at + 10);
    await enqueue('msg_high_future', at + 60_000, { priority: 'high' });
    await enqueue('msg_normal', at);
    await enqueue('msg_high', at + 5, { priority: 'high' });
    const first = await store.outbox.claim(at + 10, 3, LEASE, 'w1');
    expect(first.map((j) => j.messageId)).toEqual(['msg_high', 'msg_normal', 'msg_normal_late']);
    expect(first[0]!.message.priority).toBe('high');
    expect((await store.outbox.claim(at + 10, 10, LEASE, 'w2')).map((j) => j.messageId)).toEqual(['msg_low']);
    // Once due (and the leases above run out), the high one goes first again.
    expect((await store.outbox.claim(at + 60_000, 10, LEASE, 'w3')).map((j) => j.messageId)).toEqual([
      'msg_high',
      'msg_high_future',
      'msg_normal',
      'msg_normal_late',
      'msg_low',
    ]);
  });

  it('defers a job to a later time without counting its attempt, and ends one expired', async () => {
    await enqueue('msg_paced');
    const job = await claimOne(at);
    await store.outbox.defer(job, at + 5000);
    expect(await store.outbox.claim(at + 4999, 10, LEASE, 'w2')).toEqual([]);
    const again = await claimOne(at + 5000, 'w2');
    expect(again.attempts).toBe(1);
    await store.outbox.fail(again, {
      status: 'expired',
      attempt: null,
      errorCode: 'message_expired',
      errorMessage: 'late',
      at: at + 5001,
    });
    expect(await store.messages.get('msg_paced')).toMatchObject({ status: 'expired', errorCode: 'message_expired' });
    expect(await count('outbox')).toBe(0);
  });

  it('gives a row whose lease ran out to another worker, and ignores the first worker then', async () => {
    await enqueue('msg_1');
    const stale = await claimOne(at, 'w1');
    const fresh = await claimOne(at + LEASE, 'w2');
    expect([fresh.attempts, fresh.owner]).toEqual([2, 'w2']);
    expect(await store.outbox.renew(stale, at + 2 * LEASE)).toBe(false);
    await store.outbox.complete(stale, { attempt: attempt('msg_1'), status: 'sent', at: at + 1 });
    await store.outbox.retry(stale, { attempt: attempt('msg_1'), dueAt: at, errorCode: 'x', errorMessage: 'x', at });
    await store.outbox.fail(stale, { attempt: attempt('msg_1'), errorCode: 'x', errorMessage: 'x', at });
    await store.outbox.finish(stale);
    await store.outbox.release([stale]);
    expect(await store.messages.attempts('msg_1')).toEqual([]);
    expect(await store.messages.get('msg_1')).toStrictEqual(stored(message('msg_1'), at + 2 * LEASE));
    expect(await store.outbox.renew(fresh, at + 3 * LEASE)).toBe(true);
    expect((await store.messages.get('msg_1'))?.leaseUntil).toBe(at + 3 * LEASE);
  });

  it('records a completed attempt, updates the message and deletes the row', async () => {
    await enqueue('msg_1');
    const job = await claimOne();
    await store.outbox.complete(job, {
      attempt: attempt('msg_1', { status: 'delivered' }),
      status: 'delivered',
      at: at + 1000,
    });
    expect(await store.messages.get('msg_1')).toStrictEqual({
      ...stored(message('msg_1')),
      status: 'delivered',
      providerMessageId: 'SM1',
      connectorId: 'con_a',
      updatedAt: at + 1000,
      sentAt: at + 1000,
      deliveredAt: at + 1000,
      leaseUntil: null,
    });
    expect(await store.messages.attempts('msg_1')).toStrictEqual([attempt('msg_1', { status: 'delivered' })]);
    expect([await store.outbox.pending(), await store.outbox.nextDue()]).toEqual([0, null]);
  });

  it('keeps a completed row as a fallback check, which a failure report brings forward', async () => {
    await enqueue('msg_1', at, { cascade: ['sms'], channel: 'whatsapp' });
    const job = await claimOne();
    await store.outbox.complete(job, {
      attempt: attempt('msg_1', { channel: 'whatsapp' }),
      status: 'sent',
      at: at + 1000,
      fallbackAt: at + 60_000,
    });
    expect([await store.outbox.pending(), await store.outbox.nextDue()]).toEqual([1, at + 60_000]);
    expect(await store.outbox.claim(at + 59_999, 10, LEASE, 'w1')).toEqual([]);
    await store.outbox.expedite('msg_1', at + 90_000); // later than due: no change
    expect(await store.outbox.nextDue()).toBe(at + 60_000);
    await store.outbox.expedite('msg_1', at + 2000);
    expect(await store.outbox.nextDue()).toBe(at + 2000);
    const check = await claimOne(at + 2000);
    expect([check.kind, check.attempts, check.message.status, check.message.providerMessageId]).toEqual([
      'fallback_check',
      1,
      'sent',
      'SM1',
    ]);
    await store.outbox.finish(check);
    expect(await store.outbox.pending()).toBe(0);
    expect((await store.messages.get('msg_1'))?.status).toBe('sent');
  });

  it('does not bring a send forward: expedite moves fallback checks only', async () => {
    await enqueue('msg_1', at + 60_000);
    await store.outbox.expedite('msg_1', at);
    expect(await store.outbox.nextDue()).toBe(at + 60_000);
  });

  it('retries: records the attempt, queues the message again and frees the row until it is due', async () => {
    await enqueue('msg_1', at, { cascade: ['whatsapp'] });
    let job = await claimOne();
    await store.outbox.retry(job, {
      attempt: attempt('msg_1', { status: 'failed', errorCode: '503', providerMessageId: null }),
      dueAt: at + 5000,
      errorCode: '503',
      errorMessage: 'Service Unavailable',
      at: at + 100,
    });
    expect(await store.messages.get('msg_1')).toMatchObject({
      status: 'queued',
      errorCode: '503',
      errorMessage: 'Service Unavailable',
      updatedAt: at + 100,
      channel: 'sms',
      cascade: ['whatsapp'],
      leaseUntil: 0,
    });
    expect(await store.outbox.claim(at + 4999, 10, LEASE, 'w1')).toEqual([]);
    job = await claimOne(at + 5000);
    expect(job.attempts).toBe(2);
    // A failover to the next channel starts its attempts again.
    await store.outbox.retry(job, {
      attempt: null,
      dueAt: at + 5000,
      errorCode: null,
      errorMessage: null,
      at: at + 5001,
      resetAttempts: true,
      channel: 'whatsapp',
      cascade: [],
    });
    job = await claimOne(at + 5000);
    expect([job.attempts, job.message.channel, job.message.cascade, job.message.errorCode]).toEqual([
      1,
      'whatsapp',
      [],
      null,
    ]);
    expect((await store.messages.attempts('msg_1')).map((a) => a.errorCode)).toEqual(['503']);
  });

  it('fails a message for good: records it, deletes the row and redacts a secret body', async () => {
    await store.messages.enqueue({ message: message('msg_1', { sensitive: true, subject: 'Code' }), dueAt: at });
    const job = await claimOne();
    await store.outbox.fail(job, { attempt: null, errorCode: 'no_connector', errorMessage: 'None left', at: at + 5 });
    expect(await store.messages.get('msg_1')).toMatchObject({
      status: 'failed',
      errorCode: 'no_connector',
      errorMessage: 'None left',
      body: '[redacted]',
      subject: null,
      leaseUntil: null,
    });
    expect(await store.outbox.pending()).toBe(0);
    expect(await count('message_attempts')).toBe(0);
  });

  it('redacts a secret body once delivered, not while a fallback check may still send it elsewhere', async () => {
    await store.messages.enqueue({ message: message('msg_1', { sensitive: true }), dueAt: at });
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at + 1 });
    const [one, two] = await store.outbox.claim(at + 1, 2, LEASE, 'w1');
    await store.outbox.complete(one!, { attempt: attempt('msg_1'), status: 'sent', at, fallbackAt: at + 10 });
    expect((await store.messages.get('msg_1'))?.body).toBe('hello');
    await store.outbox.complete(two!, { attempt: attempt('msg_2', { providerMessageId: 'SM2' }), status: 'sent', at });
    expect((await store.messages.get('msg_2'))?.body).toBe('hello');
    const check = await claimOne(at + 10);
    await store.outbox.complete(check, { attempt: attempt('msg_1', { providerMessageId: 'SM3' }), status: 'sent', at });
    expect((await store.messages.get('msg_1'))?.body).toBe('[redacted]');
  });

  it('gives leases back at once when a worker stops', async () => {
    await enqueue('msg_1');
    await enqueue('msg_2', at + 1);
    const jobs = await store.outbox.claim(at + 1, 2, LEASE, 'w1');
    const other = { ...jobs[1]!, owner: 'w2' } satisfies ClaimedJob;
    await store.outbox.release([jobs[0]!, other]);
    // Only w1's own row is given back, its attempt not counted.
    expect(await store.outbox.claim(at, 10, LEASE, 'w3')).toMatchObject([{ messageId: 'msg_1', attempts: 1 }]);
    await store.outbox.release([]);
  });

  it('never gives one row to two workers claiming at the same moment', async () => {
    for (let i = 0; i < 60; i++) await enqueue(`msg_${String(i).padStart(2, '0')}`, at + i);
    const claimers = Array.from({ length: 6 }, (_, i) => store.outbox.claim(at + 100, 15, LEASE, `w${i}`));
    const claimed = (await Promise.all(claimers)).flat().map((job) => job.messageId);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(60);
    expect(await store.outbox.claim(at + 100, 60, LEASE, 'late')).toEqual([]);
  });
});
