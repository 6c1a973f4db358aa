import type Database from 'better-sqlite3';
import type { Message } from '../types/index.js';
import { DAY_MS, deliveryBucketsMs, HOUR_MS } from '../analytics-schema.js';
import { createRollupWriter, newRollupSums } from './rollup-sums.js';
import {
  eventIdSql,
  listeningSql,
  messageEventStatuses,
  messageSnapshotFields,
  messageSnapshotOptions,
  snapshot,
} from '../event-schema.js';

/**
 * What the triggers on `messages` write, written by a group-committed batch itself (SQLite
 * migrations 018 and 019): the analytics rollups' moves of the messages the fold has counted
 * already (015), and the message events (016).
 *
 * A new message or attempt counts nothing here: the fold counts it later as it is then (019,
 * rollup-fold.ts), so a message delivered before the worker folds it costs its batches no
 * counting at all. A completed delivery of a message the fold has counted is a move out of the
 * rows of its old state into those of the new one: the batch adds those moves up in JavaScript
 * and writes one upsert per distinct rollup row. It also looks once per project at whether anyone
 * listens before it records events. While the batch runs, its transaction holds the row of
 * `message_triggers_deferred`, and the triggers stop at their first test; they write as before
 * for every other write.
 *
 * Each function here gives the numbers and events the trigger it stands in for would (the
 * consistency test recounts the rollups from the messages on both backends:
 * test/store-contract/analytics-recount.test.ts; the webhook tests read the events).
 */

/** What a message's rollup rows are keyed and measured by. */
export type RollupState = Pick<
  Message,
  | 'projectId'
  | 'keyId'
  | 'createdAt'
  | 'channel'
  | 'status'
  | 'country'
  | 'operator'
  | 'connectorId'
  | 'template'
  | 'errorCode'
  | 'segments'
  | 'costEur'
  | 'costMad'
  | 'deliveredAt'
>;

/** SQLite's `CAST(round(x * 1000000) AS INTEGER)` for the costs' millionths (round half away from zero). */
function micros(value: number | null): number {
  const r = (value ?? 0) * 1_000_000;
  return r < 0 ? -Math.trunc(-r + 0.5) : Math.trunc(r + 0.5);
}

/** The index of `value`'s bucket among `bounds` (the last one past them all), as `bucketCase`. */
function bucketOf(value: number, bounds: readonly number[]): number {
  for (let i = 0; i < bounds.length; i++) if (value < bounds[i]!) return i;
  return bounds.length;
}

const failedStatuses = new Set(['failed', 'undelivered']);
const eventStatuses = new Set(messageEventStatuses);

/** An event a batch may record: the trigger's, once the batch knows whether anyone listens. */
interface EventWanted {
  messageId: string;
  projectId: string;
  type: string;
  /** The channel a fallback moved from. */
  fromChannel?: string;
  /** The message has a callback URL (true), has none (false), or is not known here (null). */
  callback: boolean | null;
}

/** What a completed delivery changes in a message (the rest stays as it was). */
export interface MessageChange {
  status: Message['status'];
  connectorId: string | null;
  channel: Message['channel'];
  errorCode: string | null;
  deliveredAt: number | null;
  /** Whether the message has a callback URL; null when not known. */
  callback: boolean | null;
}

/** What one batch wrote, added up: rollup moves and the events it may record. */
export class MessageBatch {
  /** The moves, as rollup sums (a batch writes no attempts': the fold counts those). */
  readonly sums = newRollupSums();
  readonly events: EventWanted[] = [];
  #mark: number | undefined;
  readonly #listening = new Map<string, boolean>();

  /**
   * `readMark` gives the fold's mark of messages (019), read once, when a change first needs it;
   * `listens` whether anyone listens to a project's events, asked once per project.
   */
  constructor(
    private readonly readMark: () => number,
    private readonly listens: (projectId: string) => boolean,
  ) {}

  /** Whether anyone listens to project `projectId`'s events (it cannot change within the batch's transaction). */
  listening(projectId: string): boolean {
    let listening = this.#listening.get(projectId);
    if (listening === undefined) this.#listening.set(projectId, (listening = this.listens(projectId)));
    return listening;
  }

