import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { waitForCode } from '../helpers/verify.js';
import { runCli } from '../helpers/cli.js';
import { postTelegram, postTwilio, twilioSms } from '../helpers/inbound-hooks.js';

/**
 * The inbound admin API (issue 15) over HTTP: phone mappings (verified through the verify flow),
 * keyword settings per language, auto-reply rules refused when RE2 cannot run them, figures, the
 * inbound history and conversations, bad input and other accounts; and the CLI's
 * `connectors webhook-setup` and `inbound list`.
 */

const PUBLIC_URL = 'https://relay.example.com';
const AUTH_TOKEN = 'twilio-auth-token-inbound-admin';
const BOT_TOKEN = '987654321:AAF-admin_test-token';
/** Completes a verification in beforeAll: a mapping to it may say `verification: 'verify'`. */
const VERIFIED = '+212612349901';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
let other: { tokens: Tokens; projectId: string };
let fakeTwilio: FakeProvider;
let fakeTelegram: FakeProvider;
let project: string;
let twilioId: string;
let telegramId: string;
let cliEnv: Record<string, string>;
const as = () => ({ key: owner.accessToken });
const hook = () => ({ connectorId: twilioId, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN });
let sid = 0;
/** An SMS from `from`, a millisecond after the last one (the relay's clock stands still otherwise). */
const sms = (from: string, body: string) => {
  t.clock.advance(1);
  return postTwilio(t, hook(), twilioSms(`SM${String(++sid).padStart(32, 'a')}`, from, body));
};

