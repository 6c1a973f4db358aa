import type { Ctx, Fixture } from './matrix-fixtures.js';

/**
 * The authorization matrix's fixtures for the inbound admin API (issue 15): phone mappings,
 * inbound settings, auto-reply rules and the figures, each on project A1. A route that changes or
 * removes a mapping or a rule gets one of its own on every call; the settings are written back as
 * they were read.
 */

const PROJECT = '/v1/projects/:projectId';
const at = (ctx: Ctx, rest = '') => `/v1/projects/${ctx.a1}${rest}`;

/** A mapping of its own: a user id no other call uses. */
async function freshMapping(ctx: Ctx): Promise<string> {
  const userId = ctx.unique('user');
  await ctx.prepare('POST', at(ctx, '/phone-mappings'), { phone: '+212612345678', userId });
  return at(ctx, `/phone-mappings/${encodeURIComponent('+212612345678')}/${userId}`);
}

/** A rule of its own (an expression: `rule-7` is one). */
async function freshRule(ctx: Ctx): Promise<string> {
  const body = { kind: 'regex', pattern: ctx.unique('rule'), reply: 'Thanks.' };
  return at(ctx, `/inbound-rules/${(await ctx.prepare('POST', at(ctx, '/inbound-rules'), body)).id}`);
}

const read = (rest: string): Fixture => ({
  scope: 'project',
  ok: 200,
  build: async (ctx) => ({ path: at(ctx, rest) }),
});

/** Every fixture of the inbound admin API, by `METHOD /path`. */
export const inboundFixtures: Record<string, Fixture> = {
  [`GET ${PROJECT}/phone-mappings`]: read('/phone-mappings'),
  [`POST ${PROJECT}/phone-mappings`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({
      path: at(ctx, '/phone-mappings'),
      body: { phone: '+212612345678', userId: ctx.unique('user') },
    }),
  },
  [`PATCH ${PROJECT}/phone-mappings/:phone/:userId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await freshMapping(ctx), body: { isPrimary: true } }),
  },
  [`DELETE ${PROJECT}/phone-mappings/:phone/:userId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await freshMapping(ctx) }),
  },
  [`GET ${PROJECT}/inbound-settings`]: read('/inbound-settings'),
  [`PUT ${PROJECT}/inbound-settings`]: {
    scope: 'project',
    ok: 200,
    async build(ctx) {
      const { defaultLanguage, languages } = await ctx.prepare('GET', at(ctx, '/inbound-settings'));
      return { path: at(ctx, '/inbound-settings'), body: { defaultLanguage, languages } };
    },
  },
  [`GET ${PROJECT}/inbound/stats`]: read('/inbound/stats'),
  [`GET ${PROJECT}/inbound-rules`]: read('/inbound-rules'),
  [`POST ${PROJECT}/inbound-rules`]: {
    scope: 'project',
    ok: 201,
    build: async (ctx) => ({
      path: at(ctx, '/inbound-rules'),
      body: { kind: 'regex', pattern: ctx.unique('rule'), reply: 'Thanks.' },
    }),
  },
  [`GET ${PROJECT}/inbound-rules/:ruleId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await freshRule(ctx) }),
  },
  [`PATCH ${PROJECT}/inbound-rules/:ruleId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await freshRule(ctx), body: { active: false } }),
  },
  [`DELETE ${PROJECT}/inbound-rules/:ruleId`]: {
    scope: 'project',
    ok: 200,
    build: async (ctx) => ({ path: await freshRule(ctx) }),
  },
};