  /** Keeps event `e` unless it is known that nothing will record it (no callback URL, nobody listening). */
  #want(e: EventWanted): void {
    if (e.callback === false && !this.listening(e.projectId)) return;
    this.events.push(e);
  }

  /** The highest rowid of the messages the fold has counted. */
  #counted(): number {
    return (this.#mark ??= this.readMark());
  }

  /**
   * Message `m` counted (`sign` 1) or taken out (-1) in the state `m` has, but for the fields
   * `status`, `channel`, `connectorId` and `errorCode` given (the arguments, not an object: a
   * batch of a thousand messages would build four thousand).
   */
  private count(
    m: RollupState,
    sign: 1 | -1,
    status: Message['status'],
    channel: Message['channel'],
    connectorId: string | null,
    errorCode: string | null,
  ): void {
    const hour = m.createdAt - (m.createdAt % HOUR_MS);
    const day = m.createdAt - (m.createdAt % DAY_MS);
    const segments = sign * (m.segments ?? 0);
    const eur = sign * micros(m.costEur);
    const mad = sign * micros(m.costMad);
    const hourlyId = `${m.projectId}\0${hour}\0${m.keyId}\0${channel}\0${status}`;
    const hourly = this.sums.hourly.get(hourlyId);
    if (hourly) {
      hourly[0]! += sign;
      hourly[1]! += segments;
      hourly[2]! += eur;
      hourly[3]! += mad;
    } else this.sums.hourly.start(hourlyId, [m.projectId, hour, m.keyId, channel, status], [sign, segments, eur, mad]);
    const country = m.country ?? '';
    const operator = m.operator ?? '';
    const connector = connectorId ?? '';
    const template = m.template ?? '';
    const error = failedStatuses.has(status) ? (errorCode ?? '') : '';
    const dailyId = `${m.projectId}\0${day}\0${channel}\0${status}\0${country}\0${operator}\0${connector}\0${template}\0${error}`;
    const daily = this.sums.daily.get(dailyId);
    if (daily) {
      daily[0]! += sign;
      daily[1]! += segments;
      daily[2]! += eur;
      daily[3]! += mad;
    } else {
      this.sums.daily.start(
        dailyId,
        [m.projectId, day, channel, status, country, operator, connector, template, error],
        [sign, segments, eur, mad],
      );
    }
  }

  /** Message `m` inserted: its `message.queued` event (the fold counts it: 019). */
  inserted(m: Pick<Message, 'id' | 'projectId' | 'callbackUrl'>): void {
    this.#want({
      messageId: m.id,
      projectId: m.projectId,
      type: 'message.queued',
      callback: m.callbackUrl !== undefined && m.callbackUrl !== null,
    });
  }

  /**
   * Message `id`'s update from `before` by `change`: `messages_changed`. `rowid` is the message's:
   * one past the fold's mark is not counted yet, and its update moves nothing (019).
   */
  changed(id: string, rowid: number, before: RollupState, change: MessageChange): void {
    if (rowid <= this.#counted() && this.#moves(before, change)) {
      this.count(before, -1, before.status, before.channel, before.connectorId, before.errorCode);
      this.count(before, 1, change.status, change.channel, change.connectorId, change.errorCode);
    }
    if (rowid <= this.#counted() && before.deliveredAt === null && change.deliveredAt !== null) {
      this.delivered(before, change.channel, change.connectorId, change.deliveredAt);
    }
    this.#recordChange(id, before, change);
  }

  /** Whether `change` moves a message out of its rollup rows (`countedChange` of 015). */
  #moves(before: RollupState, change: MessageChange): boolean {
    return (
      before.status !== change.status ||
      before.channel !== change.channel ||
      before.connectorId !== change.connectorId ||
      before.errorCode !== change.errorCode
    );
  }

  /** The fallback and status events of message `id`'s change. */
  #recordChange(id: string, before: RollupState, change: MessageChange): void {
    const { projectId } = before;
    if (before.channel !== change.channel) {
      this.#want({
        messageId: id,
        projectId,
        type: 'message.fallback',
        fromChannel: before.channel,
        callback: change.callback,
      });
    }
    if (before.status !== change.status && eventStatuses.has(change.status)) {
      this.#want({ messageId: id, projectId, type: `message.${change.status}`, callback: change.callback });
    }
  }

  /** Message `m`, on `channel` through `connectorId`, delivered at `deliveredAt`: its time to delivered counted. */
  private delivered(m: RollupState, channel: string, connectorId: string | null, deliveredAt: number): void {
    const bucket = bucketOf(Math.max(deliveredAt - m.createdAt, 0), deliveryBucketsMs);
    const hour = m.createdAt - (m.createdAt % HOUR_MS);
    const day = m.createdAt - (m.createdAt % DAY_MS);
    const hourlyId = `${m.projectId}\0${hour}\0${channel}\0${bucket}`;
    const hourly = this.sums.deliveryHourly.get(hourlyId);
    if (hourly) hourly[0]! += 1;
    else this.sums.deliveryHourly.start(hourlyId, [m.projectId, hour, channel, bucket], [1]);
    const key = [
      m.projectId,
      day,
      channel,
      m.country ?? '',
      m.operator ?? '',
      connectorId ?? '',
      m.template ?? '',
      bucket,
    ];
    const dailyId = key.join('\0');
    const daily = this.sums.deliveryDaily.get(dailyId);
    if (daily) daily[0]! += 1;
    else this.sums.deliveryDaily.start(dailyId, key, [1]);
  }
}

