import type {
  AreaCounts,
  VerifyCheckInput,
  VerifyRefusal,
  VerifyRepo,
  VerifySendCounts,
  VerifySendInput,
  VerifySession,
  VerifySettings,
} from '../types/index.js';
import { toVerifySession, type VerifySessionRow } from '../verify-rows.js';
import { verifyHistoryStatement } from '../verify-history.js';
import { toPage } from '../sqlite/page.js';
import { advisoryLock } from './advisory-lock.js';
import { readIdempotency, writeIdempotency, writeMessage } from './messages.js';
import { hasNul, refusingNul } from './nul-text.js';
import type { PgDb, Queryable } from './queryable.js';

/** Sessions: read, started (retiring an expired one) and resent. */
const sessionSql = {
  byId: 'SELECT * FROM verify_sessions WHERE id = $1',
  pending: `SELECT * FROM verify_sessions
    WHERE project_id = $1 AND key_id = $2 AND client = $3 AND channel = $4 AND recipient = $5 AND status = 'pending'
      AND expires_at > $6
    ORDER BY created_at DESC LIMIT 1`,
  retireExpired: `UPDATE verify_sessions SET status = 'expired', updated_at = $6
    WHERE project_id = $1 AND key_id = $2 AND channel = $3 AND recipient = $4 AND client = $5
      AND status = 'pending' AND expires_at <= $6`,
  // The partial unique index `verify_sessions_pending`: another start for this recipient may have won.
  insert: `INSERT INTO verify_sessions (id, project_id, key_id, client, channel, recipient, code_hmac, code_length,
      alphabet, status, attempts, max_attempts, sends, last_sent_at, expires_at, verified_at, created_at, updated_at,
      country, message_ids)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
    ON CONFLICT (project_id, key_id, channel, recipient, client) WHERE status = 'pending' DO NOTHING`,
  resend: `UPDATE verify_sessions SET code_hmac = $2, code_length = $3, alphabet = $4, sends = $5, last_sent_at = $6,
      expires_at = $7, updated_at = $8, message_ids = $10
    WHERE id = $1 AND status = 'pending' AND last_sent_at = $9 AND expires_at > $6`,
};

/** One area's counts (a country or a number range) over the last day and the last hour. */
interface AreaRow {
  day: number;
  oldest_day: number | null;
  hour: number;
  verified: number;
  oldest_hour: number | null;
}