beforeAll(async () => {
  fakeTwilio = await startFakeProvider();
  fakeTelegram = await startFakeProvider();
  fakeTwilio.reply(() => ({ status: 201, body: { sid: `SM${'e'.repeat(32)}`, status: 'queued' } }));
  fakeTelegram.reply(() => ({ status: 200, body: { ok: true, result: true } }));
  t = await startAccountsRelay({
    env: { MESSAGEJS_PUBLIC_URL: PUBLIC_URL, MESSAGEJS_SIGNUP: 'open' },
    deps: { connectorBaseUrls: { twilio: fakeTwilio.url, telegram: fakeTelegram.url } },
  });
  owner = await setUpOwner(t);
  project = `/v1/projects/${t.demo.projectId}`;
  cliEnv = t.location.databaseUrl ? { MESSAGEJS_DATABASE_URL: t.location.databaseUrl } : {};
  // A verification completed through the console connector, before Twilio takes SMS.
  const started = await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to: VERIFIED } });
  expect(started.status).toBe(202);
  const checked = await call(t, 'POST', '/v1/verify/check', {
    key: t.demo.secretKey,
    body: { sessionId: started.body.sessionId, code: await waitForCode(t, 1) },
  });
  expect(checked.body.valid).toBe(true);
  const add = async (body: Record<string, unknown>) => {
    const res = await call(t, 'POST', `${project}/connectors`, { ...as(), body: { priority: 1, ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  twilioId = await add({
    type: 'twilio',
    channels: ['sms'],
    config: { from: '+15005550006' },
    credentials: { accountSid: `AC${'b'.repeat(32)}`, authToken: AUTH_TOKEN },
  });
  telegramId = await add({
    type: 'telegram',
    channels: ['telegram'],
    config: {},
    credentials: { botToken: BOT_TOKEN },
  });
  const registered = await call(t, 'POST', '/v1/auth/register', {
    body: { email: 'owner@b.example', password: 'owner b password' },
  });
  expect(registered.status).toBe(201);
  const projectB = await call(t, 'POST', '/v1/projects', { key: registered.body.accessToken, body: { name: 'B' } });
  expect(projectB.status).toBe(201);
  other = { tokens: registered.body, projectId: projectB.body.id };
}, 60_000);

afterAll(async () => {
  await t?.cleanup();
  await fakeTwilio?.close();
  await fakeTelegram?.close();
});

describe('phone mappings', () => {
  const mappings = `/v1/projects/:p/phone-mappings`;
  const at = (rest = '') => `${mappings.replace(':p', t.demo.projectId)}${rest}`;

  it('maps numbers to users (national numbers read with the default country), one primary per user', async () => {
    const first = await call(t, 'POST', at(), {
      ...as(),
      body: { phone: '0612340701', userId: 'u-1', isPrimary: true },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      projectId: t.demo.projectId,
      phone: '+212612340701',
      userId: 'u-1',
      isPrimary: true,
      verified: false,
      verificationMethod: null,
      verifiedAt: null,
    });
    const second = await call(t, 'POST', at(), {
      ...as(),
      body: { phone: '+212612340702', userId: 'u-1', isPrimary: true },
    });
    expect(second.body.isPrimary).toBe(true);
    const list = await call(t, 'GET', at('?userId=u-1'), as());
    expect(list.body.data.map((m: any) => [m.phone, m.isPrimary])).toEqual([
      ['+212612340701', false],
      ['+212612340702', true],
    ]);
    const again = await call(t, 'POST', at(), { ...as(), body: { phone: '+212612340701', userId: 'u-1' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_exists', field: 'phone' });
    const primary = await call(t, 'PATCH', at(`/${encodeURIComponent('+212612340701')}/u-1`), {
      ...as(),
      body: { isPrimary: true },
    });
    expect(primary.body.isPrimary).toBe(true);
    expect((await call(t, 'GET', at('?phone=%2B212612340702'), as())).body.data[0].isPrimary).toBe(false);
    const removed = await call(t, 'DELETE', at(`/${encodeURIComponent('+212612340702')}/u-1`), as());
    expect(removed.status).toBe(200);
    expect((await call(t, 'GET', at('?userId=u-1'), as())).body.data).toHaveLength(1);
    const audit = await call(t, 'GET', '/v1/audit-logs?action=phone_mapping.create', as());
    expect(audit.body.data.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit.body)).not.toContain('+212612340701');
  });

  it('marks a number verified only when a verification of it was approved in the project (or by hand)', async () => {
    const unverified = await call(t, 'POST', at(), {
      ...as(),
      body: { phone: '+212612340703', userId: 'u-2', verification: 'verify' },
    });
    expect(unverified.status).toBe(422);
    expect(unverified.body.error).toMatchObject({ code: 'phone_not_verified', field: 'verification' });
    const verified = await call(t, 'POST', at(), {
      ...as(),
      body: { phone: VERIFIED, userId: 'u-2', verification: 'verify' },
    });
    expect(verified.status).toBe(201);
    expect(verified.body).toMatchObject({
      verified: true,
      verificationMethod: 'verify',
      verifiedAt: expect.any(String),
    });
    const manual = await call(t, 'PATCH', at(`/${encodeURIComponent('+212612340701')}/u-1`), {
      ...as(),
      body: { verification: 'manual' },
    });
    expect(manual.body).toMatchObject({ verified: true, verificationMethod: 'manual' });
    const cleared = await call(t, 'PATCH', at(`/${encodeURIComponent('+212612340701')}/u-1`), {
      ...as(),
      body: { verification: null },
    });
    expect(cleared.body).toMatchObject({ verified: false, verificationMethod: null, verifiedAt: null });
  });

  it.each([
    ['a number that is no number', { phone: 'call me', userId: 'u' }, 'phone'],
    ['no user id', { phone: '+212612340704' }, 'userId'],
    ['a user id with a control character', { phone: '+212612340704', userId: 'a\u0007b' }, 'userId'],
    ['an unknown verification', { phone: '+212612340704', userId: 'u', verification: 'sms' }, 'verification'],
    ['an unknown field', { phone: '+212612340704', userId: 'u', primary: true }, 'primary'],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_name, body, field) => {
    const before = (await call(t, 'GET', at(), as())).body.data.length;
    const res = await call(t, 'POST', at(), { ...as(), body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    expect((await call(t, 'GET', at(), as())).body.data).toHaveLength(before);
  });

  it('answers 404 for an unknown mapping and another account’s project; 403 to a viewer who would change one', async () => {
    const missing = await call(t, 'DELETE', at(`/${encodeURIComponent('+212612340799')}/nobody`), as());
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('phone_mapping_not_found');
    const cross = await call(t, 'GET', mappings.replace(':p', other.projectId), as());
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe('project_not_found');
    const fromB = await call(t, 'POST', at(), {
      key: other.tokens.accessToken,
      body: { phone: VERIFIED, userId: 'x' },
    });
    expect(fromB.status).toBe(404);
    const viewer = await addMember(t, owner, { email: 'viewer-inbound@example.com', role: 'viewer' });
    expect((await call(t, 'GET', at(), { key: viewer.accessToken })).status).toBe(200);
    const refused = await call(t, 'POST', at(), { key: viewer.accessToken, body: { phone: VERIFIED, userId: 'v' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_contacts' });
    expect((await call(t, 'GET', at('?limit=0'), as())).body.error).toMatchObject({ field: 'limit' });
  });
});

describe('inbound settings', () => {
  it('answers the defaults, then the project’s own keywords and answers per language', async () => {
    const defaults = await call(t, 'GET', `${project}/inbound-settings`, as());
    expect(defaults.body).toMatchObject({ defaultLanguage: 'en', custom: false, updatedAt: null });
    expect(defaults.body.languages.en.stop).toContain('STOPALL');
    expect(defaults.body.languages.fr.stop).toContain('ARRET');
    const spanish = {
      defaultLanguage: 'es',
      languages: {
        es: {
          stop: ['BASTA', 'STOP'],
          start: ['ALTA'],
          help: ['AYUDA'],
          replies: { stop: 'Baja confirmada.', start: null, help: 'Ayuda de {{project}}.' },
        },
      },
    };
    const saved = await call(t, 'PUT', `${project}/inbound-settings`, { ...as(), body: spanish });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ ...spanish, custom: true, updatedAt: expect.any(String) });
    try {
      expect((await sms('+212612340801', 'basta')).text).toContain('<Message>Baja confirmada.</Message>');
      expect((await call(t, 'GET', `${project}/opt-outs/%2B212612340801`, as())).body.optedOut).toBe(true);
      expect((await sms('+212612340801', 'Alta')).text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
      expect((await call(t, 'GET', `${project}/opt-outs/%2B212612340801`, as())).body.optedOut).toBe(false);
      expect((await sms('+212612340801', 'ayuda')).text).toContain('<Message>Ayuda de Demo.</Message>');
      // ARRET is no keyword of these settings.
      await sms('+212612340802', 'ARRET');
      expect((await call(t, 'GET', `${project}/opt-outs/%2B212612340802`, as())).body.optedOut).toBe(false);
      const audit = await call(t, 'GET', '/v1/audit-logs?action=inbound.settings', as());
      expect(audit.body.data).toHaveLength(1);
    } finally {
      const { defaultLanguage, languages } = defaults.body;
      await call(t, 'PUT', `${project}/inbound-settings`, { ...as(), body: { defaultLanguage, languages } });
    }
  });

  const language = (fields: Record<string, unknown> = {}) => ({
    stop: ['STOP'],
    start: ['START'],
    help: ['HELP'],
    replies: { stop: null, start: null, help: null },
    ...fields,
  });
  it.each([
    [
      'a default language it does not list',
      { defaultLanguage: 'de', languages: { en: language() } },
      'defaultLanguage',
    ],
    [
      'a word that is two keywords',
      { defaultLanguage: 'en', languages: { en: language({ start: ['stop'] }) } },
      'languages.en.start.0',
    ],
    [
      'a keyword of two words',
      { defaultLanguage: 'en', languages: { en: language({ stop: ['STOP NOW'] }) } },
      'languages.en.stop.0',
    ],
    [
      'an answer over 640 characters',
      {
        defaultLanguage: 'en',
        languages: { en: language({ replies: { stop: 'x'.repeat(641), start: null, help: null } }) },
      },
      'languages.en.replies.stop',
    ],
    ['no languages', { defaultLanguage: 'en', languages: {} }, 'languages'],
  ])('refuses %s with 400 naming the field', async (_name, body, field) => {
    const before = (await call(t, 'GET', `${project}/inbound-settings`, as())).body;
    const res = await call(t, 'PUT', `${project}/inbound-settings`, { ...as(), body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    expect((await call(t, 'GET', `${project}/inbound-settings`, as())).body).toEqual(before);
  });
});

describe('auto-reply rules', () => {
  const rules = () => `${project}/inbound-rules`;

  it('answers by the first matching rule in priority order; an inactive or deleted rule answers nothing', async () => {
    const keyword = await call(t, 'POST', rules(), {
      ...as(),
      body: { kind: 'keyword', pattern: 'hours', reply: 'Open 9 to 5.', priority: 20 },
    });
    expect(keyword.status).toBe(201);
    const regex = await call(t, 'POST', rules(), {
      ...as(),
      body: { kind: 'regex', pattern: '^h(ou)?rs$', reply: 'Regex says 9 to 5.', priority: 10 },
    });
    expect((await call(t, 'GET', rules(), as())).body.data.map((r: any) => r.id)).toEqual([
      regex.body.id,
      keyword.body.id,
    ]);
    expect((await sms('+212612340901', 'HOURS')).text).toContain('<Message>Regex says 9 to 5.</Message>');
    const off = await call(t, 'PATCH', `${rules()}/${regex.body.id}`, { ...as(), body: { active: false } });
    expect(off.body.active).toBe(false);
    expect((await sms('+212612340902', 'Hours')).text).toContain('<Message>Open 9 to 5.</Message>');
    // A sender who opted out gets no auto-reply (keywords are still answered).
    expect((await sms('+212612340902', 'STOP')).text).toContain('<Message>You are unsubscribed');
    expect((await sms('+212612340902', 'Hours')).text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect((await call(t, 'DELETE', `${rules()}/${keyword.body.id}`, as())).status).toBe(200);
    expect((await sms('+212612340903', 'hours')).text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const gone = await call(t, 'GET', `${rules()}/${keyword.body.id}`, as());
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('inbound_rule_not_found');
    await call(t, 'DELETE', `${rules()}/${regex.body.id}`, as());
    const audit = await call(t, 'GET', `/v1/audit-logs?resourceId=${regex.body.id}`, as());
    expect(audit.body.data.map((e: any) => e.action).sort()).toEqual([
      'inbound_rule.create',
      'inbound_rule.delete',
      'inbound_rule.update',
    ]);
  });

  it.each([
    ['a lookahead (RE2 has none)', { kind: 'regex', pattern: 'open(?=ing)' }],
    ['a backreference', { kind: 'regex', pattern: '(\\w)\\1' }],
    ['a named backreference', { kind: 'regex', pattern: '(?<a>x)\\k<a>' }],
    ['an invalid expression', { kind: 'regex', pattern: '([a-z' }],
    ['an expression too large to run cheaply', { kind: 'regex', pattern: '(.{1,30}){1,30}' }],
    ['a keyword of two words', { kind: 'keyword', pattern: 'opening hours' }],
    ['a pattern over 500 characters', { kind: 'regex', pattern: 'a'.repeat(501) }],
  ])('refuses %s at save with 400 naming `pattern`', async (_name, body) => {
    const res = await call(t, 'POST', rules(), { ...as(), body: { reply: 'x', ...body } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'pattern' });
    expect((await call(t, 'GET', rules(), as())).body.data).toEqual([]);
  });

  it('checks a changed pattern against the kind it will have, and refuses other accounts and viewers', async () => {
    const rule = await call(t, 'POST', rules(), {
      ...as(),
      body: { kind: 'keyword', pattern: 'menu', reply: 'Soup.' },
    });
    const bad = await call(t, 'PATCH', `${rules()}/${rule.body.id}`, {
      ...as(),
      body: { kind: 'regex', pattern: 'a(?!b)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('pattern');
    const cross = await call(t, 'GET', `/v1/projects/${other.projectId}/inbound-rules`, as());
    expect(cross.status).toBe(404);
    const viewer = await addMember(t, owner, { email: 'viewer-rules@example.com', role: 'viewer' });
    const refused = await call(t, 'GET', rules(), { key: viewer.accessToken });
    expect(refused.body.error).toMatchObject({ code: 'forbidden', permission: 'manage_settings' });
    await call(t, 'DELETE', `${rules()}/${rule.body.id}`, as());
  });
});

describe('inbound stats and history', () => {
  it('counts messages routed to a user by a phone mapping, and not', async () => {
    t.clock.advance(60_000);
    const since = new Date(t.clock.now).toISOString();
    await call(t, 'POST', `${project}/phone-mappings`, {
      ...as(),
      body: { phone: '+212612341001', userId: 'stats-user' },
    });
    await sms('+212612341001', 'one');
    await sms('+212612341001', 'two');
    await sms('+212612341002', 'three');
    const stats = await call(t, 'GET', `${project}/inbound/stats?since=${since}`, as());
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      since,
      inbound: 3,
      routed: 2,
      unrouted: 1,
      keywords: { stop: 0, start: 0, help: 0 },
      autoReplies: 0,
    });
    for (const q of ['p50', 'p95', 'max']) expect(stats.body.processingMs[q]).toBeGreaterThanOrEqual(0);
    const bad = await call(t, 'GET', `${project}/inbound/stats?since=yesterday`, as());
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'since' });
    const backwards = await call(t, 'GET', `${project}/inbound/stats?since=${since}&until=${since}`, as());
    expect(backwards.body.error).toMatchObject({ code: 'validation_failed', field: 'until' });
  });

  it('lists a page at a time with signed cursors; members see numbers masked below admin; public keys are refused', async () => {
    const from = '+212612341101';
    for (const text of ['a', 'b', 'c']) await sms(from, text);
    const first = await call(t, 'GET', `/v1/inbound?from=%2B212612341101&limit=2`, { key: t.demo.secretKey });
    expect(first.body.data.map((m: any) => m.text)).toEqual(['c', 'b']);
    const second = await call(t, 'GET', `/v1/inbound?from=%2B212612341101&limit=2&cursor=${first.body.nextCursor}`, {
      key: t.demo.secretKey,
    });
    expect(second.body).toMatchObject({ data: [{ text: 'a' }], nextCursor: null });
    const forged = await call(t, 'GET', `/v1/inbound?cursor=${first.body.nextCursor.slice(0, -2)}xx`, {
      key: t.demo.secretKey,
    });
    expect(forged.body.error).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
    const viewer = await addMember(t, owner, { email: 'viewer-history@example.com', role: 'viewer' });
    const masked = await call(t, 'GET', `/v1/inbound?projectId=${t.demo.projectId}&limit=1`, {
      key: viewer.accessToken,
    });
    expect(masked.body.data[0].from).toMatch(/^\+\*+\d{4}$/);
    const full = await call(t, 'GET', `/v1/inbound?projectId=${t.demo.projectId}&limit=1`, as());
    expect(full.body.data[0].from).toBe(from);
    const elsewhere = await call(t, 'GET', `/v1/inbound?projectId=${other.projectId}`, as());
    expect(elsewhere.status).toBe(404);
    const pub = await call(t, 'GET', '/v1/inbound', { key: t.demo.publicKey, origin: 'http://localhost:8787' });
    expect(pub.status).toBe(403);
    expect(pub.body.error.code).toBe('forbidden');
  });

  it.each([
    ['?channel=pigeon', 'channel'],
    ['?since=soon', 'since'],
    ['?keyword=stopp', 'keyword'],
    ['?limit=201', 'limit'],
    ['?sort=asc', 'sort'],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const res = await call(t, 'GET', `/v1/inbound${query}`, { key: t.demo.secretKey });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
  });

  it('answers 404 for a message that is not the project’s', async () => {
    const res = await call(t, 'GET', '/v1/inbound/inb_0000000000000000000000', { key: t.demo.secretKey });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'inbound_not_found', field: 'id' });
  });

  it('shows a conversation in both directions, newest first, a page at a time', async () => {
    const address = '+212612341201';
    t.clock.advance(1000);
    await sms(address, 'Is my order ready?');
    t.clock.advance(1000);
    const out = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: address, text: 'Yes, come by.', channel: 'sms' },
    });
    expect(out.status).toBe(202);
    t.clock.advance(1000);
    await sms(address, 'Thanks!');
    const path = `/v1/inbound/conversations/${encodeURIComponent(address)}`;
    const page = await call(t, 'GET', `${path}?limit=2`, { key: t.demo.secretKey });
    expect(page.status).toBe(200);
    expect(page.body.address).toBe(address);
    expect(page.body.data.map((m: any) => [m.direction, m.text ?? m.body])).toEqual([
      ['inbound', 'Thanks!'],
      ['outbound', 'Yes, come by.'],
    ]);
    const rest = await call(t, 'GET', `${path}?limit=2&cursor=${page.body.nextCursor}`, { key: t.demo.secretKey });
    expect(rest.body.data.map((m: any) => m.text)).toEqual(['Is my order ready?']);
    expect(rest.body.nextCursor).toBeNull();
    const bad = await call(t, 'GET', `${path}?limit=nope`, { key: t.demo.secretKey });
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'limit' });
  });
});

describe('received messages in the message history (direction=inbound)', () => {
  it('lists them a page at a time, filtered by text and the project’s number, exports them, and keeps the default to sent ones', async () => {
    const from = '+212612341301';
    t.clock.advance(1000);
    const since = encodeURIComponent(new Date(t.clock.now).toISOString());
    await sms(from, 'Where is parcel 42?');
    await sms(from, 'hello again');
    const key = { key: t.demo.secretKey };
    const q = `direction=inbound&createdAfter=${since}`;
    const first = await call(t, 'GET', `/v1/messages?${q}&limit=1`, key);
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([
      expect.objectContaining({ direction: 'inbound', from, to: '+15005550006', text: 'hello again' }),
    ]);
    const second = await call(t, 'GET', `/v1/messages?${q}&limit=1&cursor=${first.body.nextCursor}`, key);
    expect(second.body.data.map((m: any) => m.text)).toEqual(['Where is parcel 42?']);
    // `q` over the text, in any ASCII case; `to` is the project's number, whole or its last digits.
    for (const to of ['0006', '%2B15005550006']) {
      const found = await call(t, 'GET', `/v1/messages?${q}&q=PARCEL&to=${to}`, key);
      expect(found.body.data.map((m: any) => m.text)).toEqual(['Where is parcel 42?']);
    }
    const elsewhere = await call(t, 'GET', `/v1/messages?${q}&to=9999`, key);
    expect(elsewhere.body.data).toEqual([]);
    // Without `direction`, the history is the messages the project sent.
    const sent = await call(t, 'GET', `/v1/messages?createdAfter=${since}`, key);
    expect(sent.status).toBe(200);
    expect(sent.body.data.every((m: any) => m.direction === 'outbound')).toBe(true);

    const exported = async (format: string) => {
      const res = await fetch(`${t.url}/v1/messages/export?format=${format}&${q}`, {
        headers: { authorization: `Bearer ${t.demo.secretKey}` },
      });
      expect(res.status).toBe(200);
      return res.text();
    };
    const lines = (await exported('ndjson'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([first.body.data[0], second.body.data[0]]);
    const csv = parse<Record<string, string>>(await exported('csv'), { columns: true });
    // The sender's `+` escaped as a formula cell would be, as in every export.
    expect(csv.map((r) => [r.direction, r.from, r.text, r.media])).toEqual([
      ['inbound', `'${from}`, 'hello again', '[]'],
      ['inbound', `'${from}`, 'Where is parcel 42?', '[]'],
    ]);
  });

  it.each([
    ['status=failed', 'status'],
    ['template=order_update', 'template'],
    ['country=MA', 'country'],
    ['operator=IAM', 'operator'],
  ])('refuses %s (a filter only sent messages have) with 400 naming it, listed or exported', async (filter, field) => {
    for (const path of ['/v1/messages', '/v1/messages/export']) {
      const res = await call(t, 'GET', `${path}?direction=inbound&${filter}`, { key: t.demo.secretKey });
      expect(res.status, path).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field });
    }
  });
});

describe('the CLI', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, '--data-dir', t.dataDir], { env: { ...cliEnv, ...env } });

  it('registers a Telegram bot’s webhook with the secret token the hook then accepts', async () => {
    const res = await cli(['connectors', 'webhook-setup', telegramId, '--json'], {
      MESSAGEJS_PUBLIC_URL: PUBLIC_URL,
      MESSAGEJS_CONNECTOR_BASE_URLS: JSON.stringify({ telegram: fakeTelegram.url }),
    });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ registered: true, url: `${PUBLIC_URL}/v1/hooks/${telegramId}` });
    const request = fakeTelegram.last();
    expect(request.url).toBe(`/bot${BOT_TOKEN}/setWebhook`);
    const sent = request.json as { url: string; secret_token: string; allowed_updates: string[] };
    expect(sent).toMatchObject({ url: `${PUBLIC_URL}/v1/hooks/${telegramId}`, allowed_updates: ['message'] });
    const update = { update_id: 1, message: { message_id: 1, date: 1_700_000_000, chat: { id: 42 }, text: 'hi' } };
    expect((await postTelegram(t, telegramId, update, sent.secret_token)).status).toBe(200);
  });

  it('refuses without MESSAGEJS_PUBLIC_URL, and says where other providers take the URL', async () => {
    const count = fakeTelegram.requests.length;
    const refused = await cli(['connectors', 'webhook-setup', telegramId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('MESSAGEJS_PUBLIC_URL');
    expect(fakeTelegram.requests).toHaveLength(count);
    const twilio = await cli(['connectors', 'webhook-setup', twilioId, '--json'], { MESSAGEJS_PUBLIC_URL: PUBLIC_URL });
    expect(JSON.parse(twilio.stdout)).toMatchObject({ registered: false, detail: expect.stringContaining('Twilio') });
  });

  it('lists a project’s inbound messages, from one sender', async () => {
    const res = await cli(['inbound', 'list', '--project', t.demo.projectId, '--from', '+212612341101', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).map((m: any) => m.text)).toEqual(['c', 'b', 'a']);
    const table = await cli(['inbound', 'list', '--project', t.demo.projectId, '--limit', '1']);
    expect(table.stdout).toContain('receivedAt');
    const bad = await cli(['inbound', 'list', '--project', t.demo.projectId, '--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('limit');
  });

  it('lists received messages in the history with messages list --direction inbound', async () => {
    const json = await cli(['messages', 'list', '--project', t.demo.projectId, '--direction', 'inbound', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<{
      id: string;
      direction: string;
      from: string;
      receivedAt: string;
      channel: string;
    }>;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((m) => m.direction === 'inbound')).toBe(true);
    const table = await cli([
      'messages',
      'list',
      '--project',
      t.demo.projectId,
      '--direction',
      'inbound',
      '--limit',
      '1',
    ]);
    expect(table.code, table.stderr).toBe(0);
    const [, , row] = table.stdout.trimEnd().split('\n');
    const newest = listed[0]!;
    expect(row!.split(/\s+/).slice(0, 5)).toEqual([
      newest.id,
      newest.receivedAt,
      'received',
      newest.channel,
      newest.from,
    ]);
    const refused = await cli([
      'messages',
      'list',
      '--project',
      t.demo.projectId,
      '--direction',
      'inbound',
      '--status',
      'failed',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error \(validation_failed, --status\)/);
  });
});
