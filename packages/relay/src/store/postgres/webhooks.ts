import type { DeliveryOutcome, EndpointDisabledReason, WebhooksRepo } from '../types/index.js';
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
import { toPage } from '../sqlite/page.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb, Queryable } from './queryable.js';
import { unnestInput, unnestValues, type UnnestColumn } from './unnest.js';

const failPending = `UPDATE webhook_deliveries SET status = 'failed', due_at = NULL, lease_owner = NULL,
  last_error = '${ENDPOINT_DISABLED}', updated_at = $1 WHERE endpoint_id = $2 AND status = 'pending'`;

const sql = {
  insert: `INSERT INTO webhook_endpoints (${endpointColumns.join(', ')})
    VALUES (${endpointColumns.map((_, i) => `$${i + 1}`).join(', ')})`,
  get: 'SELECT * FROM webhook_endpoints WHERE project_id = $1 AND id = $2',
  list: 'SELECT * FROM webhook_endpoints WHERE project_id = $1 ORDER BY created_at, id',
  remove: 'DELETE FROM webhook_endpoints WHERE project_id = $1 AND id = $2',
  insertEvent: `INSERT INTO events (id, project_id, type, created_at, endpoint_id, message_id, data)
    VALUES (${eventIdSql.postgres}, $1, $2, $3, $4, $5, $6) RETURNING id`,
  getEvent: 'SELECT * FROM events WHERE project_id = $1 AND id = $2',
  eventsAfter: 'SELECT * FROM events WHERE project_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
  lastEventSeq: 'SELECT coalesce(max(seq), 0) AS seq FROM events WHERE project_id = $1',
  // The other projects' expired rows only: one statement may not both delete and upsert a row.
  listen: `WITH gone AS (DELETE FROM event_listeners WHERE until <= ${dbNowMs.postgres} AND project_id <> $1)
    INSERT INTO event_listeners (project_id, until) VALUES ($1, ${dbNowMs.postgres} + $2)
    ON CONFLICT (project_id) DO UPDATE SET until = GREATEST(event_listeners.until, excluded.until)`,
  // Due rows in due order, skipping those another worker is claiming: one statement leases the
  // batch and reads each delivery with its event and endpoint.
  claim: `WITH c AS (
      SELECT id FROM webhook_deliveries WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), d AS (
      UPDATE webhook_deliveries d SET due_at = $3, lease_owner = $4 FROM c WHERE d.id = c.id RETURNING d.*
    )
    SELECT ${claimColumns} FROM d JOIN events e ON e.seq = d.event_seq
      ${signingEndpointJoin} ORDER BY d.id`,
  release: `UPDATE webhook_deliveries SET due_at = 0, lease_owner = NULL
    WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'pending'`,
  pending: "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'",
  nextDue: 'SELECT min(due_at) AS at FROM webhook_deliveries',
  page: `SELECT ${deliveryColumns} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
    WHERE d.endpoint_id = $1 AND d.project_id = $2 AND d.id < $3
      AND ($4::text IS NULL OR d.status = $4) AND ($5::text IS NULL OR e.type = $5)
      AND ($6::bigint IS NULL OR d.created_at >= $6) AND ($7::bigint IS NULL OR d.created_at < $7)
    ORDER BY d.id DESC LIMIT $8`,
  one: `SELECT ${deliveryColumns} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
    WHERE d.project_id = $1 AND d.endpoint_id = $2 AND d.id = $3`,
  attempts:
    'SELECT at, status_code, latency_ms, response, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id',
  retryOne: `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, due_at = $1, lease_owner = NULL, updated_at = $1
    WHERE endpoint_id = $2 AND event_seq = $3`,
  addOne: `INSERT INTO webhook_deliveries (event_seq, project_id, endpoint_id, due_at, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $4, $4)`,
  retryFailed: `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, due_at = $1, lease_owner = NULL, updated_at = $1
    WHERE endpoint_id = $2 AND project_id = $3 AND status = 'failed' AND created_at >= $4`,
  byType: `SELECT e.type, d.status, count(*)::int AS n FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
    WHERE d.endpoint_id = $1 AND d.project_id = $2 AND d.created_at >= $3 GROUP BY e.type, d.status ORDER BY e.type`,
  attemptStats: `SELECT count(*)::int AS attempts, count(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299)::int AS ok
    FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id WHERE d.endpoint_id = $1 AND a.at >= $2`,
};

