import type { Caller } from './matrix-principals.js';
import type { Ctx, Fixture } from './matrix-fixtures.js';
import { importRecord } from './store-records.js';

/**
 * The authorization matrix's fixtures for the projects admin API (issue 12): projects, their
 * settings, keys, connectors and opt-outs, and the connector types. Each builds a valid request on
 * project A1; a write that changes a setting writes back the value it read, so the other rows see
 * the project as it was. A route that removes or replaces something (a project, a key, a
 * connector, an origin, an opt-out) gets a resource of its own on every call.
 */

const PROJECT = '/v1/projects/:projectId';
const at = (ctx: Ctx, rest = '') => `/v1/projects/${ctx.a1}${rest}`;

/** A1's settings as they are now (`GET …/countries`, `…/limits`…), read as A's owner. */
const current = (ctx: Ctx, setting: string) => ctx.prepare('GET', at(ctx, `/${setting}`));

/** A member limited to some projects creates none, whatever its role (the plan's §4.4). */
const unrestrictedOnly = (caller: Caller) => (caller.restricted ? { status: 403, code: /^forbidden$/ } : undefined);

async function freshProject(ctx: Ctx): Promise<string> {
  return (await ctx.prepare('POST', '/v1/projects', { name: ctx.unique('project') })).id;
}

async function freshOrigin(ctx: Ctx): Promise<string> {
  const origin = `https://${ctx.unique('site')}.example`;
  await ctx.prepare('POST', at(ctx, '/origins'), { origin });
  return origin;
}

async function freshKey(ctx: Ctx): Promise<string> {
  return (await ctx.prepare('POST', at(ctx, '/keys'), { kind: 'secret', name: ctx.unique('key') })).apiKey.id;
}

/** A console connector, disabled: it never takes a send from the demo's own. */
async function freshConnector(ctx: Ctx): Promise<string> {
  const body = { type: 'console', name: ctx.unique('connector'), enabled: false };
  return (await ctx.prepare('POST', at(ctx, '/connectors'), body)).id;
}

async function freshOptOut(ctx: Ctx): Promise<string> {
  const address = `${ctx.unique('opted-out')}@a.example`;
  await ctx.prepare('POST', at(ctx, '/opt-outs'), { address });
  return address;
}

const read = (rest: string): Fixture => ({
  scope: 'project',
  ok: 200,
  build: async (ctx) => ({ path: at(ctx, rest) }),
});

const projects: Record<string, Fixture> = {
  'GET /v1/projects': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/projects' }) },
  'POST /v1/projects': {
    scope: 'own',
    ok: 201,
    rule: unrestrictedOnly,
    build: async (ctx) => ({ path: '/v1/projects', body: { name: ctx.unique('project') } }),
  },
  [`GET ${PROJECT}`]: read(''),
  [`PATCH ${PROJECT}`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx), body: { name: (await ctx.prepare('GET', at(ctx))).name } }),
  },
  // Another project of A each time: the restricted member does not see it either (404).
  [`DELETE ${PROJECT}`]: {
    scope: 'project',
    ok: 204,
    async build(ctx) {
      const id = await freshProject(ctx);
      return { path: `/v1/projects/${id}?confirm=${id}` };
    },
  },
};

const settings: Record<string, Fixture> = {
  [`GET ${PROJECT}/origins`]: read('/origins'),
  [`POST ${PROJECT}/origins`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, '/origins'), body: { origin: `https://${ctx.unique('site')}.example` } }),
  },
  [`DELETE ${PROJECT}/origins/:origin`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, `/origins/${encodeURIComponent(await freshOrigin(ctx))}`) }),
  },
  [`GET ${PROJECT}/countries`]: read('/countries'),
  [`PUT ${PROJECT}/countries`]: {
    scope: 'project',
    ok: 200,
    async build(ctx) {
      const { allowedCountries, defaultCountry } = await current(ctx, 'countries');
      return { path: at(ctx, '/countries'), body: { allowedCountries, defaultCountry } };
    },
  },
  [`GET ${PROJECT}/number-types`]: read('/number-types'),
  [`PUT ${PROJECT}/number-types`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: at(ctx, '/number-types'),
      body: { allowedNumberTypes: (await current(ctx, 'number-types')).allowedNumberTypes },
    }),
  },
  [`GET ${PROJECT}/limits`]: read('/limits'),
  [`PATCH ${PROJECT}/limits`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: at(ctx, '/limits'),
      body: { perIpPerMinute: (await current(ctx, 'limits')).perIpPerMinute },
    }),
  },
  [`GET ${PROJECT}/fallbacks`]: read('/fallbacks'),
  [`PUT ${PROJECT}/fallbacks/:channel`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: at(ctx, '/fallbacks/whatsapp'),
      body: { to: (await current(ctx, 'fallbacks')).fallbacks.whatsapp ?? [] },
    }),
  },
  [`GET ${PROJECT}/quiet-hours`]: read('/quiet-hours'),
  // A1 has no quiet hours: setting some and removing them leaves it as it was for the other rows.
  [`PUT ${PROJECT}/quiet-hours`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, '/quiet-hours'), body: { start: '21:00', end: '08:00' } }),
  },
  [`DELETE ${PROJECT}/quiet-hours`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, '/quiet-hours') }),
  },
  [`GET ${PROJECT}/prices`]: read('/prices'),
  [`PUT ${PROJECT}/prices`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, '/prices'), body: { prices: (await current(ctx, 'prices')).prices } }),
  },
  [`DELETE ${PROJECT}/prices`]: { scope: 'project', ok: 200, build: async (ctx) => ({ path: at(ctx, '/prices') }) },
  [`GET ${PROJECT}/verify-settings`]: read('/verify-settings'),
  [`PATCH ${PROJECT}/verify-settings`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: at(ctx, '/verify-settings'),
      body: { codeLength: (await current(ctx, 'verify-settings')).codeLength },
    }),
  },
};

