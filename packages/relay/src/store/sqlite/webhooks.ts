import type Database from 'better-sqlite3';
import type { DeliveryOutcome, WebhooksRepo } from '../types/index.js';
import { dbNowMs, eventIdSql, listeningSql } from '../event-schema.js';
import {
  claimColumns,
  deliveryColumns,
  ENDPOINT_DISABLED,
  endpointColumns,
  endpointPatchColumns,
  endpointValues,
  signingEndpointJoin,
  toAttempt,
  toClaimed,
  toDelivery,
  toEndpoint,
  toEvent,
  type AttemptRow,
  type ClaimRow,
  type DeliveryRow,
  type EndpointRow,
  type EventRow,
} from '../webhook-rows.js';
import { toPage } from './page.js';

/** Statements on endpoints and events. */
function prepareEndpoints(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO webhook_endpoints (${endpointColumns.join(', ')}) VALUES (${endpointColumns.map(() => '?').join(', ')})`,
    ),
    get: db.prepare<[string, string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE project_id = ? AND id = ?'),
    list: db.prepare<[string], EndpointRow>(
      'SELECT * FROM webhook_endpoints WHERE project_id = ? ORDER BY created_at, id',
    ),
    remove: db.prepare('DELETE FROM webhook_endpoints WHERE project_id = ? AND id = ?'),
    failPending: db.prepare(
      `UPDATE webhook_deliveries SET status = 'failed', due_at = NULL, lease_owner = NULL, last_error = '${ENDPOINT_DISABLED}',
         updated_at = ? WHERE endpoint_id = ? AND status = 'pending'`,
    ),
    insertEvent: db.prepare<[string, string, number, string | null, string | null, string], { id: string }>(
      `INSERT INTO events (id, project_id, type, created_at, endpoint_id, message_id, data)
       VALUES (${eventIdSql.sqlite}, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ),
    getEvent: db.prepare<[string, string], EventRow>('SELECT * FROM events WHERE project_id = ? AND id = ?'),
    listening: db
      .prepare<[string], number>(`SELECT ${listeningSql('sqlite', 'p')} FROM (SELECT ? AS project_id) p`)
      .pluck(),
    eventsAfter: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE project_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    lastEventSeq: db.prepare<[string], { seq: number }>(
      'SELECT coalesce(max(seq), 0) AS seq FROM events WHERE project_id = ?',
    ),
    dropExpiredListeners: db.prepare<[string]>(
      `DELETE FROM event_listeners WHERE until <= ${dbNowMs.sqlite} AND project_id <> ?`,
    ),
    listen: db.prepare<[string, number]>(
      `INSERT INTO event_listeners (project_id, until) VALUES (?, ${dbNowMs.sqlite} + ?)
       ON CONFLICT (project_id) DO UPDATE SET until = max(until, excluded.until)`,
    ),
  };
}

