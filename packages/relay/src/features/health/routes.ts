import { Router } from 'express';
import type { Store } from '../../store/types.js';

/** `/healthz` (the process answers) and `/readyz` (database reachable, worker alive). */
export function healthRouter(deps: {
  store: Store;
  worker: { readonly running: boolean; readonly lastTickAt: number } | null;
  now: () => number;
}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const database = await deps.store.ping();
    // The loop passes at least every few poll intervals; a silent minute means it is stuck.
    const worker =
      deps.worker === null
        ? 'disabled'
        : deps.worker.running && deps.now() - deps.worker.lastTickAt < 60_000
          ? 'ok'
          : 'down';
    const ready = database && worker !== 'down';
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', database: database ? 'ok' : 'down', worker });
  });
  return router;
}