const attemptColumns: ReadonlyArray<UnnestColumn<DeliveryOutcome>> = [
  ['delivery_id', 'bigint', (o) => o.delivery.id],
  ['owner', 'text', (o) => o.delivery.owner],
  ['at', 'bigint', (o) => o.attempt.at],
  ['status_code', 'bigint', (o) => o.attempt.statusCode],
  ['latency_ms', 'bigint', (o) => o.attempt.latencyMs],
  ['response', 'text', (o) => o.attempt.response],
  ['error', 'text', (o) => o.attempt.error],
  ['status', 'text', (o) => o.status],
  ['due_at', 'bigint', (o) => o.dueAt],
];

/** A batch's attempts logged and its deliveries settled (only those this worker still holds). */
const recordSql = `WITH i AS (${unnestInput(attemptColumns)}),
  a AS (INSERT INTO webhook_attempts (delivery_id, at, status_code, latency_ms, response, error)
    SELECT delivery_id, at, status_code, latency_ms, response, error FROM i)
  UPDATE webhook_deliveries d SET status = i.status, attempts = d.attempts + 1, due_at = i.due_at, lease_owner = NULL,
    last_status_code = i.status_code, last_error = i.error, updated_at = $${attemptColumns.length + 1}
  FROM i WHERE d.id = i.delivery_id AND d.lease_owner = i.owner`;

/** Each endpoint's latest success and failure in a batch, and whether it answered 410. */
function endpointOutcomes(outcomes: DeliveryOutcome[]) {
  const byEndpoint = new Map<string, { ok: number | null; failed: number | null; gone: boolean }>();
  for (const o of outcomes) {
    const id = o.delivery.endpoint?.id;
    if (id === undefined) continue;
    const entry = byEndpoint.get(id) ?? { ok: null, failed: null, gone: false };
    if (o.status === 'delivered') entry.ok = Math.max(entry.ok ?? 0, o.attempt.at);
    else entry.failed = Math.max(entry.failed ?? 0, o.attempt.at);
    entry.gone ||= o.gone === true;
    byEndpoint.set(id, entry);
  }
  return [...byEndpoint].sort(([a], [b]) => (a < b ? -1 : 1));
}

async function settleEndpoints(q: Queryable, outcomes: DeliveryOutcome[], at: number, failingBefore: number) {
  const disabled: Array<{ projectId: string; endpointId: string; reason: EndpointDisabledReason }> = [];
  // In id order: two workers' batches lock shared endpoints in the same order.
  for (const [id, o] of endpointOutcomes(outcomes)) {
    if (o.ok !== null) {
      await q.query(
        `UPDATE webhook_endpoints SET last_success_at = greatest(coalesce(last_success_at, 0), $1), updated_at = $2,
           failing_since = CASE WHEN $3::bigint IS NULL OR $3 < $1 THEN NULL ELSE failing_since END WHERE id = $4`,
        [o.ok, at, o.failed, id],
        'webhook-endpoint-ok',
      );
    }
    if (o.failed === null || (o.ok !== null && o.ok > o.failed && !o.gone)) continue;
    await q.query(
      `UPDATE webhook_endpoints SET last_failure_at = greatest(coalesce(last_failure_at, 0), $1),
         failing_since = coalesce(failing_since, $1) WHERE id = $2`,
      [o.failed, id],
      'webhook-endpoint-failed',
    );
    const reason: EndpointDisabledReason = o.gone ? 'gone' : 'failing';
    const { rows } = await q.query<{ project_id: string }>(
      `UPDATE webhook_endpoints SET active = 0, disabled_reason = $1, updated_at = $2
        WHERE id = $3 AND active = 1 AND ($1 = 'gone' OR failing_since <= $4) RETURNING project_id`,
      [reason, at, id, failingBefore],
      'webhook-endpoint-disable',
    );
    if (!rows[0]) continue;
    await q.query(failPending, [at, id]);
    disabled.push({ projectId: rows[0].project_id, endpointId: id, reason });
  }
  return disabled;
}

