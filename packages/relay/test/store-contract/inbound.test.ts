import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  InboundRecord,
  InboundRuleRecord,
  PagePosition,
  PhoneMappingRecord,
  Store,
} from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { at, projectRecord } from '../helpers/store-records.js';

const project = projectRecord('prj_inbound', { name: 'Inbound' });

const inbound = (id: string, fields: Partial<InboundRecord> = {}): InboundRecord => ({
  id,
  projectId: project.id,
  connectorId: 'con_twilio',
  channel: 'sms',
  providerMessageId: `SM-${id}`,
  from: '+212612345678',
  to: '+15005550006',
  text: 'Hello',
  media: [],
  senderName: null,
  userId: null,
  keyword: null,
  autoReply: null,
  replyMessageId: null,
  receivedAt: at,
  sentAt: null,
  processingMs: 3,
  ...fields,
});

const mapping = (phone: string, userId: string, fields: Partial<PhoneMappingRecord> = {}): PhoneMappingRecord => ({
  projectId: project.id,
  phone,
  userId,
  isPrimary: false,
  verified: false,
  verificationMethod: null,
  verifiedAt: null,
  createdAt: at,
  updatedAt: at,
  ...fields,
});

const rule = (id: string, fields: Partial<InboundRuleRecord> = {}): InboundRuleRecord => ({
  id,
  projectId: project.id,
  kind: 'keyword',
  pattern: 'HOURS',
  reply: 'Open 9 to 5.',
  priority: 100,
  active: true,
  createdAt: at,
  updatedAt: at,
  ...fields,
});

