import { expect } from 'vitest';
import { call, type TestRelay } from './start-relay.js';
import { addMember, OWNER, type Tokens } from './accounts.js';
import { session, type Caller } from './matrix-principals.js';
import { projectFixtures } from './matrix-fixtures-projects.js';
import { inboundFixtures } from './matrix-fixtures-inbound.js';
import { webhookFixtures } from './matrix-fixtures-webhooks.js';

/** What the fixtures work with: the relay, account A's ids, and a session of A's owner to prepare requests. */
export interface Ctx {
  t: TestRelay & { clock: { now: number; advance(ms: number): void } };
  accountId: string;
  /** The demo project, A's. */
  a1: string;
  /** A's second project, the only one the limited member sees. */
  a2: string;
  /** Signs the preparing session in again, and every caller of the same person, after a route ended their sessions. */
  renewSessionsOf(caller: Caller, callers: readonly Caller[]): Promise<void>;
  /** Runs a request as A's owner, failing the test unless it succeeds. */
  prepare(method: string, path: string, body?: unknown): Promise<any>;
  unique(prefix: string): string;
}

/**
 * How to call one admin route with a valid request, and what it answers a caller allowed to make
 * it. `scope` says what its URL names: the caller's own things (`own`), account A or one of its
 * resources (`account`: another account's caller gets 404), or project A1 (`project`: 404 also for
 * the member limited to A2).
 */
export interface Fixture {
  scope: 'own' | 'account' | 'project';
  ok: number;
  build(ctx: Ctx, caller: Caller): Promise<{ path: string; body?: unknown; rawBody?: string; type?: string }>;
  /** The route's own rule for some callers, checked after the scope and before the permission. */
  rule?(caller: Caller): { status: number; code?: RegExp } | undefined;
  /** A success ends the caller's sessions (a password change, a logout): the matrix signs them in again. */
  endsSessions?: boolean;
}

const sessionsOnly = (caller: Caller) => (caller.auth === 'token' ? { status: 403, code: /^forbidden$/ } : undefined);

/** Another member's admin token is a 404 unless the caller sees every token of the account (`manage_members`). */
const ownTokensOnly = (caller: Caller) =>
  caller.auth === 'session' && !caller.permissions.has('manage_members')
    ? { status: 404, code: /^admin_token_not_found$/ }
    : undefined;

const MEMBERS = '/v1/accounts/:accountId/members';
const TEMPLATES = '/v1/projects/:projectId/templates';

async function freshMember(ctx: Ctx, status: 'active' | 'suspended' = 'active'): Promise<string> {
  const email = `${ctx.unique('m')}@a.example`;
  const tokens = await addMember(ctx.t, await ownerTokens(ctx), { email, role: 'sender' });
  if (status === 'suspended')
    await ctx.prepare('POST', `/v1/accounts/${ctx.accountId}/members/${tokens.memberId}/suspend`);
  return tokens.memberId;
}

let owner: Tokens | null = null;
async function ownerTokens(ctx: Ctx): Promise<Tokens> {
  owner ??= await session(ctx.t, OWNER.email, OWNER.password);
  return owner;
}

async function freshTemplate(ctx: Ctx): Promise<string> {
  const name = ctx.unique('tpl');
  await ctx.prepare('PUT', `/v1/projects/${ctx.a1}/templates/${name}`, templateBody('Hello {{n}}'));
  return name;
}

const templateBody = (body: string) => ({
  channel: 'sms',
  recipient: { mode: 'caller' },
  body,
  params: { n: { type: 'text', maxLength: 20 } },
});

const member = (ctx: Ctx, id: string, rest = '') => `/v1/accounts/${ctx.accountId}/members/${id}${rest}`;
const template = (ctx: Ctx, name: string, rest = '') => `/v1/projects/${ctx.a1}/templates/${name}${rest}`;

const self: Record<string, Fixture> = {
  'GET /v1/auth/me': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/auth/me' }) },
  'POST /v1/auth/password': {
    scope: 'own',
    ok: 204,
    rule: sessionsOnly,
    endsSessions: true,
    // The same password again: the change (and its ending of other sessions) happens, and sign-ins still work.
    build: async (_ctx, caller) => ({
      path: '/v1/auth/password',
      body: { currentPassword: caller.password ?? 'no password', newPassword: caller.password ?? 'no password 12' },
    }),
  },
  'POST /v1/auth/logout': {
    scope: 'own',
    ok: 204,
    rule: sessionsOnly,
    endsSessions: true,
    build: async () => ({ path: '/v1/auth/logout' }),
  },
};

const accounts: Record<string, Fixture> = {
  'GET /v1/accounts': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/accounts' }) },
  'GET /v1/accounts/:accountId': {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: `/v1/accounts/${ctx.accountId}` }),
  },
  'PATCH /v1/accounts/:accountId': {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: `/v1/accounts/${ctx.accountId}`, body: { name: 'Account A' } }),
  },
  [`GET ${MEMBERS}`]: {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: `/v1/accounts/${ctx.accountId}/members` }),
  },
  [`GET ${MEMBERS}/:memberId`]: {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: member(ctx, (await ownerTokens(ctx)).memberId) }),
  },
  [`PATCH ${MEMBERS}/:memberId`]: {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: member(ctx, await freshMember(ctx)), body: { role: 'viewer' } }),
  },
  [`DELETE ${MEMBERS}/:memberId`]: {
    scope: 'account',
    ok: 204,
    build: async (ctx) => ({ path: member(ctx, await freshMember(ctx)) }),
  },
  [`POST ${MEMBERS}/:memberId/suspend`]: {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: member(ctx, await freshMember(ctx), '/suspend') }),
  },
  [`POST ${MEMBERS}/:memberId/activate`]: {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: member(ctx, await freshMember(ctx, 'suspended'), '/activate') }),
  },
  'POST /v1/accounts/:accountId/invites': {
    scope: 'account',
    ok: 201,
    build: async (ctx) => ({
      path: `/v1/accounts/${ctx.accountId}/invites`,
      body: { email: `${ctx.unique('inv')}@a.example`, role: 'viewer' },
    }),
  },
  'GET /v1/accounts/:accountId/invites': {
    scope: 'account',
    ok: 200,
    build: async (ctx) => ({ path: `/v1/accounts/${ctx.accountId}/invites` }),
  },
  'DELETE /v1/accounts/:accountId/invites/:inviteId': {
    scope: 'account',
    ok: 204,
    async build(ctx) {
      const invite = await ctx.prepare('POST', `/v1/accounts/${ctx.accountId}/invites`, {
        email: `${ctx.unique('inv')}@a.example`,
        role: 'viewer',
      });
      return { path: `/v1/accounts/${ctx.accountId}/invites/${invite.invite.id}` };
    },
  },
};