/** Webhook endpoints, events and deliveries on PostgreSQL; the behaviour of ../sqlite/webhooks.ts. */
export function createWebhooksRepo(pg: PgDb): WebhooksRepo {
  const db = refusingNul(pg);
  return {
    ...endpointMethods(db),
    ...deliveryMethods(db),
    ...logMethods(db),
    async listening(projectId) {
      if (hasNul(projectId)) return false;
      const { rows } = await db.query<{ listening: boolean }>(
        `SELECT ${listeningSql('postgres', 'p')} AS listening FROM (SELECT $1::text AS project_id) p`,
        [projectId],
      );
      return rows[0]!.listening;
    },
  };
}

function endpointMethods(
  db: PgDb,
): Pick<
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
  | 'listen'
> {
  return {
    async createEndpoint(record) {
      await db.query(sql.insert, endpointValues(record));
    },
    async getEndpoint(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<EndpointRow>(sql.get, [projectId, id]);
      return rows[0] ? toEndpoint(rows[0]) : null;
    },
    async listEndpoints(projectId) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<EndpointRow>(sql.list, [projectId]);
      return rows.map(toEndpoint);
    },
    async updateEndpoint(projectId, id, patch, at) {
      if (hasNul(projectId, id)) return null;
      const pairs = endpointPatchColumns(patch);
      const sets = [...pairs.map(([c], i) => `${c} = $${i + 1}`), `updated_at = $${pairs.length + 1}`].join(', ');
      return db.tx(async (q) => {
        const { rows } = await q.query<EndpointRow>(
          `UPDATE webhook_endpoints SET ${sets} WHERE project_id = $${pairs.length + 2} AND id = $${pairs.length + 3}
            RETURNING *`,
          [...pairs.map(([, v]) => v), at, projectId, id],
        );
        if (!rows[0]) return null;
        if (patch.active === false) await q.query(failPending, [at, id]);
        return toEndpoint(rows[0]);
      });
    },
    async deleteEndpoint(projectId, id) {
      if (hasNul(projectId, id)) return false;
      const { rowCount } = await db.query(sql.remove, [projectId, id]);
      return (rowCount ?? 0) > 0;
    },
    async recordEvent(event) {
      const { rows } = await db.query<{ id: string }>(sql.insertEvent, [
        event.projectId,
        event.type,
        event.at,
        event.endpointId ?? null,
        event.messageId ?? null,
        event.data,
      ]);
      return rows[0]!.id;
    },
    async getEvent(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<EventRow>(sql.getEvent, [projectId, id]);
      return rows[0] ? toEvent(rows[0]) : null;
    },
    async eventsAfter(projectId, seq, limit) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<EventRow>(sql.eventsAfter, [projectId, seq, limit], 'events-after');
      return rows.map(toEvent);
    },
    async lastEventSeq(projectId) {
      if (hasNul(projectId)) return 0;
      const { rows } = await db.query<{ seq: number }>(sql.lastEventSeq, [projectId]);
      return rows[0]!.seq;
    },
    async listen(projectId, forMs) {
      await db.query(sql.listen, [projectId, forMs], 'event-listen');
    },
  };
}