describe.each(backends)('inbound ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await store.projects.create({ ...project, id: 'prj_other' });
  });
  afterEach(() => opened.dispose());

  describe('messages', () => {
    it('stores a message once per connector and provider id, and reads it back as written', async () => {
      const first = inbound('inb_1', {
        media: [{ url: 'https://api.twilio.com/m/ME1', contentType: 'image/jpeg', providerMediaId: 'ME1' }],
        senderName: 'Ana',
        userId: 'user-42',
        keyword: 'help',
        autoReply: 'Reply STOP to stop.',
        replyMessageId: 'msg_1',
        sentAt: at - 500,
      });
      expect(await store.inbound.insert(first)).toBe(true);
      // A provider's retry: same connector and provider id, another id; nothing changes.
      expect(await store.inbound.insert({ ...first, id: 'inb_2', text: 'again' })).toBe(false);
      // The same provider id through another connector is another message.
      expect(await store.inbound.insert({ ...first, id: 'inb_3', connectorId: 'con_other' })).toBe(true);
      expect(await store.inbound.get(project.id, 'inb_1')).toEqual(first);
      expect(await store.inbound.get(project.id, 'inb_2')).toBeNull();
      expect(await store.inbound.get('prj_other', 'inb_1')).toBeNull();
      expect(await store.inbound.getByProviderId('con_twilio', 'SM-inb_1')).toEqual(first);
      expect(await store.inbound.getByProviderId('con_twilio', 'SM-none')).toBeNull();
    });

    it('keeps what a provider sent with a NUL readable (U+FFFD on PostgreSQL), and finds nothing by an id with one', async () => {
      expect(await store.inbound.insert(inbound('inb_nul', { text: 'a\u0000b', senderName: 'x\u0000' }))).toBe(true);
      const read = (await store.inbound.get(project.id, 'inb_nul'))!;
      expect(['a\u0000b', 'a\uFFFDb']).toContain(read.text);
      expect(await store.inbound.get(project.id, 'inb_nul\u0000')).toBeNull();
    });

    it('refuses a message for a project that does not exist', async () => {
      await expect(store.inbound.insert(inbound('inb_x', { projectId: 'prj_none' }))).rejects.toThrow();
    });

    it('goes with its project', async () => {
      await store.inbound.insert(inbound('inb_1'));
      await store.projects.remove(project.id);
      expect(await store.inbound.get(project.id, 'inb_1')).toBeNull();
    });

    it('raises inbound.received in the same write while the project listens, with the public fields', async () => {
      await store.inbound.insert(inbound('inb_quiet'));
      expect(await store.webhooks.eventsAfter(project.id, 0, 10)).toEqual([]);
      await store.webhooks.createEndpoint({
        id: 'whe_1',
        projectId: project.id,
        url: 'https://hooks.example/in',
        description: '',
        events: ['inbound.received'],
        active: true,
        secretSealed: 'sealed',
        previousSecretSealed: null,
        previousSecretUntil: null,
        disabledReason: null,
        failingSince: null,
        lastSuccessAt: null,
        lastFailureAt: null,
        createdAt: at,
        updatedAt: at,
      });
      const media = [{ url: null, contentType: 'image/jpeg', providerMediaId: 'AgAD' }];
      await store.inbound.insert(inbound('inb_loud', { media, userId: 'user-1', keyword: 'stop', sentAt: at - 1 }));
      const events = await store.webhooks.eventsAfter(project.id, 0, 10);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'inbound.received', createdAt: at, messageId: null });
      expect(JSON.parse(events[0]!.data)).toEqual({
        id: 'inb_loud',
        connectorId: 'con_twilio',
        channel: 'sms',
        from: '+212612345678',
        to: '+15005550006',
        text: 'Hello',
        media,
        senderName: null,
        userId: 'user-1',
        keyword: 'stop',
        autoReply: null,
        replyMessageId: null,
        providerMessageId: 'SM-inb_loud',
        receivedAt: at,
        sentAt: at - 1,
        processingMs: 3,
      });
      // A retry stores nothing and raises nothing.
      await store.inbound.insert(inbound('inb_again', { providerMessageId: 'SM-inb_loud' }));
      expect(await store.webhooks.eventsAfter(project.id, 0, 10)).toHaveLength(1);
    });

    describe('page', () => {
      // Same-millisecond ties are ordered by id in byte order ('inb_B' < 'inb_a'), newest first.
      const rows: Array<[string, number, Partial<InboundRecord>]> = [
        ['inb_1', at, {}],
        ['inb_B', at + 1, { from: '+212600000001', userId: 'u1' }],
        ['inb_a', at + 1, { channel: 'whatsapp', connectorId: 'con_wa' }],
        ['inb_b', at + 1, { keyword: 'stop', from: '+212600000001' }],
        ['inb_9', at + 2, { to: '+15005550007', userId: 'u1' }],
      ];
      const order = ['inb_9', 'inb_b', 'inb_a', 'inb_B', 'inb_1'];
      beforeEach(async () => {
        for (const [id, time, fields] of rows) await store.inbound.insert(inbound(id, { receivedAt: time, ...fields }));
        await store.inbound.insert(inbound('inb_other', { projectId: 'prj_other', receivedAt: at + 5 }));
      });
      const ids = (items: InboundRecord[]) => items.map((m) => m.id);
      const list = async (filter = {}, position?: PagePosition, limit = 10) =>
        ids((await store.inbound.page(project.id, filter, { limit, ...(position && { after: position }) })).items);

      it('lists newest first, page by page', async () => {
        const seen: string[] = [];
        let position: PagePosition | undefined;
        const nexts: Array<PagePosition | null> = [];
        do {
          const page = await store.inbound.page(project.id, {}, { limit: 2, ...(position && { after: position }) });
          seen.push(...ids(page.items));
          nexts.push(page.next);
          position = page.next ?? undefined;
        } while (position);
        expect(seen).toEqual(order);
        expect(nexts).toEqual([{ key: at + 1, id: 'inb_b' }, { key: at + 1, id: 'inb_B' }, null]);
      });

      it('filters by sender, number, channel, connector, user, keyword and time', async () => {
        expect(await list({ from: '+212600000001' })).toEqual(['inb_b', 'inb_B']);
        expect(await list({ to: '+15005550007' })).toEqual(['inb_9']);
        expect(await list({ channel: 'whatsapp' })).toEqual(['inb_a']);
        expect(await list({ connectorId: 'con_wa' })).toEqual(['inb_a']);
        expect(await list({ userId: 'u1' })).toEqual(['inb_9', 'inb_B']);
        expect(await list({ keyword: 'stop' })).toEqual(['inb_b']);
        expect(await list({ receivedFrom: at + 1, receivedBefore: at + 2 })).toEqual(['inb_b', 'inb_a', 'inb_B']);
        expect(await list({ from: '+212600000001\u0000' })).toEqual([]);
      });

      it('reads the rows a cursor of any shape names, as SQLite compares them', async () => {
        expect(await list({}, { key: String(at + 1), id: 'inb_b' })).toEqual(['inb_a', 'inb_B', 'inb_1']);
        expect(await list({}, { key: at + 1, id: 'inb_b\u0000zzz' })).toEqual(['inb_b', 'inb_a', 'inb_B', 'inb_1']);
        expect(await list({}, { key: 'soon', id: 'x' })).toEqual([]);
        expect(await list({}, { key: 1.5, id: 'x' })).toEqual([]);
      });
    });

    it('counts the answered messages of one sender, and the figures of a window', async () => {
      const stored: Array<Partial<InboundRecord>> = [
        { userId: 'u1', processingMs: 10, autoReply: 'hi' },
        { userId: 'u1', processingMs: 20, keyword: 'stop', autoReply: 'bye' },
        { processingMs: 30, keyword: 'start' },
        { processingMs: 40, keyword: 'help', autoReply: 'help', from: '+212600000002' },
        { processingMs: 1000, receivedAt: at + 10_000 },
      ];
      for (const [i, fields] of stored.entries()) await store.inbound.insert(inbound(`inb_${i}`, fields));
      expect(await store.inbound.countReplies(project.id, '+212612345678', at)).toBe(2);
      expect(await store.inbound.countReplies(project.id, '+212612345678', at + 1)).toBe(0);
      expect(await store.inbound.stats(project.id, at, at + 10_000)).toEqual({
        inbound: 4,
        routed: 2,
        keywords: { stop: 1, start: 1, help: 1 },
        autoReplies: 3,
        processingMs: { avg: 25, p50: 20, p95: 40, max: 40 },
      });
      expect(await store.inbound.stats(project.id, at + 20_000, at + 30_000)).toEqual({
        inbound: 0,
        routed: 0,
        keywords: { stop: 0, start: 0, help: 0 },
        autoReplies: 0,
        processingMs: { avg: null, p50: null, p95: null, max: null },
      });
    });
  });

  describe('phone mappings', () => {
    it('creates once, reads, changes, makes one number the user’s primary, and removes', async () => {
      expect(await store.inbound.createMapping(mapping('+212612345678', 'u1'))).toBe(true);
      expect(await store.inbound.createMapping(mapping('+212612345678', 'u1', { isPrimary: true }))).toBe(false);
      await store.inbound.createMapping(mapping('+212600000001', 'u1', { isPrimary: true }));
      expect(await store.inbound.getMapping(project.id, '+212612345678', 'u1')).toEqual(mapping('+212612345678', 'u1'));
      const verified = await store.inbound.updateMapping(
        project.id,
        '+212612345678',
        'u1',
        { verified: true, verificationMethod: 'verify', verifiedAt: at + 5 },
        at + 6,
      );
      expect(verified).toEqual(
        mapping('+212612345678', 'u1', {
          verified: true,
          verificationMethod: 'verify',
          verifiedAt: at + 5,
          updatedAt: at + 6,
        }),
      );
      // A patch leaves what it does not name.
      expect(
        (await store.inbound.updateMapping(project.id, '+212612345678', 'u1', { verified: true }, at + 7))!
          .verificationMethod,
      ).toBe('verify');
      expect(await store.inbound.updateMapping(project.id, '+212699999999', 'u1', { verified: true }, at)).toBeNull();
      await store.inbound.setPrimary(project.id, '+212612345678', 'u1', true, at + 8);
      expect((await store.inbound.getMapping(project.id, '+212612345678', 'u1'))!.isPrimary).toBe(true);
      expect((await store.inbound.getMapping(project.id, '+212600000001', 'u1'))!.isPrimary).toBe(false);
      await store.inbound.setPrimary(project.id, '+212612345678', 'u1', false, at + 9);
      expect((await store.inbound.getMapping(project.id, '+212612345678', 'u1'))!.isPrimary).toBe(false);
      expect(await store.inbound.removeMapping(project.id, '+212612345678', 'u1')).toBe(true);
      expect(await store.inbound.removeMapping(project.id, '+212612345678', 'u1')).toBe(false);
      expect(await store.inbound.getMapping(project.id, '+212612345678\u0000', 'u1')).toBeNull();
    });

    it('routes a number to its verified mapping first, then the primary one, then the oldest', async () => {
      const phone = '+212612345678';
      expect(await store.inbound.routeOf(project.id, phone)).toBeNull();
      await store.inbound.createMapping(mapping(phone, 'oldest', { createdAt: at }));
      await store.inbound.createMapping(mapping(phone, 'newer', { createdAt: at + 1 }));
      expect((await store.inbound.routeOf(project.id, phone))!.userId).toBe('oldest');
      await store.inbound.createMapping(mapping(phone, 'primary', { createdAt: at + 2, isPrimary: true }));
      expect((await store.inbound.routeOf(project.id, phone))!.userId).toBe('primary');
      await store.inbound.createMapping(mapping(phone, 'verified', { createdAt: at + 3, verified: true }));
      expect((await store.inbound.routeOf(project.id, phone))!.userId).toBe('verified');
      expect(await store.inbound.routeOf('prj_other', phone)).toBeNull();
    });

    it('lists by number then user id, filtered, page by page', async () => {
      for (const [phone, user] of [
        ['+2126', 'b'],
        ['+2126', 'B'],
        ['+2125', 'z'],
        ['+2127', 'a'],
      ] as const)
        await store.inbound.createMapping(mapping(phone, user));
      const all = async (filter = {}) => {
        const seen: string[] = [];
        let position: PagePosition | undefined;
        do {
          const page = await store.inbound.pageMappings(project.id, filter, {
            limit: 3,
            ...(position && { after: position }),
          });
          seen.push(...page.items.map((m) => `${m.phone}/${m.userId}`));
          position = page.next ?? undefined;
        } while (position);
        return seen;
      };
      expect(await all()).toEqual(['+2125/z', '+2126/B', '+2126/b', '+2127/a']);
      expect(await all({ phone: '+2126' })).toEqual(['+2126/B', '+2126/b']);
      expect(await all({ userId: 'a' })).toEqual(['+2127/a']);
      const after = async (key: string, id: string) =>
        (await store.inbound.pageMappings(project.id, {}, { limit: 10, after: { key, id } })).items.map(
          (m) => `${m.phone}/${m.userId}`,
        );
      expect(await after('+2126', 'B')).toEqual(['+2126/b', '+2127/a']);
      expect(await after('+2126\u0000x', '')).toEqual(['+2127/a']);
      expect(await after('+2126', 'B\u0000')).toEqual(['+2126/b', '+2127/a']);
    });
  });

  describe('rules and settings', () => {
    it('lists rules by priority then creation, changes and removes them', async () => {
      await store.inbound.createRule(rule('inr_2', { priority: 50, createdAt: at + 1 }));
      await store.inbound.createRule(rule('inr_1', { priority: 50 }));
      await store.inbound.createRule(rule('inr_0', { priority: 10, kind: 'regex', pattern: 'open\\b' }));
      expect((await store.inbound.listRules(project.id)).map((r) => r.id)).toEqual(['inr_0', 'inr_1', 'inr_2']);
      expect(await store.inbound.getRule(project.id, 'inr_0')).toEqual(
        rule('inr_0', { priority: 10, kind: 'regex', pattern: 'open\\b' }),
      );
      const changed = await store.inbound.updateRule(project.id, 'inr_2', { active: false, priority: 1 }, at + 9);
      expect(changed).toEqual(rule('inr_2', { priority: 1, active: false, createdAt: at + 1, updatedAt: at + 9 }));
      expect((await store.inbound.listRules(project.id)).map((r) => r.id)).toEqual(['inr_2', 'inr_0', 'inr_1']);
      expect(await store.inbound.updateRule('prj_other', 'inr_2', { active: true }, at)).toBeNull();
      expect(await store.inbound.removeRule(project.id, 'inr_2')).toBe(true);
      expect(await store.inbound.removeRule(project.id, 'inr_2')).toBe(false);
      expect(await store.inbound.listRules('prj_other')).toEqual([]);
    });

    it('keeps no settings until saved, then the last saved', async () => {
      expect(await store.inbound.getSettings(project.id)).toBeNull();
      const languages = {
        en: { stop: ['STOP'], start: ['START'], help: ['HELP'], replies: { stop: 'Bye', start: null, help: 'Help' } },
      };
      await store.inbound.saveSettings(project.id, { defaultLanguage: 'en', languages }, at);
      await store.inbound.saveSettings(project.id, { defaultLanguage: 'en', languages: { ...languages } }, at + 1);
      expect(await store.inbound.getSettings(project.id)).toEqual({
        settings: { defaultLanguage: 'en', languages },
        updatedAt: at + 1,
      });
      expect(await store.inbound.getSettings('prj_other')).toBeNull();
    });
  });
});
