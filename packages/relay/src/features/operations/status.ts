import type { ConnectorHealth, RelayStatus } from '@messagejs/shared-types';
import type { AdminPrincipal } from '../../domain/principal.js';
import { forbidden, requirePermission } from '../../domain/permissions.js';
import type { DatabaseAbout, OutboxStats, Store } from '../../store/types.js';
import type { SharedStatus } from '../../store/shared-state.js';

/** The worker as the status reads it (`jobs/worker.ts`), or null when this process runs none. */
export interface StatusWorker {
  readonly running: boolean;
  readonly lastTickAt: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly concurrency: number;
  connectorHealth: () => ReadonlyArray<{
    connectorId: string;
    open: boolean;
    openUntil: number | null;
    failures: number;
    lastError: { code: string; transient: boolean; at: number } | null;
    lastSuccessAt: number | null;
  }>;
}

export interface StatusDeps {
  store: Store;
  worker: StatusWorker | null;
  now: () => number;
  /** When this relay started (ms). */
  startedAt: number;
  relayVersion: string;
  /** With Redis: whether it answers, and one `PING` (`store/shared-state.ts`); null without it. */
  redis: { status: () => SharedStatus | null; ping?: (() => Promise<boolean>) | undefined } | null;
}

/** The worker loop passes at least every few poll intervals: a silent minute means it is stuck (as `/readyz`). */
const STALLED_AFTER_MS = 60_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** How long `probe` took (ms, to 0.001), and whether it answered. */
async function timed(probe: () => Promise<boolean>): Promise<{ ok: boolean; latencyMs: number | null }> {
  const started = performance.now();
  const ok = await probe().catch(() => false);
  return { ok, latencyMs: ok ? Math.round((performance.now() - started) * 1000) / 1000 : null };
}

/**
 * Who may read the relay's status: an owner or admin (by session or admin token) holding
 * `manage_settings`. Anyone else is `403 forbidden`; project keys never reach here (401).
 */
export function requireStatusReader(principal: AdminPrincipal): void {
  if (principal.role !== 'owner' && principal.role !== 'admin') {
    throw forbidden('manage_settings', 'The relay’s status is for owners and admins.');
  }
  requirePermission(principal, 'manage_settings');
}

/** The connectors of the projects `principal` sees, with what this worker knows of each. */
async function connectorsOf(deps: StatusDeps, principal: AdminPrincipal): Promise<ConnectorHealth[]> {
  const projects = await deps.store.projects.listForAccount(
    principal.accountId,
    principal.projectIds && [...principal.projectIds],
  );
  const health = new Map((deps.worker?.connectorHealth() ?? []).map((h) => [h.connectorId, h]));
  const out: ConnectorHealth[] = [];
  for (const project of projects) {
    for (const c of await deps.store.connectors.list(project.id)) {
      const h = health.get(c.id);
      out.push({
        id: c.id,
        projectId: c.projectId,
        name: c.name,
        type: c.type,
        enabled: c.enabled,
        circuitBreaker: deps.worker === null ? 'unknown' : h?.open ? 'open' : 'closed',
        openUntil: iso(h?.openUntil ?? null),
        failures: h?.failures ?? 0,
        lastError: h?.lastError ? { ...h.lastError, at: iso(h.lastError.at)! } : null,
        lastSuccessAt: iso(h?.lastSuccessAt ?? null),
      });
    }
  }
  return out;
}

function workerStatus(worker: StatusWorker | null, now: number): RelayStatus['components']['worker'] {
  if (worker === null) {
    return { status: 'disabled', inFlight: 0, waiting: 0, concurrency: 0, lastTickAt: null };
  }
  const status = !worker.running ? 'stopped' : now - worker.lastTickAt < STALLED_AFTER_MS ? 'running' : 'stalled';
  const { inFlight, waiting, concurrency } = worker;
  return { status, inFlight, waiting, concurrency, lastTickAt: iso(worker.lastTickAt || null) };
}

function queueOf(stats: OutboxStats | null, now: number): RelayStatus['queue'] {
  if (stats === null) return null;
  const wait = stats.oldestDueAt === null ? 0 : Math.max(now - stats.oldestDueAt, 0) / 1000;
  return {
    pending: stats.due + stats.leased + stats.later,
    due: stats.due,
    leased: stats.leased,
    scheduled: stats.later,
    oldestDueAgeSeconds: wait,
  };
}

/**
 * `GET /v1/status`: the SMS Router's admin status the MessageJS way — the database and Redis
 * (each probed, with its latency), the worker, the caller's connectors with their circuit
 * breakers and last errors, versions, uptime and the outbox. The connectors are the caller's
 * account's (within its projects); the rest is the relay's.
 */
export async function relayStatus(deps: StatusDeps, principal: AdminPrincipal): Promise<RelayStatus> {
  requireStatusReader(principal);
  const now = deps.now();
  const database = await timed(() => deps.store.ping());
  const about: DatabaseAbout | null = database.ok ? await deps.store.about().catch(() => null) : null;
  const stats = database.ok ? await deps.store.outbox.stats(now).catch(() => null) : null;
  const redisStatus = deps.redis?.status() ?? null;
  const redisPing = deps.redis?.ping;
  const redis = redisStatus === null || !redisPing ? null : await timed(redisPing);
  const worker = workerStatus(deps.worker, now);
  const connectors = await connectorsOf(deps, principal);
  const degraded =
    (redis !== null && (!redis.ok || redisStatus !== 'ok')) ||
    worker.status === 'stalled' ||
    worker.status === 'stopped' ||
    connectors.some((c) => c.circuitBreaker === 'open');
  return {
    status: !database.ok ? 'down' : degraded ? 'degraded' : 'ok',
    service: 'MessageJS relay',
    checkedAt: new Date(now).toISOString(),
    uptimeSeconds: Math.max(now - deps.startedAt, 0) / 1000,
    versions: {
      relay: deps.relayVersion,
      node: process.version,
      databaseBackend: about?.backend ?? (deps.store.onWork ? 'postgres' : 'sqlite'),
      database: about?.serverVersion ?? null,
      schema: about?.schemaVersion ?? null,
    },
    components: {
      database: { status: database.ok ? 'ok' : 'down', latencyMs: database.latencyMs },
      ...(redis !== null && {
        redis: { status: redis.ok && redisStatus === 'ok' ? 'ok' : 'degraded', latencyMs: redis.latencyMs },
      }),
      worker,
      connectors,
    },
    queue: queueOf(stats, now),
  };
}