const key = async (ctx: Ctx, rest = '') => at(ctx, `/keys/${await freshKey(ctx)}${rest}`);

const keys: Record<string, Fixture> = {
  [`GET ${PROJECT}/keys`]: read('/keys'),
  [`POST ${PROJECT}/keys`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({ path: at(ctx, '/keys'), body: { kind: 'secret', name: ctx.unique('key') } }),
  },
  [`POST ${PROJECT}/signing-keys/rotate`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, '/signing-keys/rotate') }),
  },
  [`GET ${PROJECT}/keys/:keyId`]: { scope: 'project', ok: 200, build: async (ctx) => ({ path: await key(ctx) }) },
  [`PATCH ${PROJECT}/keys/:keyId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await key(ctx), body: { name: ctx.unique('renamed') } }),
  },
  [`DELETE ${PROJECT}/keys/:keyId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await key(ctx) }),
  },
  [`POST ${PROJECT}/keys/:keyId/rotate`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({ path: await key(ctx, '/rotate'), body: { graceSeconds: 60 } }),
  },
};

const connector = async (ctx: Ctx, rest = '') => at(ctx, `/connectors/${await freshConnector(ctx)}${rest}`);

const connectors: Record<string, Fixture> = {
  'GET /v1/connector-types': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/connector-types' }) },
  [`GET ${PROJECT}/connectors`]: read('/connectors'),
  [`POST ${PROJECT}/connectors`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({
      path: at(ctx, '/connectors'),
      body: { type: 'console', name: ctx.unique('connector'), enabled: false },
    }),
  },
  [`GET ${PROJECT}/connectors/:connectorId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await connector(ctx) }),
  },
  [`PATCH ${PROJECT}/connectors/:connectorId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await connector(ctx), body: { name: ctx.unique('renamed'), priority: 500 } }),
  },
  [`PUT ${PROJECT}/connectors/:connectorId/credentials`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await connector(ctx, '/credentials'), body: { credentials: {} } }),
  },
  [`DELETE ${PROJECT}/connectors/:connectorId`]: {
    scope: 'project',
    ok: 204,
    build: async (ctx) => ({ path: await connector(ctx) }),
  },
  // The console connector's check calls no provider.
  [`POST ${PROJECT}/connectors/:connectorId/test`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await connector(ctx, '/test') }),
  },
};

const optOuts: Record<string, Fixture> = {
  [`GET ${PROJECT}/opt-outs`]: read('/opt-outs'),
  [`POST ${PROJECT}/opt-outs`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({
      path: at(ctx, '/opt-outs'),
      body: { address: `${ctx.unique('opted-out')}@a.example`, reason: 'asked to stop' },
    }),
  },
  [`GET ${PROJECT}/opt-outs/:address`]: read(`/opt-outs/${encodeURIComponent('+212612345678')}`),
  [`DELETE ${PROJECT}/opt-outs/:address`]: {
    scope: 'project',
    ok: 204,
    build: async (ctx) => ({ path: at(ctx, `/opt-outs/${encodeURIComponent(await freshOptOut(ctx))}`) }),
  },
};

async function freshContact(ctx: Ctx): Promise<string> {
  return (await ctx.prepare('POST', at(ctx, '/contacts'), { email: `${ctx.unique('contact')}@a.example` })).id;
}