/** Statements of the webhook workers. */
function prepareDelivery(db: Database.Database) {
  return {
    claim: db.prepare<[number, string, number, number], { id: number }>(
      `UPDATE webhook_deliveries SET due_at = ?, lease_owner = ?
        WHERE id IN (SELECT id FROM webhook_deliveries WHERE due_at <= ? ORDER BY due_at LIMIT ?) RETURNING id`,
    ),
    claimed: db.prepare<[string], ClaimRow>(
      `SELECT ${claimColumns} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
        ${signingEndpointJoin} WHERE d.id IN (SELECT value FROM json_each(?)) ORDER BY d.id`,
    ),
    attempt: db.prepare<[number, number, number | null, number, string, string | null]>(
      'INSERT INTO webhook_attempts (delivery_id, at, status_code, latency_ms, response, error) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    settle: db.prepare<[string, number | null, number | null, string | null, number, number, string]>(
      `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, due_at = ?, lease_owner = NULL,
         last_status_code = ?, last_error = ?, updated_at = ? WHERE id = ? AND lease_owner = ?`,
    ),
    succeeded: db.prepare<[number, number, string]>(
      `UPDATE webhook_endpoints SET last_success_at = max(coalesce(last_success_at, 0), ?), failing_since = NULL,
         updated_at = ? WHERE id = ?`,
    ),
    failedAt: db.prepare<[number, number, string]>(
      `UPDATE webhook_endpoints SET last_failure_at = max(coalesce(last_failure_at, 0), ?),
         failing_since = coalesce(failing_since, ?) WHERE id = ?`,
    ),
    disable: db.prepare<[string, number, string, string | null, number], { project_id: string }>(
      `UPDATE webhook_endpoints SET active = 0, disabled_reason = ?, updated_at = ?
        WHERE id = ? AND active = 1 AND (? = 'gone' OR failing_since <= ?) RETURNING project_id`,
    ),
    release: db.prepare<[string, string]>(
      `UPDATE webhook_deliveries SET due_at = 0, lease_owner = NULL
        WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'pending'`,
    ),
    pending: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'"),
    nextDue: db.prepare<[], { at: number | null }>('SELECT min(due_at) AS at FROM webhook_deliveries'),
  };
}

