import type { Channel, MessageStatus } from '@messagejs/shared-types';
import type { Message, MessageAttemptRecord } from './messages.js';
import type { MessageEventFields } from './message-events.js';

/** One outbox row claimed by a worker under a lease. */
export interface ClaimedJob {
  messageId: string;
  attempts: number;
  leaseUntil: number;
  /** The worker holding the lease; writes from a worker whose lease was taken over are ignored. */
  owner: string;
  /** `send`: deliver the message; `fallback_check`: see whether it arrived, else cascade. */
  kind: 'send' | 'fallback_check';
  /** The message as it was when claimed (read in the claiming transaction). */
  message: Message;
  /**
   * Whether the message has a callback URL (its events are recorded whoever listens), as read with
   * it; absent when not known.
   */
  callback?: boolean;
}

/** Who holds an outbox row, and until when (ms). */
export interface OutboxLease {
  owner: string;
  until: number;
}

/** The outbox: due work claimed under leases, and what each delivery attempt leaves. */
export interface OutboxRepo {
  /** Claims up to `limit` due rows whose lease is free or expired (their messages read as `sending`). */
  claim(now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedJob[]>;
  /**
   * The attempt succeeded: record it and update the message. The outbox row is deleted, or — with
   * `fallbackAt` — kept as a `fallback_check` due then.
   */
  complete(
    job: ClaimedJob,
    result: { attempt: MessageAttemptRecord; status: MessageStatus; at: number; fallbackAt?: number },
  ): Promise<void>;
  /** Nothing more to do for the message (a fallback check found it delivered): delete the outbox row. */
  finish(job: ClaimedJob): Promise<void>;
  /** Brings a pending fallback check forward to `at` (the provider reported a failure). */
  expedite(messageId: string, at: number): Promise<void>;
  /**
   * Try again at `dueAt` (transient failure, failover, or the next channel): record the attempt,
   * and the `event` saying why, at `at`; free the lease.
   */
  retry(
    job: ClaimedJob,
    result: {
      attempt: MessageAttemptRecord | null;
      dueAt: number;
      errorCode: string | null;
      errorMessage: string | null;
      at: number;
      resetAttempts?: boolean;
      channel?: Channel;
      cascade?: Channel[];
      event?: MessageEventFields;
    },
  ): Promise<void>;
  /**
   * The message failed for good: record it (with its `event`, at `at`), delete the outbox row. With
   * `status: 'expired'`, it was not sent before its `expireAt` (issue 16) and ends `expired`.
   */
  fail(
    job: ClaimedJob,
    result: {
      status?: 'failed' | 'expired';
      attempt: MessageAttemptRecord | null;
      errorCode: string;
      errorMessage: string;
      at: number;
      event?: MessageEventFields;
    },
  ): Promise<void>;
  /**
   * Puts the job back, due at `dueAt`, without counting its attempt (a paced connector's next
   * free slot is later): the lease is freed and the message keeps its status.
   */
  defer(job: ClaimedJob, dueAt: number): Promise<void>;
  /** Extends the job's lease to `until`; false when the job's worker no longer holds it. */
  renew(job: ClaimedJob, until: number): Promise<boolean>;
  /** Gives the jobs' leases up (a stopping worker), so any worker may claim them at once. */
  release(jobs: ClaimedJob[]): Promise<void>;
  /** Rows waiting (tests, readiness, metrics). */
  pending(): Promise<number>;
  /** The earliest due time among rows, or null. */
  nextDue(): Promise<number | null>;
  /**
   * What the outbox holds at `now`, by state, for metrics and `GET /v1/status`: one statement
   * over the `(due_at, lease_until)` index.
   */
  stats(now: number): Promise<OutboxStats>;
}

/** The outbox's rows at one moment, by state; every row is in exactly one. */
export interface OutboxStats {
  /** Due, and not leased (or its lease ran out): waiting for a worker to claim it. */
  due: number;
  /** Leased to a worker that is delivering it (or holds it in memory, a hand-off). */
  leased: number;
  /** Not due yet: scheduled messages, retries waiting for their backoff, fallback checks. */
  later: number;
  /** Since when the longest-waiting due row has been claimable (ms), or null when none is due. */
  oldestDueAt: number | null;
}
