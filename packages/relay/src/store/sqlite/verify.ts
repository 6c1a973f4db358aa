import type Database from 'better-sqlite3';
import type {
  AreaCounts,
  IdempotencyRecord,
  VerifyRefusal,
  VerifyRepo,
  VerifySendCounts,
  VerifySettings,
} from '../types/index.js';
import { toVerifySession, type VerifySessionRow } from '../verify-rows.js';
import { verifyHistoryStatement } from '../verify-history.js';
import { createMessageWriter } from './messages.js';
import { toPage } from './page.js';

/** Thrown inside a transaction to roll it back with a reason. */
class Refused extends Error {
  constructor(
    readonly result: { reason: 'refused'; refusal: VerifyRefusal } | { reason: 'conflict' } | { reason: 'idempotent' },
  ) {
    super(result.reason);
  }
}

/** The verification statements, prepared once. */
function prepareVerify(db: Database.Database) {
  return {
    ...prepareSettings(db),
    ...prepareSessions(db),
    ...prepareSendLog(db),
    writer: createMessageWriter(db),
    ...prepareChecks(db),
  };
}

/** A project's verify settings, kept as JSON on the project row. */
function prepareSettings(db: Database.Database) {
  const getSettings = db.prepare<[string], { verify_settings: string }>(
    'SELECT verify_settings FROM projects WHERE id = ?',
  );
  const saveSettings = db.prepare('UPDATE projects SET verify_settings = ? WHERE id = ?');
  return { getSettings, saveSettings };
}

/** Sessions: read, started (retiring an expired one) and resent. */
function prepareSessions(db: Database.Database) {
  const byId = db.prepare<[string], VerifySessionRow>('SELECT * FROM verify_sessions WHERE id = ?');
  const pending = db.prepare<[string, string, string, string, string, number], VerifySessionRow>(
    `SELECT * FROM verify_sessions
      WHERE project_id = ? AND key_id = ? AND client = ? AND channel = ? AND recipient = ? AND status = 'pending' AND expires_at > ?
      ORDER BY created_at DESC LIMIT 1`,
  );
  const retireExpired = db.prepare(
    `UPDATE verify_sessions SET status = 'expired', updated_at = @at
      WHERE project_id = @projectId AND key_id = @keyId AND channel = @channel AND recipient = @to AND client = @client
        AND status = 'pending' AND expires_at <= @at`,
  );
  const insertSession = db.prepare(
    `INSERT INTO verify_sessions (id, project_id, key_id, client, channel, recipient, country, message_ids, code_hmac,
       code_length, alphabet, status, attempts, max_attempts, sends, last_sent_at, expires_at, verified_at, created_at, updated_at)
     VALUES (@id, @projectId, @keyId, @client, @channel, @to, @country, @messageIds, @codeHmac,
       @codeLength, @alphabet, @status, @attempts, @maxAttempts, @sends, @lastSentAt, @expiresAt, @verifiedAt, @createdAt, @updatedAt)`,
  );
  const resend = db.prepare(
    `UPDATE verify_sessions SET code_hmac = @codeHmac, code_length = @codeLength, alphabet = @alphabet, sends = @sends,
       message_ids = @messageIds, last_sent_at = @lastSentAt, expires_at = @expiresAt, updated_at = @updatedAt
     WHERE id = @id AND status = 'pending' AND last_sent_at = @previousSentAt AND expires_at > @lastSentAt`,
  );
  return { byId, pending, retireExpired, insertSession, resend };
}

/** One area's counts (a country or a number range) over the last day and the last hour. */
interface AreaRow {
  day: number;
  oldestDay: number | null;
  hour: number | null;
  verified: number | null;
  oldestHour: number | null;
}