/** The send log: what the volume caps and the success-rate guard count, and its upkeep. */
const sendLogSql = {
  recipient: `SELECT count(*) AS n, min(sent_at) AS oldest, count(*) FILTER (WHERE client = $3) AS by_client,
      min(sent_at) FILTER (WHERE client = $3) AS oldest_by_client
    FROM verify_sends WHERE project_id = $1 AND recipient = $2 AND sent_at > $4`,
  key: 'SELECT count(*) AS n, min(sent_at) AS oldest FROM verify_sends WHERE key_id = $1 AND sent_at > $2',
  area: (column: 'country' | 'prefix') =>
    `SELECT count(*) AS day, min(sent_at) AS oldest_day, count(*) FILTER (WHERE sent_at > $3) AS hour,
        count(*) FILTER (WHERE sent_at > $3 AND verified <> 0) AS verified,
        min(sent_at) FILTER (WHERE sent_at > $3) AS oldest_hour
      FROM verify_sends WHERE project_id = $1 AND ${column} = $2 AND sent_at > $4`,
  insert: `INSERT INTO verify_sends (session_id, project_id, key_id, client, recipient, country, prefix, message_id, sent_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  // Rows older than the longest window (a day) are dead weight: each send drops a few from the head
  // of the log (ids grow with time). Rows another send is dropping are skipped, not waited for.
  purge: `DELETE FROM verify_sends
    WHERE id IN (SELECT id FROM verify_sends ORDER BY id LIMIT 8 FOR UPDATE SKIP LOCKED) AND sent_at <= $1`,
  markVerified: 'UPDATE verify_sends SET verified = 1 WHERE session_id = $1',
};

/**
 * A check: the right code approves the session, a wrong one spends an attempt. Each is one guarded
 * UPDATE: it locks the row, and a concurrent check on it waits, then re-evaluates the guard on the
 * row as that check left it (READ COMMITTED), so two checks never both approve nor pass `max_attempts`.
 */
const checkSql = {
  approve: `UPDATE verify_sessions SET status = 'approved', verified_at = $3, updated_at = $3
    WHERE id = $1 AND status = 'pending' AND code_hmac = $2 AND expires_at > $3 AND attempts < max_attempts
    RETURNING *`,
  wrongCode: `UPDATE verify_sessions SET attempts = attempts + 1, updated_at = $2,
      status = CASE WHEN attempts + 1 >= max_attempts THEN 'canceled' ELSE status END
    WHERE id = $1 AND status = 'pending' AND expires_at > $2 AND attempts < max_attempts
    RETURNING *`,
};

type Refusal = { reason: 'refused'; refusal: VerifyRefusal } | { reason: 'conflict' } | { reason: 'idempotent' };

/** Thrown inside `undoUnlessDone` to undo the step's writes with a reason. */
class Refused extends Error {
  constructor(readonly result: Refusal) {
    super(result.reason);
  }
}

/**
 * Runs `work` so that a `Refused` undoes its writes and only them: a savepoint, since the step may
 * run inside a unit of work (`store.transaction`) whose other writes must stay, as SQLite's nested
 * `db.transaction` does.
 */
async function undoUnlessDone<T>(q: Queryable, work: () => Promise<T>): Promise<{ value: T } | Refusal> {
  await q.query('SAVEPOINT verify_step');
  try {
    const value = await work();
    await q.query('RELEASE SAVEPOINT verify_step');
    return { value };
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    await q.query('ROLLBACK TO SAVEPOINT verify_step');
    await q.query('RELEASE SAVEPOINT verify_step');
    return error.result;
  }
}

/** Stores the idempotency record, if any; a taken key undoes the step as `idempotent`. */
async function storeIdempotency(q: Queryable, input: { idempotency?: VerifySendInput['idempotency'] }) {
  if (input.idempotency && !(await writeIdempotency(q, input.idempotency))) throw new Refused({ reason: 'idempotent' });
}

/** One area's counts, or null when the send has no such area (email). */
async function areaCounts(
  q: Queryable,
  column: 'country' | 'prefix',
  projectId: string,
  value: string | null,
  since: VerifySendInput['since'],
): Promise<AreaCounts | null> {
  if (value === null) return null;
  const { rows } = await q.query<AreaRow>(sendLogSql.area(column), [projectId, value, since.hour, since.day]);
  const r = rows[0]!;
  return {
    day: { count: r.day, oldestAt: r.oldest_day },
    hour: { count: r.hour, oldestAt: r.oldest_hour, verified: r.verified },
  };
}

/** The counts `admit` decides a send on: the recipient's, the key's, and the area's. */
async function sendCounts(q: Queryable, input: VerifySendInput): Promise<VerifySendCounts> {
  const s = input.session;
  const { since, scope } = input;
  const { rows: recipient } = await q.query<{
    n: number;
    oldest: number | null;
    by_client: number;
    oldest_by_client: number | null;
  }>(sendLogSql.recipient, [s.projectId, s.to, s.client, since.recipient]);
  const { rows: key } = await q.query<{ n: number; oldest: number | null }>(sendLogSql.key, [s.keyId, since.hour]);
  const r = recipient[0]!;
  return {
    recipient: {
      all: { count: r.n, oldestAt: r.oldest },
      client: { count: r.by_client, oldestAt: r.oldest_by_client },
    },
    key: { count: key[0]!.n, oldestAt: key[0]!.oldest },
    country: await areaCounts(q, 'country', s.projectId, scope.country, since),
    prefix: await areaCounts(q, 'prefix', s.projectId, scope.prefix, since),
  };
}

/** The session: resent (only if no other send came in between), or started, retiring an expired one. */
async function writeSession(q: Queryable, input: VerifySendInput): Promise<void> {
  const s = input.session;
  if (input.resendOf) {
    const { rowCount } = await q.query(sessionSql.resend, [
      s.id,
      s.codeHmac,
      s.codeLength,
      s.alphabet,
      s.sends,
      s.lastSentAt,
      s.expiresAt,
      s.updatedAt,
      input.resendOf.lastSentAt,
      JSON.stringify(s.messageIds),
    ]);
    if (rowCount === 0) throw new Refused({ reason: 'conflict' });
    return;
  }
  await q.query(sessionSql.retireExpired, [s.projectId, s.keyId, s.channel, s.to, s.client, s.createdAt]);
  const { rowCount } = await q.query(sessionSql.insert, [
    s.id,
    s.projectId,
    s.keyId,
    s.client,
    s.channel,
    s.to,
    s.codeHmac,
    s.codeLength,
    s.alphabet,
    s.status,
    s.attempts,
    s.maxAttempts,
    s.sends,
    s.lastSentAt,
    s.expiresAt,
    s.verifiedAt,
    s.createdAt,
    s.updatedAt,
    s.country,
    JSON.stringify(s.messageIds),
  ]);
  if (rowCount === 0) throw new Refused({ reason: 'conflict' });
}

/**
 * `verify.send`'s step: admitted, the session, its message and its send record, or nothing. It
 * runs under the project's lock (`send` takes it before any write, so a send never holds a row
 * another send waits on while it waits for the lock): the project's sends go one at a time, as
 * under SQLite's single writer, and the counts `admit` judges cannot change under it from another
 * relay before this send is in the log.
 */
async function sendStep(q: Queryable, input: VerifySendInput): Promise<void> {
  await storeIdempotency(q, input);
  const refusal = input.admit(await sendCounts(q, input));
  if (refusal) throw new Refused({ reason: 'refused', refusal });
  await writeSession(q, input);
  const s = input.session;
  await writeMessage(q, input.message, input.dueAt);
  await q.query(sendLogSql.purge, [input.since.day]);
  await q.query(sendLogSql.insert, [
    s.id,
    s.projectId,
    s.keyId,
    s.client,
    s.to,
    input.scope.country,
    input.scope.prefix,
    input.message.id,
    s.lastSentAt,
  ]);
}

/** `verify.check`'s step: the outcome recorded, and the session as it now stands. */
async function checkStep(q: Queryable, input: VerifyCheckInput): Promise<VerifySession> {
  await storeIdempotency(q, input);
  const codeHmac = input.outcome.matched ? input.outcome.codeHmac : null;
  // No stored session has a NUL in its id or code: the UPDATE would match nothing.
  if (hasNul(input.sessionId, codeHmac)) throw new Refused({ reason: 'conflict' });
  const { rows } = input.outcome.matched
    ? await q.query<VerifySessionRow>(checkSql.approve, [input.sessionId, input.outcome.codeHmac, input.at])
    : await q.query<VerifySessionRow>(checkSql.wrongCode, [input.sessionId, input.at]);
  if (rows.length === 0) throw new Refused({ reason: 'conflict' });
  if (input.outcome.matched) await q.query(sendLogSql.markVerified, [input.sessionId]);
  return toVerifySession(rows[0]!);
}

/** Verification sessions and settings on PostgreSQL; the behaviour of ../sqlite/verify.ts. */
export function createVerifyRepo(pg: PgDb): VerifyRepo {
  const db = refusingNul(pg);
  // Taken inside the step, so stored (a taken key waits for its holder to commit).
  const existing = async (input: { idempotency?: VerifySendInput['idempotency'] }) =>
    (await readIdempotency(db, input.idempotency!.keyId, input.idempotency!.idempotencyKey))!;
  return {
    async getSettings(projectId) {
      if (hasNul(projectId)) return {};
      const { rows } = await db.query<{ verify_settings: string }>(
        'SELECT verify_settings FROM projects WHERE id = $1',
        [projectId],
      );
      return rows[0] ? (JSON.parse(rows[0].verify_settings) as Partial<VerifySettings>) : {};
    },
    async saveSettings(projectId, settings) {
      if (hasNul(projectId)) return;
      await db.query('UPDATE projects SET verify_settings = $1 WHERE id = $2', [JSON.stringify(settings), projectId]);
    },
    async get(id) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<VerifySessionRow>(sessionSql.byId, [id]);
      return rows[0] ? toVerifySession(rows[0]) : null;
    },
    async findPending({ projectId, keyId, client, channel, to, now }) {
      if (hasNul(projectId, keyId, client, channel, to)) return null;
      const { rows } = await db.query<VerifySessionRow>(sessionSql.pending, [
        projectId,
        keyId,
        client,
        channel,
        to,
        now,
      ]);
      return rows[0] ? toVerifySession(rows[0]) : null;
    },
    async send(input) {
      const result = await db.tx(async (q) => {
        await advisoryLock(q, 'verifySend', input.session.projectId);
        return undoUnlessDone(q, () => sendStep(q, input));
      });
      if ('value' in result) return { ok: true };
      if (result.reason === 'idempotent') return { ok: false, reason: 'idempotent', existing: await existing(input) };
      return { ok: false, ...result };
    },
    async check(input) {
      const result = await db.tx((q) => undoUnlessDone(q, () => checkStep(q, input)));
      if ('value' in result) return { ok: true, session: result.value };
      if (result.reason === 'idempotent') return { ok: false, reason: 'idempotent', existing: await existing(input) };
      return { ok: false, reason: 'conflict' };
    },
    async page(projectId, filter, page) {
      // Stored text holds no U+0000: a filter holding one matches nothing (the API refuses it first).
      const { country, to } = filter;
      const query = hasNul(projectId, page.after?.id, country, to && Object.values(to))
        ? null
        : verifyHistoryStatement(projectId, filter, page, 'postgres');
      if (!query) return { items: [], next: null };
      const { rows } = await db.query<VerifySessionRow>(query.text, query.values);
      return toPage(rows, page, toVerifySession, (r) => ({ key: r.created_at, id: r.id }));
    },
  };
}
