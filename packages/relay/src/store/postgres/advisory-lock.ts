import type { Queryable } from './queryable.js';

/**
 * The transaction-level advisory locks PostgreSQL repositories take where SQLite's one writer
 * (`BEGIN IMMEDIATE`) made a read-then-write atomic. Each scope is the first of the two 32-bit
 * keys; the second is a hash of the id it guards. PostgreSQL keeps two-key locks apart from
 * single 64-bit-key ones (the migrations' lock), so they never meet.
 */
export const lockScopes = {
  /** A project's verification sends: its counts are read, judged and extended as one step. */
  verifySend: 0x4d4a_0001,
  /** A project's token-signing keys: "insert unless one exists" and rotations. */
  signingKeys: 0x4d4a_0002,
  /** The access tokens' signing keys (one set for the relay). */
  authSigningKeys: 0x4d4a_0003,
  /** The first project (the demo): "insert unless the table has a project" by relays starting together. */
  firstProject: 0x4d4a_0004,
  /** Retention's batches (`retention.ts`): one relay at a time removes old data. */
  retention: 0x4d4a_0a01,
} as const;

/**
 * Waits for, then holds until the transaction ends, the lock of `scope` on `id`. Two ids whose
 * hashes collide only wait for each other; nothing is lost.
 */
export async function advisoryLock(q: Queryable, scope: keyof typeof lockScopes, id = ''): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [lockScopes[scope], id]);
}

/**
 * Takes, until the transaction ends, the lock of `scope` on `id` if it is free: false, at once,
 * when another transaction holds it.
 */
export async function tryAdvisoryLock(q: Queryable, scope: keyof typeof lockScopes, id = ''): Promise<boolean> {
  const { rows } = await q.query<{ taken: boolean }>(
    'SELECT pg_try_advisory_xact_lock($1::int, hashtext($2::text)) AS taken',
    [lockScopes[scope], id],
  );
  return rows[0]!.taken;
}
