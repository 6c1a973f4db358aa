import { setTimeout as sleep } from 'node:timers/promises';
import type { IdempotencyRecord, Store } from '../../store/types.js';
import type { InFlightLocks } from '../../store/shared-state.js';
import { AppError } from '../../domain/app-error.js';

/** What a POST answers: a status and body, and whether it is the replay of a stored answer. */
export interface Answer<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/**
 * The stored first answer to a request with the same `Idempotency-Key`, replayed — or
 * `409 idempotency_conflict` when the key came with a different request (Stripe's rule).
 */
export function replayAnswer<T>(
  existing: Pick<IdempotencyRecord, 'requestHash' | 'statusCode' | 'response'>,
  requestHash: string,
): Answer<T> {
  if (existing.requestHash !== requestHash) {
    throw new AppError('idempotency_conflict', 'This Idempotency-Key was used with a different request body.', {
      field: 'Idempotency-Key',
    });
  }
  return { status: existing.statusCode, body: existing.response as T, replayed: true };
}

/** The replayed answer when this key already answered this Idempotency-Key, else null. */
export async function storedAnswer<T>(
  store: Store,
  keyId: string,
  idempotency: { key: string; requestHash: string } | undefined,
): Promise<Answer<T> | null> {
  if (!idempotency) return null;
  const existing = await store.idempotency.get(keyId, idempotency.key);
  return existing ? replayAnswer<T>(existing, idempotency.requestHash) : null;
}

/**
 * The record that stores `response` as the answer to this `Idempotency-Key`, written in the same
 * transaction as what it answers.
 */
export function idempotencyRecord(
  keyId: string,
  idempotency: { key: string; requestHash: string },
  statusCode: number,
  response: unknown,
  createdAt: number,
): IdempotencyRecord {
  return {
    keyId,
    idempotencyKey: idempotency.key,
    requestHash: idempotency.requestHash,
    statusCode,
    response,
    createdAt,
  };
}

/**
 * How long an in-flight lock outlives a relay that died holding it (`kill -9`): its holder
 * extends it while the request runs, so a slow request keeps it, and a client's retry of a dead
 * relay's request is answered `409 idempotency_in_progress` for at most this long.
 */
const LOCK_TTL_MS = 5_000;
/** How long a repeat waits for the first request's answer before answering `409 idempotency_in_progress`. */
const REPEAT_WAIT_MS = 2_000;
/** How often a waiting repeat looks for the first request's answer. */
const REPEAT_POLL_MS = 20;

/**
 * Runs `work` for a request with an `Idempotency-Key` while holding the key's in-flight lock
 * (`store/shared-state.ts`), so relays sharing Redis process one request per key at a time. A
 * repeat that finds the key held waits for the first answer and replays it, as one relay does
 * when both meet in the database; if the first request ended without storing an answer, the
 * repeat runs itself; if it lasts past `REPEAT_WAIT_MS`, the repeat gets
 * `409 idempotency_in_progress` (the client retries it). Without a key, or without `locks`,
 * `work` just runs; the database's unique key stays the final guarantee either way.
 */
export async function answerOnce<T>(
  deps: { store: Store; locks?: InFlightLocks | null | undefined },
  keyId: string,
  idempotency: { key: string; requestHash: string } | undefined,
  work: () => Promise<Answer<T>>,
): Promise<Answer<T>> {
  if (!idempotency || !deps.locks) return work();
  const name = `idem:${keyId}:${idempotency.key}`;
  const deadline = performance.now() + REPEAT_WAIT_MS;
  for (;;) {
    const lock = await deps.locks.acquire(name, LOCK_TTL_MS);
    if (lock) {
      try {
        return await work();
      } finally {
        // Not awaited: a waiting repeat reads the stored answer, not the lock.
        void lock.release();
      }
    }
    await sleep(REPEAT_POLL_MS);
    const stored = await storedAnswer<T>(deps.store, keyId, idempotency);
    if (stored) return stored;
    if (performance.now() >= deadline) {
      throw new AppError(
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
        {
          field: 'Idempotency-Key',
          retryAfter: 1,
        },
      );
    }
  }
}