/** The send log: what the volume caps and the success-rate guard count, and its upkeep. */
function prepareSendLog(db: Database.Database) {
  // Indexed range counts: the recipient's few rows, then covering-index scans for key and area.
  const countRecipient = db.prepare<
    { projectId: string; to: string; client: string; since: number },
    { n: number; oldest: number | null; byClient: number | null; oldestByClient: number | null }
  >(
    `SELECT count(*) AS n, min(sent_at) AS oldest, sum(client = @client) AS byClient,
       min(CASE WHEN client = @client THEN sent_at END) AS oldestByClient
     FROM verify_sends WHERE project_id = @projectId AND recipient = @to AND sent_at > @since`,
  );
  const countKey = db.prepare<[string, number], { n: number; oldest: number | null }>(
    'SELECT count(*) AS n, min(sent_at) AS oldest FROM verify_sends WHERE key_id = ? AND sent_at > ?',
  );
  const areaSql = (column: 'country' | 'prefix') =>
    `SELECT count(*) AS day, min(sent_at) AS oldestDay, sum(sent_at > @hour) AS hour,
       sum(sent_at > @hour AND verified) AS verified, min(CASE WHEN sent_at > @hour THEN sent_at END) AS oldestHour
     FROM verify_sends WHERE project_id = @projectId AND ${column} = @value AND sent_at > @day`;
  const countCountry = db.prepare<{ projectId: string; value: string; hour: number; day: number }, AreaRow>(
    areaSql('country'),
  );
  const countPrefix = db.prepare<{ projectId: string; value: string; hour: number; day: number }, AreaRow>(
    areaSql('prefix'),
  );
  const insertSend = db.prepare(
    `INSERT INTO verify_sends (session_id, project_id, key_id, client, recipient, country, prefix, message_id, sent_at)
     VALUES (@sessionId, @projectId, @keyId, @client, @to, @country, @prefix, @messageId, @sentAt)`,
  );
  // Rows older than the longest window (a day) are dead weight. Each send drops a few from the
  // head of the log (rowids grow with time), so the log stays a day long without a sweep.
  const purgeSends = db.prepare(
    'DELETE FROM verify_sends WHERE id IN (SELECT id FROM (SELECT id, sent_at FROM verify_sends ORDER BY id LIMIT 8) WHERE sent_at <= ?)',
  );
  const markVerified = db.prepare('UPDATE verify_sends SET verified = 1 WHERE session_id = ?');
  return { countRecipient, countKey, countCountry, countPrefix, insertSend, purgeSends, markVerified };
}

/** A check: the right code approves the session, a wrong one spends an attempt. */
function prepareChecks(db: Database.Database) {
  const approve = db.prepare(
    `UPDATE verify_sessions SET status = 'approved', verified_at = @at, updated_at = @at
      WHERE id = @id AND status = 'pending' AND code_hmac = @codeHmac AND expires_at > @at AND attempts < max_attempts`,
  );
  const wrongCode = db.prepare(
    `UPDATE verify_sessions SET attempts = attempts + 1, updated_at = @at,
       status = CASE WHEN attempts + 1 >= max_attempts THEN 'canceled' ELSE status END
      WHERE id = @id AND status = 'pending' AND expires_at > @at AND attempts < max_attempts`,
  );
  return { approve, wrongCode };
}

type Statements = ReturnType<typeof prepareVerify>;
type MessageWriter = ReturnType<typeof createMessageWriter>;

/** Sends and checks, each one transaction: the statements behind `verify.send` and `verify.check`. */
function verifyWrites(db: Database.Database, statements: Statements) {
  const { writer } = statements;
  const existingIdempotency = (record: IdempotencyRecord) =>
    writer.readIdempotency(record.keyId, record.idempotencyKey);
  return { send: sendWrite(db, statements), check: checkWrite(db, statements), existingIdempotency };
}

/** Stores the idempotency record, if any; a taken key rolls the transaction back as `idempotent`. */
function storeIdempotency(writer: MessageWriter, record: IdempotencyRecord | undefined): void {
  if (!record) return;
  if (!writer.writeIdempotency(record)) throw new Refused({ reason: 'idempotent' });
}

/** The counts `admit` decides a send on: the recipient's, the key's, and the area's. */
function sendCounts(statements: Statements) {
  const { countRecipient, countKey, countCountry, countPrefix } = statements;
  const areaCounts = (
    stmt: typeof countCountry,
    projectId: string,
    value: string | null,
    since: { hour: number; day: number },
  ): AreaCounts | null => {
    if (value === null) return null;
    const r = stmt.get({ projectId, value, hour: since.hour, day: since.day })!;
    return {
      day: { count: r.day, oldestAt: r.oldestDay },
      hour: { count: r.hour ?? 0, oldestAt: r.oldestHour, verified: r.verified ?? 0 },
    };
  };

  return (input: Parameters<VerifyRepo['send']>[0]): VerifySendCounts => {
    const s = input.session;
    const { since, scope } = input;
    const r = countRecipient.get({ projectId: s.projectId, to: s.to, client: s.client, since: since.recipient })!;
    const k = countKey.get(s.keyId, since.hour)!;
    return {
      recipient: {
        all: { count: r.n, oldestAt: r.oldest },
        client: { count: r.byClient ?? 0, oldestAt: r.oldestByClient },
      },
      key: { count: k.n, oldestAt: k.oldest },
      country: areaCounts(countCountry, s.projectId, scope.country, since),
      prefix: areaCounts(countPrefix, s.projectId, scope.prefix, since),
    };
  };
}

