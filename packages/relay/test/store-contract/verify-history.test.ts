import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message, Store, VerifySession, VerifySessionFilter } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { messageRecord, projectRecord } from '../helpers/store-records.js';

const at = 1_700_000_000_000;
const MINUTE = 60_000;
const project = projectRecord('prj_verify_history');
const other = projectRecord('prj_other');

/** A session made `minute` minutes after `at` (its code good for 10 minutes), with `fields`. */
const session = (id: string, minute: number, fields: Partial<VerifySession> = {}): VerifySession => {
  const time = at + minute * MINUTE;
  return {
    id: `ver_${id.padEnd(22, '0')}`,
    projectId: project.id,
    keyId: 'key_a',
    client: `client_${id}`,
    channel: 'sms',
    to: '+212612345678',
    country: 'MA',
    messageIds: [`msg_${id}`],
    codeHmac: 'c3'.repeat(32),
    codeLength: 6,
    alphabet: 'numeric',
    status: 'pending',
    attempts: 0,
    maxAttempts: 5,
    sends: 1,
    lastSentAt: time,
    expiresAt: time + 10 * MINUTE,
    verifiedAt: null,
    createdAt: time,
    updatedAt: time,
    ...fields,
  };
};

const messageOf = (s: VerifySession): Message =>
  messageRecord(s.messageIds[0]!, s.projectId, s.keyId, { to: s.to, createdAt: s.createdAt, sensitive: true });

describe.each(backends)('verify sessions history ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const seeded: VerifySession[] = [];
  /** When c's code has run out, and e's, f1's and f2's are still good. */
  const NOW = at + 60 * MINUTE;

  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await store.projects.create(other);
    seeded.length = 0;
    const sessions = [
      session('a', 1, { status: 'approved', attempts: 1, verifiedAt: at + 2 * MINUTE }),
      session('b', 2, { status: 'canceled', attempts: 5, to: '+33612345678', country: 'FR' }),
      session('c', 3, { channel: 'whatsapp', to: '+212698765432' }),
      // Pending but its code ran out before NOW: shown (and filtered) as expired.
      session('d', 4, { status: 'expired' }),
      session('e', 55, { to: '+212600001234' }),
      // Two in the same millisecond: the id breaks the tie.
      session('f1', 56, { channel: 'email', to: 'amina@example.com', country: null }),
      session('f2', 56, { to: '+212600005678' }),
      session('x', 57, { projectId: other.id }),
    ];
    for (const s of sessions) {
      await store.verify.send({
        session: s,
        resendOf: null,
        message: messageOf(s),
        dueAt: s.createdAt,
        scope: { country: s.country, prefix: null },
        since: { recipient: s.createdAt, hour: s.createdAt, day: s.createdAt },
        admit: () => null,
      });
      seeded.push(s);
    }
  });
  afterEach(() => opened.dispose());

  const page = async (filter: Partial<VerifySessionFilter> = {}, limit = 50) =>
    (await store.verify.page(project.id, { now: NOW, ...filter }, { limit })).items.map((s) => s.id.slice(4, 6));

  it('lists a project’s sessions newest first, the id breaking ties, with everything but the code hash', async () => {
    expect(await page()).toEqual(['f2', 'f1', 'e0', 'd0', 'c0', 'b0', 'a0']);
    const { items } = await store.verify.page(project.id, { now: NOW }, { limit: 50 });
    const a = seeded[0]!;
    expect(items.at(-1)).toEqual({ ...a, codeHmac: '' });
  });

  it('pages with positions: every session once', async () => {
    const seen: string[] = [];
    let after: { key: string | number; id: string } | undefined;
    do {
      const result = await store.verify.page(project.id, { now: NOW }, { limit: 3, ...(after && { after }) });
      seen.push(...result.items.map((s) => s.id));
      after = result.next ?? undefined;
    } while (after);
    expect(seen.map((id) => id.slice(4, 6))).toEqual(['f2', 'f1', 'e0', 'd0', 'c0', 'b0', 'a0']);
  });

  it('filters by status as shown at `now`, channel, country, recipient and creation time', async () => {
    expect(await page({ statuses: ['approved'] })).toEqual(['a0']);
    expect(await page({ statuses: ['canceled', 'approved'] })).toEqual(['b0', 'a0']);
    // c's code ran out unchecked: expired, like d (written as such).
    expect(await page({ statuses: ['expired'] })).toEqual(['d0', 'c0']);
    expect(await page({ statuses: ['pending'] })).toEqual(['f2', 'f1', 'e0']);
    const later = at + 70 * MINUTE;
    expect(await page({ statuses: ['pending'], now: later })).toEqual([]);
    expect(await page({ statuses: ['expired', 'approved'], now: later })).toEqual(['f2', 'f1', 'e0', 'd0', 'c0', 'a0']);
    expect(await page({ channel: 'whatsapp' })).toEqual(['c0']);
    expect(await page({ channel: 'email' })).toEqual(['f1']);
    expect(await page({ country: 'FR' })).toEqual(['b0']);
    expect(await page({ to: { exact: '+212698765432' } })).toEqual(['c0']);
    expect(await page({ to: { suffix: '5678' } })).toEqual(['f2', 'd0', 'b0', 'a0']);
    expect(await page({ createdFrom: at + 3 * MINUTE, createdBefore: at + 55 * MINUTE })).toEqual(['d0', 'c0']);
  });

  it('reads nothing after a position no page ends at, nor for a filter holding NUL', async () => {
    expect(await store.verify.page(project.id, { now: NOW }, { limit: 5, after: { key: 'x', id: 'y' } })).toEqual({
      items: [],
      next: null,
    });
    expect((await store.verify.page(project.id, { now: NOW, country: 'M\u0000' }, { limit: 5 })).items).toEqual([]);
  });
});