/** Statements of the delivery log, replays and stats. */
function prepareLog(db: Database.Database) {
  return {
    page: db.prepare<
      {
        projectId: string;
        endpointId: string;
        status: string | null;
        type: string | null;
        since: number | null;
        until: number | null;
        after: number;
        limit: number;
      },
      DeliveryRow
    >(
      `SELECT ${deliveryColumns} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.endpoint_id = @endpointId AND d.project_id = @projectId AND d.id < @after
          AND (@status IS NULL OR d.status = @status) AND (@type IS NULL OR e.type = @type)
          AND (@since IS NULL OR d.created_at >= @since) AND (@until IS NULL OR d.created_at < @until)
        ORDER BY d.id DESC LIMIT @limit`,
    ),
    one: db.prepare<[string, string, number], DeliveryRow>(
      `SELECT ${deliveryColumns} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.project_id = ? AND d.endpoint_id = ? AND d.id = ?`,
    ),
    attempts: db.prepare<[number], AttemptRow>(
      'SELECT at, status_code, latency_ms, response, error FROM webhook_attempts WHERE delivery_id = ? ORDER BY id',
    ),
    retryOne: db.prepare<[number, number, string, number]>(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, due_at = ?, lease_owner = NULL, updated_at = ?
        WHERE endpoint_id = ? AND event_seq = ?`,
    ),
    addOne: db.prepare<[number, string, string, number, number, number]>(
      `INSERT INTO webhook_deliveries (event_seq, project_id, endpoint_id, due_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    retryFailed: db.prepare<[number, number, string, string, number]>(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, due_at = ?, lease_owner = NULL, updated_at = ?
        WHERE endpoint_id = ? AND project_id = ? AND status = 'failed' AND created_at >= ?`,
    ),
    byType: db.prepare<[string, string, number], { type: string; status: string; n: number }>(
      `SELECT e.type, d.status, count(*) AS n FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.endpoint_id = ? AND d.project_id = ? AND d.created_at >= ? GROUP BY e.type, d.status ORDER BY e.type`,
    ),
    attemptStats: db.prepare<[string, number], { attempts: number; ok: number | null }>(
      `SELECT count(*) AS attempts, sum(a.status_code BETWEEN 200 AND 299) AS ok
        FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id
        WHERE d.endpoint_id = ? AND a.at >= ?`,
    ),
  };
}

type Endpoints = ReturnType<typeof prepareEndpoints>;
type EndpointMethods = Pick<
  WebhooksRepo,
  | 'createEndpoint'
  | 'getEndpoint'
  | 'listEndpoints'
  | 'updateEndpoint'
  | 'deleteEndpoint'
  | 'recordEvent'
  | 'getEvent'
  | 'eventsAfter'
  | 'lastEventSeq'
  | 'listening'
  | 'listen'
>;
type DeliveryMethods = Pick<WebhooksRepo, 'claim' | 'record' | 'release' | 'pending' | 'nextDue'>;
type LogMethods = Pick<
  WebhooksRepo,
  'pageDeliveries' | 'getDelivery' | 'replayEvent' | 'replayFailed' | 'endpointStats'
>;

/** Webhook endpoints, events and deliveries on SQLite. */
export function createWebhooksRepo(db: Database.Database): WebhooksRepo {
  const e = prepareEndpoints(db);
  return { ...endpointMethods(db, e), ...deliveryMethods(db, e), ...logMethods(db, e) };
}

function endpointMethods(db: Database.Database, e: Endpoints): EndpointMethods {
  const update = db.transaction(
    (projectId: string, id: string, patch: Parameters<WebhooksRepo['updateEndpoint']>[2], at: number) => {
      const pairs = endpointPatchColumns(patch);
      const sets = [...pairs.map(([c]) => `${c} = ?`), 'updated_at = ?'].join(', ');
      const changed = db
        .prepare(`UPDATE webhook_endpoints SET ${sets} WHERE project_id = ? AND id = ?`)
        .run(...pairs.map(([, v]) => v), at, projectId, id).changes;
      if (changed === 0) return null;
      if (patch.active === false) e.failPending.run(at, id);
      return toEndpoint(e.get.get(projectId, id)!);
    },
  );
  const listen = db.transaction((projectId: string, forMs: number) => {
    e.dropExpiredListeners.run(projectId);
    e.listen.run(projectId, forMs);
  });
  return {
    async createEndpoint(record) {
      e.insert.run(...endpointValues(record));
    },
    async getEndpoint(projectId, id) {
      const row = e.get.get(projectId, id);
      return row ? toEndpoint(row) : null;
    },
    async listEndpoints(projectId) {
      return e.list.all(projectId).map(toEndpoint);
    },
    async updateEndpoint(projectId, id, patch, at) {
      return update(projectId, id, patch, at);
    },
    async deleteEndpoint(projectId, id) {
      return e.remove.run(projectId, id).changes > 0;
    },
    async recordEvent(event) {
      const row = e.insertEvent.get(
        event.projectId,
        event.type,
        event.at,
        event.endpointId ?? null,
        event.messageId ?? null,
        event.data,
      );
      return row!.id;
    },
    async listening(projectId) {
      return e.listening.get(projectId) === 1;
    },
    async getEvent(projectId, id) {
      const row = e.getEvent.get(projectId, id);
      return row ? toEvent(row) : null;
    },
    async eventsAfter(projectId, seq, limit) {
      return e.eventsAfter.all(projectId, seq, limit).map(toEvent);
    },
    async lastEventSeq(projectId) {
      return e.lastEventSeq.get(projectId)!.seq;
    },
    async listen(projectId, forMs) {
      listen(projectId, forMs);
    },
  };
}

function deliveryMethods(db: Database.Database, e: Endpoints): DeliveryMethods {
  const d = prepareDelivery(db);
  const claim = db.transaction((now: number, limit: number, leaseMs: number, owner: string) => {
    const ids = d.claim.all(now + leaseMs, owner, now, limit).map((r) => r.id);
    return ids.length === 0 ? [] : d.claimed.all(JSON.stringify(ids));
  });
  const record = db.transaction((outcomes: DeliveryOutcome[], at: number, disableFailingBefore: number) => {
    const touched = new Map<string, 'ok' | 'failed' | 'gone'>();
    for (const o of outcomes) {
      const { delivery, attempt } = o;
      d.attempt.run(delivery.id, attempt.at, attempt.statusCode, attempt.latencyMs, attempt.response, attempt.error);
      d.settle.run(o.status, o.dueAt, attempt.statusCode, attempt.error, at, delivery.id, delivery.owner);
      const endpointId = delivery.endpoint?.id;
      if (endpointId === undefined) continue;
      if (o.status === 'delivered') {
        d.succeeded.run(attempt.at, at, endpointId);
        if (touched.get(endpointId) !== 'gone') touched.set(endpointId, 'ok');
      } else {
        d.failedAt.run(attempt.at, attempt.at, endpointId);
        if (o.gone) touched.set(endpointId, 'gone');
        else if (!touched.has(endpointId)) touched.set(endpointId, 'failed');
      }
    }
    const disabled: Array<{ projectId: string; endpointId: string; reason: 'gone' | 'failing' }> = [];
    for (const [endpointId, state] of touched) {
      if (state === 'ok') continue;
      const reason = state === 'gone' ? 'gone' : 'failing';
      const row = d.disable.get(reason, at, endpointId, reason, disableFailingBefore);
      if (!row) continue;
      e.failPending.run(at, endpointId);
      disabled.push({ projectId: row.project_id, endpointId, reason });
    }
    return disabled;
  });
  return {
    async claim(now, limit, leaseMs, owner) {
      return claim(now, limit, leaseMs, owner).map((r) => toClaimed(r, owner));
    },
    async record(outcomes, at, disableFailingBefore) {
      return outcomes.length === 0 ? [] : record(outcomes, at, disableFailingBefore);
    },
    async release(deliveries) {
      const byOwner = new Map<string, number[]>();
      for (const x of deliveries) byOwner.set(x.owner, [...(byOwner.get(x.owner) ?? []), x.id]);
      for (const [owner, ids] of byOwner) d.release.run(JSON.stringify(ids), owner);
    },
    async pending() {
      return d.pending.get()!.n;
    },
    async nextDue() {
      return d.nextDue.get()!.at;
    },
  };
}

function logMethods(db: Database.Database, e: Endpoints): LogMethods {
  const log = prepareLog(db);
  const replayEvent = db.transaction((projectId: string, endpointId: string, eventId: string, at: number) => {
    const event = e.getEvent.get(projectId, eventId);
    if (!event || !e.get.get(projectId, endpointId)) return false;
    if (log.retryOne.run(at, at, endpointId, event.seq).changes === 0) {
      log.addOne.run(event.seq, projectId, endpointId, at, at, at);
    }
    return true;
  });
  return {
    async pageDeliveries(projectId, endpointId, filter, page) {
      const rows = log.page.all({
        projectId,
        endpointId,
        status: filter.status ?? null,
        type: filter.eventType ?? null,
        since: filter.since ?? null,
        until: filter.until ?? null,
        after: page.after ? Number(page.after.key) : Number.MAX_SAFE_INTEGER,
        limit: page.limit + 1,
      });
      return toPage(rows, page, toDelivery, (r) => ({ key: r.id, id: '' }));
    },
    async getDelivery(projectId, endpointId, id) {
      const row = log.one.get(projectId, endpointId, id);
      if (!row) return null;
      return { delivery: toDelivery(row), attempts: log.attempts.all(id).map(toAttempt) };
    },
    async replayEvent(projectId, endpointId, eventId, at) {
      return replayEvent(projectId, endpointId, eventId, at);
    },
    async replayFailed(projectId, endpointId, since, at) {
      return log.retryFailed.run(at, at, endpointId, projectId, since).changes;
    },
    async endpointStats(projectId, endpointId, since) {
      const deliveries = { pending: 0, delivered: 0, failed: 0 };
      const byType = new Map<string, { type: string; pending: number; delivered: number; failed: number }>();
      for (const r of log.byType.all(endpointId, projectId, since)) {
        const status = r.status as keyof typeof deliveries;
        deliveries[status] += r.n;
        const entry = byType.get(r.type) ?? { type: r.type, pending: 0, delivered: 0, failed: 0 };
        entry[status] += r.n;
        byType.set(r.type, entry);
      }
      const a = log.attemptStats.get(endpointId, since)!;
      return { deliveries, attempts: a.attempts, successfulAttempts: a.ok ?? 0, byType: [...byType.values()] };
    },
  };
}