/** `verify.send`'s transaction: admitted, the session, its message and its send record, or nothing. */
function sendWrite(db: Database.Database, statements: Statements) {
  const { writer, retireExpired, insertSession, resend, purgeSends, insertSend } = statements;
  const countsFor = sendCounts(statements);
  return db.transaction((input: Parameters<VerifyRepo['send']>[0]) => {
    storeIdempotency(writer, input.idempotency);
    const s = input.session;
    const refusal = input.admit(countsFor(input));
    if (refusal) throw new Refused({ reason: 'refused', refusal });
    const messageIds = JSON.stringify(s.messageIds);
    if (input.resendOf) {
      if (resend.run({ ...s, messageIds, previousSentAt: input.resendOf.lastSentAt }).changes === 0)
        throw new Refused({ reason: 'conflict' });
    } else {
      retireExpired.run({
        projectId: s.projectId,
        keyId: s.keyId,
        channel: s.channel,
        to: s.to,
        client: s.client,
        at: s.createdAt,
      });
      try {
        insertSession.run({ ...s, messageIds });
      } catch (error) {
        // The partial unique index: another start for this recipient won the race.
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new Refused({ reason: 'conflict' });
        throw error;
      }
    }
    writer.writeMessage(input.message, input.dueAt);
    purgeSends.run(input.since.day);
    insertSend.run({
      sessionId: s.id,
      projectId: s.projectId,
      keyId: s.keyId,
      client: s.client,
      to: s.to,
      country: input.scope.country,
      prefix: input.scope.prefix,
      messageId: input.message.id,
      sentAt: s.lastSentAt,
    });
  });
}

/** `verify.check`'s transaction: the outcome recorded, and the session as it now stands. */
function checkWrite(db: Database.Database, statements: Statements) {
  const { writer, approve, wrongCode, markVerified, byId } = statements;
  return db.transaction((input: Parameters<VerifyRepo['check']>[0]) => {
    storeIdempotency(writer, input.idempotency);
    const changed = input.outcome.matched
      ? approve.run({ id: input.sessionId, codeHmac: input.outcome.codeHmac, at: input.at }).changes
      : wrongCode.run({ id: input.sessionId, at: input.at }).changes;
    if (changed === 0) throw new Refused({ reason: 'conflict' });
    if (input.outcome.matched) markVerified.run(input.sessionId);
    return toVerifySession(byId.get(input.sessionId)!);
  });
}

/** Verification sessions and settings. Insert statements for messages and outbox mirror messages.ts. */
export function createVerifyRepo(db: Database.Database): VerifyRepo {
  const s = prepareVerify(db);
  const { send, check, existingIdempotency } = verifyWrites(db, s);
  // One prepared statement per combination of filters used (a few dozen at most).
  const historyStatements = new Map<string, Database.Statement<unknown[], VerifySessionRow>>();
  return {
    async getSettings(projectId) {
      const row = s.getSettings.get(projectId);
      return row ? (JSON.parse(row.verify_settings) as Partial<VerifySettings>) : {};
    },
    async saveSettings(projectId, settings) {
      s.saveSettings.run(JSON.stringify(settings), projectId);
    },
    async get(id) {
      const row = s.byId.get(id);
      return row ? toVerifySession(row) : null;
    },
    async findPending({ projectId, keyId, client, channel, to, now }) {
      const row = s.pending.get(projectId, keyId, client, channel, to, now);
      return row ? toVerifySession(row) : null;
    },
    async send(input) {
      try {
        send.immediate(input);
        return { ok: true };
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        if (error.result.reason === 'idempotent')
          return { ok: false, reason: 'idempotent', existing: existingIdempotency(input.idempotency!) };
        return { ok: false, ...error.result };
      }
    },
    async check(input) {
      try {
        return { ok: true, session: check.immediate(input) };
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        if (error.result.reason === 'idempotent')
          return { ok: false, reason: 'idempotent', existing: existingIdempotency(input.idempotency!) };
        return { ok: false, reason: 'conflict' };
      }
    },
    async page(projectId, filter, page) {
      const query = verifyHistoryStatement(projectId, filter, page, 'sqlite');
      if (!query) return { items: [], next: null };
      let statement = historyStatements.get(query.text);
      if (!statement) historyStatements.set(query.text, (statement = db.prepare(query.text)));
      return toPage(statement.all(...query.values), page, toVerifySession, (r) => ({ key: r.created_at, id: r.id }));
    },
  };
}
