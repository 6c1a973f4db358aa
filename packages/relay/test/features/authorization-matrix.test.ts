import fs from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createRelay, loadConfig, type Route } from '@messagejs/relay';
import { call, tempDir } from '../helpers/start-relay.js';
import { snapshot, type StoredRow } from '../helpers/store-snapshot.js';
import { setUpOwner, startAccountsRelay } from '../helpers/accounts.js';
import { makeCallers, type Caller } from '../helpers/matrix-principals.js';
import { fixtures, type Ctx, type Fixture } from '../helpers/matrix-fixtures.js';

/**
 * Issue 12's authorization matrix: every admin route (taken from the relay's own route registry,
 * so a new route joins the matrix by itself) × every kind of caller, each answer predicted by one
 * pure function, `expected`. Around every 4xx the database must not change.
 */

type RouteInfo = Pick<Route, 'method' | 'path' | 'doc'>;

/** The relay's mounted routes, read before any test is defined. */
async function routeRegistry(): Promise<RouteInfo[]> {
  const dir = tempDir();
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const relay = await createRelay(loadConfig({ MESSAGEJS_DATA_DIR: dir, MESSAGEJS_WORKER: 'off' }), {
    logDestination: sink,
  });
  const routes = relay.routes().map(({ method, path, doc }) => ({ method, path, doc }));
  await relay.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return routes;
}

const registry = await routeRegistry();
const adminRoutes = registry.filter((r) => r.doc?.auth === 'admin');
const keyOf = (r: Pick<RouteInfo, 'method' | 'path'>) => `${r.method} ${r.path}`;

interface Expectation {
  status: number;
  code?: RegExp;
}

/**
 * What `caller` must be answered on `route`, in the order the relay checks: the credential (401),
 * a browser write without its CSRF token (403), another account's or an unseen project's resource
 * (404, never 403), the route's own rules, the permission (403 naming it), else success.
 */
function expected(route: RouteInfo, fixture: Fixture, caller: Caller): Expectation {
  if (!caller.valid) return { status: 401, code: /^(unauthorized|token_expired)$/ };
  if (caller.auth === 'cookie' && route.method !== 'GET') return { status: 403, code: /^csrf_failed$/ };
  if (caller.account === 'B' && fixture.scope !== 'own') return { status: 404, code: /_not_found$/ };
  if (caller.restricted && fixture.scope === 'project') return { status: 404, code: /^project_not_found$/ };
  const own = fixture.rule?.(caller);
  if (own) return own;
  const permission = route.doc?.permission;
  if (permission && !caller.permissions.has(permission)) return { status: 403, code: /^forbidden$/ };
  return { status: fixture.ok };
}

/** A snapshot without the columns written off the request path (last-used times, flushed every 30 s). */
async function stable(): Promise<Record<string, StoredRow[]>> {
  const tables = await snapshot(ctx.t.location);
  for (const rows of Object.values(tables)) for (const row of rows) delete row.last_used_at;
  return tables;
}

let ctx: Ctx;
let callers: Caller[];

beforeAll(async () => {
  const t = await startAccountsRelay({
    env: {
      MESSAGEJS_SIGNUP: 'open',
      MESSAGEJS_WORKER: 'off',
      // Webhook endpoints on a local port (never posted to: no worker).
      MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
      MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on',
    },
  });
  const first = await setUpOwner(t);
  const a2 = await createProject(t.relay.store, { name: 'A2', allowedCountries: ['MA'] }, t.clock.now);
  callers = await makeCallers(t, first, { a2: a2.id });
  ctx = await fixtures.context(t, { accountId: first.accountId, a1: t.demo.projectId, a2: a2.id });
}, 60_000);
afterAll(() => ctx?.t.cleanup());

describe('authorization matrix', () => {
  it('has a fixture for every admin route (add one in test/helpers/matrix-fixtures.ts)', () => {
    const missing = adminRoutes.map(keyOf).filter((key) => !fixtures.byRoute[key]);
    expect(missing, `admin routes without a fixture:\n${missing.join('\n')}`).toEqual([]);
    const stale = Object.keys(fixtures.byRoute).filter((key) => !adminRoutes.some((r) => keyOf(r) === key));
    expect(stale, 'fixtures for routes the relay does not mount').toEqual([]);
  });

  for (const route of adminRoutes) {
    const fixture = fixtures.byRoute[keyOf(route)];
    if (!fixture) continue;
    it(`${keyOf(route)}: every caller gets the predicted answer, and a refusal changes nothing`, async () => {
      const wrong: string[] = [];
      const seen = new Set<number>();
      for (const caller of callers) {
        const request = await fixture.build(ctx, caller);
        const want = expected(route, fixture, caller);
        const before = await stable();
        const res = await call(ctx.t, route.method, request.path, {
          headers: { ...caller.headers(), ...(request.type && { 'content-type': request.type }) },
          ...(request.body !== undefined && { body: request.body }),
          ...(request.rawBody !== undefined && { rawBody: request.rawBody }),
        });
        const code = res.body?.error?.code as string | undefined;
        seen.add(res.status);
        if (res.status !== want.status || (want.code && !want.code.test(code ?? ''))) {
          wrong.push(`${caller.name}: expected ${want.status} ${want.code ?? ''}, got ${res.status} ${code ?? ''}`);
        }
        if (res.status >= 400) {
          expect(await stable(), `${caller.name} got ${res.status}: the database changed`).toEqual(before);
          if (res.status === 403 && code === 'forbidden' && !fixture.rule?.(caller)) {
            expect(res.body.error.permission, caller.name).toBe(route.doc?.permission);
          }
        } else if (fixture.endsSessions) {
          await ctx.renewSessionsOf(caller, callers);
        }
      }
      expect(wrong).toEqual([]);
      // Not a vacuous row: someone got through, and someone was refused.
      expect([...seen]).toEqual(expect.arrayContaining([fixture.ok, 401]));
    });
  }
});

describe('bad input on every admin write route', () => {
  const writes = adminRoutes.filter((r) => r.doc?.body && fixtures.byRoute[keyOf(r)]);

  it('covers the write routes that take a body', () => {
    expect(writes.length).toBeGreaterThanOrEqual(9);
  });

  for (const route of writes) {
    it(`${keyOf(route)}: an unknown field, another media type and deep nesting are 4xx, and change nothing`, async () => {
      const fixture = fixtures.byRoute[keyOf(route)]!;
      const owner = callers.find((c) => c.name === 'owner')!;
      const request = await fixture.build(ctx, owner);
      const body = request.body as Record<string, unknown>;
      let deep: unknown = 1;
      for (let i = 0; i < 40; i++) deep = { a: deep };
      const cases = [
        { body: { ...body, unknownField: 1 }, status: 400, code: 'validation_failed', field: 'unknownField' },
        { rawBody: JSON.stringify(body), type: 'text/plain', status: 415, code: 'unsupported_media_type' },
        { body: { ...body, deep }, status: 400, code: 'nesting_too_deep', field: 'deep' },
      ];
      for (const c of cases) {
        const before = await stable();
        const res = await call(ctx.t, route.method, request.path, {
          headers: { ...owner.headers(), ...(c.type && { 'content-type': c.type }) },
          ...(c.body !== undefined && { body: c.body }),
          ...(c.rawBody !== undefined && { rawBody: c.rawBody }),
        });
        expect(res.status, `${c.code}: ${JSON.stringify(res.body)}`).toBe(c.status);
        expect(res.body.error.code).toBe(c.code);
        if (c.field) expect(res.body.error.field).toBe(c.field);
        expect(await stable()).toEqual(before);
      }
    });
  }
});