function deliveryMethods(db: PgDb): Pick<WebhooksRepo, 'claim' | 'record' | 'release' | 'pending' | 'nextDue'> {
  return {
    async claim(now, limit, leaseMs, owner) {
      const { rows } = await db.query<ClaimRow>(sql.claim, [now, limit, now + leaseMs, owner], 'webhook-claim');
      return rows.map((r) => toClaimed(r, owner));
    },
    async record(outcomes, at, disableFailingBefore) {
      if (outcomes.length === 0) return [];
      return db.tx(async (q) => {
        await q.query(recordSql, [...unnestValues(attemptColumns, outcomes), at], 'webhook-record');
        return settleEndpoints(q, outcomes, at, disableFailingBefore);
      });
    },
    async release(deliveries) {
      const byOwner = new Map<string, number[]>();
      for (const x of deliveries) byOwner.set(x.owner, [...(byOwner.get(x.owner) ?? []), x.id]);
      for (const [owner, ids] of byOwner) await db.query(sql.release, [ids, owner]);
    },
    async pending() {
      return (await db.query<{ n: number }>(sql.pending)).rows[0]!.n;
    },
    async nextDue() {
      const { rows } = await db.query<{ at: number | null }>(sql.nextDue);
      return rows[0]!.at;
    },
  };
}

function logMethods(
  db: PgDb,
): Pick<WebhooksRepo, 'pageDeliveries' | 'getDelivery' | 'replayEvent' | 'replayFailed' | 'endpointStats'> {
  return {
    async pageDeliveries(projectId, endpointId, filter, page) {
      if (hasNul(projectId, endpointId, filter.eventType ?? '')) return { items: [], next: null };
      const after = page.after ? Math.min(Math.ceil(Number(page.after.key)), Number.MAX_SAFE_INTEGER) : null;
      const { rows } = await db.query<DeliveryRow>(sql.page, [
        endpointId,
        projectId,
        after === null || Number.isNaN(after) ? Number.MAX_SAFE_INTEGER : after,
        filter.status ?? null,
        filter.eventType ?? null,
        filter.since ?? null,
        filter.until ?? null,
        page.limit + 1,
      ]);
      return toPage(rows, page, toDelivery, (r) => ({ key: r.id, id: '' }));
    },
    async getDelivery(projectId, endpointId, id) {
      if (hasNul(projectId, endpointId)) return null;
      const { rows } = await db.query<DeliveryRow>(sql.one, [projectId, endpointId, id]);
      if (!rows[0]) return null;
      const attempts = await db.query<AttemptRow>(sql.attempts, [id]);
      return { delivery: toDelivery(rows[0]), attempts: attempts.rows.map(toAttempt) };
    },
    async replayEvent(projectId, endpointId, eventId, at) {
      if (hasNul(projectId, endpointId, eventId)) return false;
      return db.tx(async (q) => {
        const event = (await q.query<EventRow>(sql.getEvent, [projectId, eventId])).rows[0];
        const endpoint = (await q.query(sql.get, [projectId, endpointId])).rows[0];
        if (!event || !endpoint) return false;
        const { rowCount } = await q.query(sql.retryOne, [at, endpointId, event.seq]);
        if ((rowCount ?? 0) === 0) await q.query(sql.addOne, [event.seq, projectId, endpointId, at]);
        return true;
      });
    },
    async replayFailed(projectId, endpointId, since, at) {
      if (hasNul(projectId, endpointId)) return 0;
      const { rowCount } = await db.query(sql.retryFailed, [at, endpointId, projectId, since]);
      return rowCount ?? 0;
    },
    async endpointStats(projectId, endpointId, since) {
      const deliveries = { pending: 0, delivered: 0, failed: 0 };
      if (hasNul(projectId, endpointId)) return { deliveries, attempts: 0, successfulAttempts: 0, byType: [] };
      const byType = new Map<string, { type: string; pending: number; delivered: number; failed: number }>();
      const { rows } = await db.query<{ type: string; status: keyof typeof deliveries; n: number }>(sql.byType, [
        endpointId,
        projectId,
        since,
      ]);
      for (const r of rows) {
        deliveries[r.status] += r.n;
        const entry = byType.get(r.type) ?? { type: r.type, pending: 0, delivered: 0, failed: 0 };
        entry[r.status] += r.n;
        byType.set(r.type, entry);
      }
      const a = (await db.query<{ attempts: number; ok: number }>(sql.attemptStats, [endpointId, since])).rows[0]!;
      return { deliveries, attempts: a.attempts, successfulAttempts: a.ok, byType: [...byType.values()] };
    },
  };
}
