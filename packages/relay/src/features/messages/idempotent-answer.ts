import type { IdempotencyRecord, Store } from '../../store/types.js';
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
