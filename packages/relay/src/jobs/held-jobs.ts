import type { ClaimedJob } from '../store/types.js';

/**
 * The jobs a scheduler holds: waiting for a slot, oldest first — hand-offs (messages stored already
 * leased to it) and rows claimed ahead of free slots — or running. Hand-offs are bounded by the
 * scheduler (a few hundred messages), so a longer burst goes to the outbox instead of memory.
 *
 * A held job's lease can run out (a hand-off that waited for a slot longer than the lease, a
 * provider call longer than it), and then the scheduler's own next claim takes the row again: one
 * message id is held at most once, so a row it already holds is never run twice.
 */
export interface HeldJobs {
  /** How many jobs wait for a slot. */
  readonly waiting: number;
  /**
   * Queues claimed jobs. A row already held stays one job: a fresh claim replaces the waiting job
   * in its place in line (same message, new lease); a row running right now is left to that run,
   * which records its outcome (the lease is this scheduler's again).
   */
  adopt(jobs: readonly ClaimedJob[]): void;
  /** Queues a hand-off, last in line. */
  push(job: ClaimedJob): void;
  /** The oldest waiting job, taken out of line (it is still held); undefined when none waits. */
  next(): ClaimedJob | undefined;
  /** Marks a job held while it runs (one claimed by `runOnce`, which skips the line). */
  hold(job: ClaimedJob): void;
  /** The job has finished running: its message id is no longer held. */
  release(job: ClaimedJob): void;
  /** Empties the line and lets its jobs go (a stopping scheduler gives them back to the outbox). */
  drain(): ClaimedJob[];
}

export function createHeldJobs(): HeldJobs {
  const ready: ClaimedJob[] = [];
  const held = new Set<string>();
  return {
    get waiting() {
      return ready.length;
    },
    adopt(jobs) {
      for (const job of jobs) {
        if (!held.has(job.messageId)) {
          held.add(job.messageId);
          ready.push(job);
          continue;
        }
        const waiting = ready.findIndex((j) => j.messageId === job.messageId);
        if (waiting !== -1) ready[waiting] = job;
      }
    },
    push(job) {
      held.add(job.messageId);
      ready.push(job);
    },
    next() {
      return ready.shift();
    },
    hold(job) {
      held.add(job.messageId);
    },
    release(job) {
      held.delete(job.messageId);
    },
    drain() {
      const waiting = ready.splice(0);
      for (const job of waiting) held.delete(job.messageId);
      return waiting;
    },
  };
}
