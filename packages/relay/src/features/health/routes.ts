import { healthResponseSchema, readinessResponseSchema } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';
import type { SharedStatus } from '../../store/shared-state.js';
import type { Route } from '../../http/platform/route.js';

/**
 * `/healthz` (the process answers) and `/readyz` (database reachable, worker alive; with Redis,
 * whether it answers — a degraded Redis leaves the relay ready).
 */
export function healthRoutes(deps: {
  store: Store;
  worker: { readonly running: boolean; readonly lastTickAt: number } | null;
  now: () => number;
  /** Redis's state, `null` when the relay runs without it. */
  redis?: () => SharedStatus | null;
}): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      doc: { summary: 'The process answers', tag: 'Health', auth: 'public', responses: { 200: healthResponseSchema } },
      handle: () => ({ body: { status: 'ok' } }),
    },
    {
      method: 'GET',
      path: '/readyz',
      doc: {
        summary: 'The database answers and the worker runs (503 otherwise); with Redis, whether it answers',
        tag: 'Health',
        auth: 'public',
        responses: { 200: readinessResponseSchema, 503: readinessResponseSchema },
      },
      async handle() {
        const database = await deps.store.ping();
        // The loop passes at least every few poll intervals; a silent minute means it is stuck.
        const worker =
          deps.worker === null
            ? 'disabled'
            : deps.worker.running && deps.now() - deps.worker.lastTickAt < 60_000
              ? 'ok'
              : 'down';
        const ready = database && worker !== 'down';
        // Without Redis each relay keeps its own limits: a degraded Redis is reported, not a reason to stop traffic.
        const redis = deps.redis?.() ?? null;
        return {
          status: ready ? 200 : 503,
          body: {
            status: ready ? 'ready' : 'not_ready',
            database: database ? 'ok' : 'down',
            worker,
            ...(redis !== null && { redis }),
          },
        };
      },
    },
  ];
}