async function freshGroup(ctx: Ctx): Promise<string> {
  return (await ctx.prepare('POST', at(ctx, '/groups'), { name: ctx.unique('group') })).id;
}

/** Contacts and groups (issue 16): each write on a contact or group of its own. */
const contacts: Record<string, Fixture> = {
  [`GET ${PROJECT}/contacts`]: read('/contacts'),
  [`POST ${PROJECT}/contacts`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({ path: at(ctx, '/contacts'), body: { email: `${ctx.unique('contact')}@a.example` } }),
  },
  [`GET ${PROJECT}/contacts/:contactId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, `/contacts/${await freshContact(ctx)}`) }),
  },
  [`PATCH ${PROJECT}/contacts/:contactId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, `/contacts/${await freshContact(ctx)}`), body: { name: 'Ada' } }),
  },
  [`DELETE ${PROJECT}/contacts/:contactId`]: {
    scope: 'project',
    ok: 204,
    build: async (ctx) => ({ path: at(ctx, `/contacts/${await freshContact(ctx)}`) }),
  },
  [`GET ${PROJECT}/groups`]: read('/groups'),
  [`POST ${PROJECT}/groups`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({ path: at(ctx, '/groups'), body: { name: ctx.unique('group') } }),
  },
  [`GET ${PROJECT}/groups/:groupId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, `/groups/${await freshGroup(ctx)}`) }),
  },
  [`PATCH ${PROJECT}/groups/:groupId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: at(ctx, `/groups/${await freshGroup(ctx)}`), body: { description: 'VIP' } }),
  },
  [`DELETE ${PROJECT}/groups/:groupId`]: {
    scope: 'project',
    ok: 204,
    build: async (ctx) => ({ path: at(ctx, `/groups/${await freshGroup(ctx)}`) }),
  },
  [`POST ${PROJECT}/groups/:groupId/contacts`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: at(ctx, `/groups/${await freshGroup(ctx)}/contacts`),
      body: { contactIds: [await freshContact(ctx)] },
    }),
  },
  [`DELETE ${PROJECT}/groups/:groupId/contacts`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: at(ctx, `/groups/${await freshGroup(ctx)}/contacts`),
      body: { contactIds: [await freshContact(ctx)] },
    }),
  },
};

/** Waits until no import of the relay is running: a background chunk must not land inside another row's snapshot. */
async function importsIdle(ctx: Ctx): Promise<void> {
  for (let i = 0; i < 500 && (await ctx.t.relay.store.imports.stale(Number.MAX_SAFE_INTEGER, 1)).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A finished import of A1 (its record only: the routes that read one need no file). */
async function freshImport(ctx: Ctx): Promise<string> {
  await importsIdle(ctx);
  const id = ctx.unique('imp');
  const at = ctx.t.clock.now;
  await ctx.t.relay.store.imports.create(
    importRecord(id, ctx.a1, { status: 'completed', createdAt: at, startedAt: at, finishedAt: at, updatedAt: at }),
  );
  return id;
}

/** An import is read by its own id: a member who does not see its project gets the import's 404. */
const importOfUnseenProject = (caller: Caller) =>
  caller.restricted ? { status: 404, code: /^import_not_found$/ } : undefined;

/** Contacts' CSV import and export (issue 16). */
const imports: Record<string, Fixture> = {
  [`POST ${PROJECT}/contacts/import`]: {
    scope: 'project',
    ok: 202,
    build: async (ctx) => {
      await importsIdle(ctx);
      const phone = `+2126${String(ctx.unique('n').replace(/\D/g, '')).padStart(8, '0').slice(-8)}`;
      return { path: at(ctx, '/contacts/import'), rawBody: `phone\n${phone}\n`, type: 'text/csv' };
    },
  },
  [`GET ${PROJECT}/imports`]: read('/imports'),
  [`GET ${PROJECT}/contacts/export`]: read('/contacts/export'),
  'GET /v1/imports/:importId': {
    scope: 'account',
    ok: 200,
    rule: importOfUnseenProject,
    build: async (ctx) => ({ path: `/v1/imports/${await freshImport(ctx)}` }),
  },
  'GET /v1/imports/:importId/errors': {
    scope: 'account',
    ok: 200,
    rule: importOfUnseenProject,
    build: async (ctx) => ({ path: `/v1/imports/${await freshImport(ctx)}/errors` }),
  },
};

/** Every fixture of the projects admin API, by `METHOD /path`. */
export const projectFixtures: Record<string, Fixture> = {
  ...projects,
  ...imports,
  ...settings,
  ...keys,
  ...connectors,
  ...optOuts,
  ...contacts,
};
