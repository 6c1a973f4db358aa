import type { Ctx, Fixture } from './matrix-fixtures.js';

/**
 * The authorization matrix's fixtures for webhooks and the live event stream (issue 15), on
 * project A1. A route that changes, rotates or deletes an endpoint gets one of its own on every
 * call. The matrix relay runs no worker, so nothing is posted anywhere; its targets may be local
 * (`MESSAGEJS_ALLOW_PRIVATE_TARGETS`), and port 9 (discard) is never reached.
 */

const PROJECT = '/v1/projects/:projectId';
const ONE = `${PROJECT}/webhooks/:endpointId`;
const at = (ctx: Ctx, rest = '') => `/v1/projects/${ctx.a1}${rest}`;
const target = 'http://127.0.0.1:9/hook';

/** An endpoint of its own, for `webhook.test` only; its path. */
async function freshEndpoint(ctx: Ctx): Promise<string> {
  // A project holds at most 20 endpoints: the matrix's earlier ones go first.
  const { data } = await ctx.prepare('GET', at(ctx, '/webhooks'));
  for (const old of (data as Array<{ id: string }>).slice(0, Math.max(0, data.length - 10))) {
    await ctx.prepare('DELETE', at(ctx, `/webhooks/${old.id}`));
  }
  const made = await ctx.prepare('POST', at(ctx, '/webhooks'), { url: target, events: ['webhook.test'] });
  return at(ctx, `/webhooks/${made.endpoint.id}`);
}

/** An endpoint with one delivery (a test event): its path and the delivery's id. */
async function withDelivery(ctx: Ctx): Promise<{ path: string; deliveryId: string; eventId: string }> {
  const path = await freshEndpoint(ctx);
  const { eventId } = await ctx.prepare('POST', `${path}/test`);
  const page = await ctx.prepare('GET', `${path}/deliveries`);
  return { path, deliveryId: page.data[0].id, eventId };
}

const onEndpoint = (ok: number, rest = '', body?: unknown): Fixture => ({
  scope: 'project',
  ok,
  build: async (ctx) => ({ path: `${await freshEndpoint(ctx)}${rest}`, ...(body !== undefined && { body }) }),
});

/** Every fixture of the webhooks admin API and the event stream, by `METHOD /path`. */
export const webhookFixtures: Record<string, Fixture> = {
  'GET /v1/webhooks/event-types': { scope: 'own', ok: 200, build: async () => ({ path: '/v1/webhooks/event-types' }) },
  [`GET ${PROJECT}/webhooks`]: { scope: 'project', ok: 200, build: async (ctx) => ({ path: at(ctx, '/webhooks') }) },
  [`POST ${PROJECT}/webhooks`]: {
    scope: 'project',
    ok: 201,
    async build(ctx) {
      // Room for one more (a project holds at most 20).
      const path = await freshEndpoint(ctx);
      await ctx.prepare('DELETE', path);
      return { path: at(ctx, '/webhooks'), body: { url: target, events: ['message.delivered'] } };
    },
  },
  [`GET ${ONE}`]: onEndpoint(200),
  [`PATCH ${ONE}`]: onEndpoint(200, '', { description: 'changed' }),
  [`DELETE ${ONE}`]: onEndpoint(200),
  [`POST ${ONE}/rotate-secret`]: onEndpoint(200, '/rotate-secret'),
  [`POST ${ONE}/test`]: onEndpoint(202, '/test'),
  [`POST ${ONE}/replay`]: {
    scope: 'project',
    ok: 202,
    async build(ctx) {
      const { path, eventId } = await withDelivery(ctx);
      return { path: `${path}/replay`, body: { eventId } };
    },
  },
  [`GET ${ONE}/deliveries`]: onEndpoint(200, '/deliveries'),
  [`GET ${ONE}/deliveries/:deliveryId`]: {
    scope: 'project',
    ok: 200,
    async build(ctx) {
      const { path, deliveryId } = await withDelivery(ctx);
      return { path: `${path}/deliveries/${deliveryId}` };
    },
  },
  [`GET ${ONE}/stats`]: onEndpoint(200, '/stats'),
  // A stream let through never ends: asked with a Last-Event-ID that is not one, a caller past
  // every access check (404, then 403) gets 400, before anything is registered.
  'GET /v1/events/stream': {
    scope: 'project',
    ok: 400,
    build: async (ctx) => ({ path: `/v1/events/stream?projectId=${ctx.a1}&lastEventId=not-a-number` }),
  },
};
