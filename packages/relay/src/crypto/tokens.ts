import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A uniformly random base62 string of `length` characters from the CSPRNG. Rejection sampling
 * (bytes ≥ 248 are dropped) keeps every character equally likely.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A prefixed, unguessable id such as `msg_3kTq…` (22 base62 characters ≈ 131 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(22)}`;
}

/** A new API key: `pk_` or `sk_` and 43 base62 characters (≥ 32 bytes of entropy). */
export function newApiKey(kind: 'public' | 'secret'): string {
  return `${kind === 'public' ? 'pk' : 'sk'}_${randomBase62(43)}`;
}

/** The part of a key that may be shown after creation. */
export function keyPrefix(key: string): string {
  return key.slice(0, 11);
}

/** SHA-256 as hex: how keys are stored and looked up. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}
