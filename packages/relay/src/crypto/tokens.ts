import crypto, { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from the CSPRNG in blocks and handed out from a pool: one syscall per
// block instead of one per id (ids are made on every request).
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/**
 * A uniformly random base62 string of `length` characters from the CSPRNG. Rejection sampling
 * (bytes ≥ 248 are dropped) keeps every character equally likely.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

/** A prefixed, unguessable id such as `msg_3kTq…` (22 base62 characters ≈ 131 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(22)}`;
}

/**
 * A message id: `msg_`, the creation time in 7 base62 characters, then 22 random ones (≈ 131
 * bits, so ids stay unguessable). Time-ordered ids are appended at the end of the primary-key
 * B-tree instead of landing on a random page, which keeps each commit's writes small.
 */
export function newMessageId(now: number = Date.now()): string {
  let time = '';
  for (let t = Math.floor(now); time.length < 7; t = Math.floor(t / 62)) time = BASE62[t % 62] + time;
  return `msg_${time}${randomBase62(22)}`;
}

/** A new API key: `pk_` or `sk_` and 43 base62 characters (≥ 32 bytes of entropy). */
export function newApiKey(kind: 'public' | 'secret'): string {
  return `${kind === 'public' ? 'pk' : 'sk'}_${randomBase62(43)}`;
}

/** The part of a key that may be shown after creation. */
export function keyPrefix(key: string): string {
  return key.slice(0, 11);
}

// One-shot `crypto.hash` (Node ≥ 20.12) hashes a short input without building a Hash object.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;

/** SHA-256 as hex: how keys are stored and looked up. */
export function sha256Hex(value: string | Buffer): string {
  return oneShotHash ? oneShotHash('sha256', value, 'hex') : createHash('sha256').update(value).digest('hex');
}

/**
 * Whether `given` is the configured secret `expected` (the metrics token), in time that tells
 * nothing of either: both are hashed first, so even their lengths are compared in constant time.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
