import type { Logger } from 'pino';
import type { ClaimedJob, Store } from '../store/types.js';

/**
 * Keeps the outbox leases of the jobs a scheduler is running. A lease is what tells the other
 * workers a row is taken; it must run out only when its worker died, never while a live worker is
 * still calling the provider or recording the outcome (a slow provider, a loaded database): the
 * row would be claimed and the message sent again. So every third of a lease, each running job
 * whose lease is older than that gets a fresh one (`outbox.renew`, under the job's owner). Most
 * jobs finish well within a third of their lease and cost nothing.
 */
export interface LeaseKeeper {
  /** Keeps `job`'s lease from now until `drop`. */
  keep(job: ClaimedJob): void;
  /** The job is over (its outcome recorded, or it failed): its lease is left to run out or be gone. */
  drop(messageId: string): void;
  /** Renews, now, the leases that are due for it; resolves when done (the timer calls it). */
  renewDue(): Promise<void>;
}

export interface LeaseKeeperOptions {
  store: Store;
  log: Logger;
  now: () => number;
  leaseMs: number;
}

export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { store, log, now, leaseMs } = options;
  const everyMs = Math.max(Math.floor(leaseMs / 3), 10);
  /** The running jobs by message id (a scheduler holds a message once), each with its latest lease. */
  const running = new Map<string, ClaimedJob>();
  let timer: NodeJS.Timeout | null = null;
  let renewing: Promise<void> | null = null;

  async function renewOne(job: ClaimedJob): Promise<void> {
    const until = now() + leaseMs;
    let kept: boolean;
    try {
      kept = await store.outbox.renew(job, until);
    } catch (error) {
      log.warn({ err: error, messageId: job.messageId }, 'could not renew the lease of a running job; trying again');
      return;
    }
    // Finished meanwhile: its record may have taken the row, nothing to say.
    if (running.get(job.messageId) !== job) return;
    if (kept) {
      running.set(job.messageId, { ...job, leaseUntil: until });
      return;
    }
    running.delete(job.messageId);
    log.warn(
      { messageId: job.messageId },
      'the lease of a running job ran out and another worker took the message; it may be sent twice',
    );
  }

  function renewDue(): Promise<void> {
    renewing ??= (async () => {
      try {
        const at = now();
        const due = [...running.values()].filter((job) => job.leaseUntil - at <= leaseMs - everyMs);
        await Promise.all(due.map(renewOne));
      } finally {
        renewing = null;
      }
    })();
    return renewing;
  }

  return {
    keep(job) {
      running.set(job.messageId, job);
      if (timer) return;
      timer = setInterval(() => void renewDue(), everyMs);
      timer.unref?.();
    },
    drop(messageId) {
      running.delete(messageId);
      if (running.size > 0 || !timer) return;
      clearInterval(timer);
      timer = null;
    },
    renewDue,
  };
}
