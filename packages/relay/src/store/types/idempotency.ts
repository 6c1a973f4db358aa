/** A stored answer for an `Idempotency-Key`. */
export interface IdempotencyRecord {
  keyId: string;
  idempotencyKey: string;
  requestHash: string;
  statusCode: number;
  response: unknown;
  createdAt: number;
}

/** Stored answers for `Idempotency-Key`s (written with the message they answer). */
export interface IdempotencyRepo {
  get(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | null>;
  /** Deletes records older than `before`; returns how many. */
  purge(before: number): Promise<number>;
}
