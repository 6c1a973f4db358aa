import crypto from 'node:crypto';
import { verifyCodeLength } from '@messagejs/shared-types';

/** The alphabets a one-time code may use. */
export type CodeAlphabet = 'numeric' | 'alphanumeric';

/**
 * The characters of each alphabet. The alphanumeric one is uppercase and leaves out the
 * characters people confuse when reading a code aloud or off a small screen: 0/O/Q/D, 1/I/L,
 * 2/Z, 5/S and 8/B (the same idea as Crockford's base32, a little stricter).
 */
export const codeAlphabets: Readonly<Record<CodeAlphabet, string>> = Object.freeze({
  numeric: '0123456789',
  alphanumeric: '34679ACEFGHJKMNPRTUVWXY',
});

/** Shortest and longest codes the relay issues (the wire contract's bounds of `codeLength`). */
export const CODE_LENGTH = verifyCodeLength;

/**
 * A one-time code of `length` characters, each drawn with `crypto.randomInt` (the CSPRNG, with
 * rejection sampling inside, so every character is equally likely).
 */
export function generateCode(length: number, alphabet: CodeAlphabet): string {
  if (!Number.isInteger(length) || length < CODE_LENGTH.min || length > CODE_LENGTH.max) {
    throw new RangeError(`A code is ${CODE_LENGTH.min}–${CODE_LENGTH.max} characters long, not ${length}`);
  }
  const chars = codeAlphabets[alphabet];
  let code = '';
  for (let i = 0; i < length; i++) code += chars[crypto.randomInt(chars.length)];
  return code;
}

/** True when `code` has the shape of a code of this length and alphabet. */
export function isCodeShape(code: string, length: number, alphabet: CodeAlphabet): boolean {
  if (code.length !== length) return false;
  const chars = codeAlphabets[alphabet];
  for (const c of code) if (!chars.includes(c)) return false;
  return true;
}

/**
 * The relay's code-hashing key, derived from the master key with HKDF-SHA256 (RFC 5869) under
 * its own label, so the master key itself never keys anything but sealing.
 */
export function deriveCodeKey(masterKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', masterKey, 'messagejs-relay', 'messagejs verify code', 32));
}

/**
 * HMAC-SHA256 of a code, bound to its session id so the same code in two sessions hashes
 * differently. This is all the relay stores of a code.
 */
export function hmacCode(key: Buffer, sessionId: string, code: string): Buffer {
  return crypto.createHmac('sha256', key).update(`${sessionId}\n${code}`).digest();
}

/**
 * Compares two code HMACs in constant time (`crypto.timingSafeEqual`), so the time an answer
 * takes says nothing about how much of a guess was right.
 */
export function codesMatch(expected: Buffer, actual: Buffer): boolean {
  // HMAC-SHA256 outputs are always 32 bytes; a length mismatch means a corrupted record.
  if (expected.length !== actual.length) return false;
  return crypto.timingSafeEqual(expected, actual);
}
