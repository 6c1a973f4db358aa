import type { ClaimedJob } from '../store/types.js';

/** The kinds of outbox job; each has one handler (`jobs/handlers/`). */
export type JobKind = ClaimedJob['kind'];

/** What the scheduler lends every handler. */
export interface JobRecorder {
  /**
   * Tracks the write that records a finished job: the handler returns at once, the write joins the
   * store's next group commit (SQLite), and the job's slot (and lease) is held until it commits, so
   * sent-but-unrecorded messages never outnumber the slots. Should it fail, the lease expires and
   * the job runs again.
   */
  record(job: ClaimedJob, write: Promise<void>): void;
}

/**
 * Runs one claimed job of its kind, under a lease the scheduler holds and renews while it runs
 * (`lease-keeper.ts`). An async function: whatever it throws, the job's lease expires and it runs again.
 */
export type JobHandler = (job: ClaimedJob, recorder: JobRecorder) => Promise<void>;

/** One handler per job kind: a new kind adds an entry here, not a branch in the scheduler. */
export type JobHandlers = { readonly [K in JobKind]: JobHandler };
