import type { Logger } from 'pino';
import type { RetentionBatch, RetentionStep, Store } from '../store/types.js';

const DAY_MS = 24 * 3600_000;

/** How long the relay keeps what it stores (`MESSAGEJS_RETENTION_DAYS`, `MESSAGEJS_AUDIT_RETENTION_DAYS`). */
export interface RetentionSettings {
  /** Days messages (and their attempts) and verification sessions are kept; null keeps them forever. */
  days: number | null;
  /** Days audit entries are kept; null keeps them forever. */
  auditDays: number | null;
  /** Days events (and their webhook deliveries and attempts) are kept; null keeps them forever. @default null */
  eventDays?: number | null;
  /** Rows per transaction. @default 500 */
  batchSize?: number;
  /** The shortest pause between two batches (ms); a pause also lasts at least as long as the batch before it. @default 10 */
  pauseMs?: number;
}

/** What one run removed. */
export interface RetentionReport {
  bodies: number;
  messages: number;
  verifySessions: number;
  audit: number;
  events: number;
  batches: number;
}

/** A retention runner: `run` removes what is past its age; `stop` ends a run between two batches. */
export interface Retention {
  /** True when a setting asks for anything to be removed. */
  readonly enabled: boolean;
  /** One run (nothing when one is already under way): resolves with what it removed, never rejects. */
  run: () => Promise<RetentionReport | null>;
  /** Ends the run under way after its current batch, and waits for that. */
  stop: () => Promise<void>;
}

type Step = (batch: RetentionBatch) => Promise<RetentionStep>;

const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });

/** How a run goes through one step's batches. */
interface Pace {
  batchSize: number;
  minPauseMs: number;
  /** True once the runner is stopping: no further batch starts. */
  stopping: () => boolean;
}

/**
 * Runs `step` batch after batch, each starting where the last ended, until one reaches fewer rows
 * than a batch or the runner stops, pausing between them at least as long as the batch took;
 * the rows done, or null when another process is at it.
 */
async function drain(before: number, step: Step, pace: Pace, report: RetentionReport): Promise<number | null> {
  let from = 0;
  let done = 0;
  while (!pace.stopping()) {
    const started = performance.now();
    const result = await step({ before, from, limit: pace.batchSize });
    if (result.busy) return null;
    report.batches++;
    done += result.rows;
    if (result.rows < pace.batchSize || result.reached === null) break;
    from = result.reached;
    await pause(Math.max(pace.minPauseMs, performance.now() - started));
  }
  return done;
}

/** The steps of a run in their order, each with the days its rows are kept. */
function stepsOf(store: Store, settings: RetentionSettings) {
  const steps: Array<[Exclude<keyof RetentionReport, 'batches'>, number | null, Step]> = [
    ['bodies', settings.days, (batch) => store.retention.blankMessageBodies(batch)],
    ['messages', settings.days, (batch) => store.retention.deleteOld('messages', batch)],
    ['verifySessions', settings.days, (batch) => store.retention.deleteOld('verifySessions', batch)],
    ['audit', settings.auditDays, (batch) => store.retention.deleteOld('audit', batch)],
    ['events', settings.eventDays ?? null, (batch) => store.retention.deleteOld('events', batch)],
  ];
  return steps;
}

/**
 * Removes what is older than the settings keep: message bodies first (body, subject and html,
 * so no text outlives its age even when the rows take long to go), then the messages with their
 * child rows and the verification sessions with theirs, then audit entries. Each step runs in
 * batches of `batchSize` rows, one short transaction each, pausing between them at least as long
 * as the batch took: sends share the database with it and never wait long. Messages still in the
 * outbox are kept. On PostgreSQL one relay at a time does it (`busy` ends the others' runs).
 */
export function createRetention(deps: {
  store: Store;
  now: () => number;
  log: Logger;
  settings: RetentionSettings;
}): Retention {
  const { store, now, log, settings } = deps;
  let running: Promise<RetentionReport | null> | null = null;
  let stopping = false;
  const pace: Pace = {
    batchSize: settings.batchSize ?? 500,
    minPauseMs: settings.pauseMs ?? 10,
    stopping: () => stopping,
  };
  const steps = stepsOf(store, settings);

  async function runAll(): Promise<RetentionReport> {
    const report: RetentionReport = { bodies: 0, messages: 0, verifySessions: 0, audit: 0, events: 0, batches: 0 };
    const at = now();
    for (const [field, days, step] of steps) {
      if (days === null) continue;
      const done = await drain(at - days * DAY_MS, step, pace, report);
      if (done === null) {
        log.debug('another process is removing old data: this one leaves it the work');
        break;
      }
      report[field] = done;
    }
    return report;
  }

  return {
    enabled: settings.days !== null || settings.auditDays !== null || (settings.eventDays ?? null) !== null,
    run() {
      if (running) return running;
      stopping = false;
      running = runAll()
        .then((report): RetentionReport => {
          const { bodies, messages, verifySessions, audit, events } = report;
          if (bodies + messages + verifySessions + audit + events > 0) log.info(report, 'old data removed');
          return report;
        })
        .catch((error: unknown) => {
          log.error({ err: error }, 'removing old data failed; the next run (in an hour) tries again');
          return null;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
    async stop() {
      stopping = true;
      await running;
    },
  };
}