/** The statements that record a batch's events as the triggers of 016 (and 020) do, prepared once. */
function prepareEvents(db: Database.Database) {
  const insert = (at: string, extra: ReadonlyArray<readonly [string, string]>) =>
    db.prepare(
      `INSERT INTO events (id, project_id, type, created_at, message_id, data)
       SELECT ${eventIdSql.sqlite}, m.project_id, @type, ${at}, m.id, ${snapshot('sqlite', 'm', messageSnapshotFields, [...messageSnapshotOptions('sqlite', 'm'), ...extra])}
       FROM messages m WHERE m.id = @id`,
    );
  return {
    listening: db
      .prepare<[string], number>(`SELECT ${listeningSql('sqlite', 'p')} FROM (SELECT ? AS project_id) p`)
      .pluck(),
    withCallback: db
      .prepare<[string], string>(
        'SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND callback_url IS NOT NULL',
      )
      .pluck(),
    queued: insert('m.created_at', []),
    changed: insert('m.updated_at', []),
    fallback: insert('m.updated_at', [['fromChannel', '@fromChannel']]),
  };
}

/**
 * Runs a batch's writes with the message triggers deferred, then writes what the batch counted and
 * the events it raised. Call inside a transaction: if `write` throws, the transaction's rollback
 * takes the flag back. Batches never nest (the flag's insert would fail loudly).
 */
export function createMessageBatch(db: Database.Database) {
  const defer = db.prepare('INSERT INTO message_triggers_deferred (id) VALUES (1)');
  const resume = db.prepare('DELETE FROM message_triggers_deferred');
  const writeRollups = createRollupWriter(db);
  const mark = db.prepare<[], number>("SELECT mark FROM rollup_marks WHERE source = 'messages'").pluck();
  const readMark = () => mark.get() ?? 0;
  const events = prepareEvents(db);
  const listens = (projectId: string) => events.listening.get(projectId) === 1;
  const writeEvents = (batch: MessageBatch) => {
    const wanted = batch.events;
    if (wanted.length === 0) return;
    // Messages of projects nobody listens to still have theirs when they carry a callback URL.
    const unknown = wanted.filter((e) => e.callback === null && !batch.listening(e.projectId)).map((e) => e.messageId);
    const called = new Set(unknown.length > 0 ? events.withCallback.all(JSON.stringify(unknown)) : []);
    for (const e of wanted) {
      if (!batch.listening(e.projectId) && !e.callback && !called.has(e.messageId)) continue;
      if (e.type === 'message.queued') events.queued.run({ type: e.type, id: e.messageId });
      else if (e.fromChannel !== undefined) {
        events.fallback.run({ type: e.type, id: e.messageId, fromChannel: e.fromChannel });
      } else events.changed.run({ type: e.type, id: e.messageId });
    }
  };
  return <T>(write: (batch: MessageBatch) => T): T => {
    defer.run();
    const batch = new MessageBatch(readMark, listens);
    const result = write(batch);
    resume.run();
    writeRollups(batch.sums);
    writeEvents(batch);
    return result;
  };
}