async function freshOwnerToken(ctx: Ctx): Promise<string> {
  const res = await ctx.prepare('POST', '/v1/admin-tokens', { name: ctx.unique('tok'), permissions: ['view_history'] });
  return res.adminToken.id as string;
}

const adminTokens: Record<string, Fixture> = {
  'POST /v1/admin-tokens': {
    scope: 'own',
    ok: 201,
    rule: sessionsOnly,
    build: async (ctx) => ({
      path: '/v1/admin-tokens',
      body: { name: ctx.unique('tok'), permissions: ['view_history'] },
    }),
  },
  'GET /v1/admin-tokens': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/admin-tokens' }) },
  // The owner's token: its own member's tokens are a token's to see and revoke, whatever its scope.
  'GET /v1/admin-tokens/:tokenId': {
    scope: 'account',
    ok: 200,
    rule: ownTokensOnly,
    build: async (ctx) => ({ path: `/v1/admin-tokens/${await freshOwnerToken(ctx)}` }),
  },
  'DELETE /v1/admin-tokens/:tokenId': {
    scope: 'account',
    ok: 200,
    rule: ownTokensOnly,
    build: async (ctx) => ({ path: `/v1/admin-tokens/${await freshOwnerToken(ctx)}` }),
  },
};

const templates: Record<string, Fixture> = {
  [`GET ${TEMPLATES}`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: `/v1/projects/${ctx.a1}/templates` }),
  },
  [`POST ${TEMPLATES}`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({
      path: `/v1/projects/${ctx.a1}/templates`,
      body: { name: ctx.unique('tpl'), ...templateBody('Hi {{n}}') },
    }),
  },
  [`GET ${TEMPLATES}/:name`]: { scope: 'project', ok: 200, build: async (ctx) => ({ path: template(ctx, 'contact') }) },
  [`PUT ${TEMPLATES}/:name`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({ path: template(ctx, ctx.unique('tpl')), body: templateBody('Hi {{n}}') }),
  },
  [`PATCH ${TEMPLATES}/:name`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: template(ctx, await freshTemplate(ctx)), body: { active: false } }),
  },
  [`DELETE ${TEMPLATES}/:name`]: {
    scope: 'project',
    ok: 204,
    build: async (ctx) => ({ path: template(ctx, await freshTemplate(ctx)) }),
  },
  [`GET ${TEMPLATES}/:name/versions`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: template(ctx, 'contact', '/versions') }),
  },
  [`GET ${TEMPLATES}/:name/versions/:version`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: template(ctx, 'contact', '/versions/1') }),
  },
  [`POST ${TEMPLATES}/:name/versions/:version/restore`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: template(ctx, await freshTemplate(ctx), '/versions/1/restore') }),
  },
  [`POST ${TEMPLATES}/:name/preview`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({
      path: template(ctx, 'order_update', '/preview'),
      body: { params: { order: 'A-1', eta: 'soon' }, to: '+212612345678' },
    }),
  },
};

const audit: Record<string, Fixture> = {
  'GET /v1/audit-logs': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/audit-logs' }) },
  'GET /v1/audit-logs/actions': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/audit-logs/actions' }) },
  'GET /v1/audit-logs/:id': {
    scope: 'account',
    ok: 200,
    async build(ctx) {
      const page = await ctx.prepare('GET', `/v1/audit-logs?projectId=${ctx.a1}&limit=1`);
      return { path: `/v1/audit-logs/${page.data[0].id}` };
    },
  },
};

/** The relay's status: its own figures and the caller's account's connectors (owners and admins with `manage_settings`). */
const operations: Record<string, Fixture> = {
  'GET /v1/status': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/status' }) },
};

/** The matrix's context over a started relay with account A set up. */
async function context(t: Ctx['t'], ids: { accountId: string; a1: string; a2: string }): Promise<Ctx> {
  let n = 0;
  const ctx: Ctx = {
    t,
    ...ids,
    unique: (prefix) => `${prefix}-${++n}`,
    async prepare(method, path, body) {
      const res = await call(t, method, path, {
        key: (await ownerTokens(ctx)).accessToken,
        ...(body !== undefined && { body }),
      });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    },
    async renewSessionsOf(caller, callers) {
      if (caller.email === OWNER.email) owner = null;
      for (const other of callers) if (other.email === caller.email && other.valid) await other.renew?.();
    },
  };
  return ctx;
}

const byRoute: Record<string, Fixture> = {
  ...self,
  ...accounts,
  ...adminTokens,
  ...projectFixtures,
  ...inboundFixtures,
  ...webhookFixtures,
  ...templates,
  ...audit,
  ...operations,
};

/** Every admin route's fixture, by `METHOD /path`, and the matrix's context. */
export const fixtures = { byRoute, context };
