import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/** scrypt's cost: N = 2^logN, block size r, parallelism p. */
export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

/** OWASP's scrypt minimum (N = 2^17, r = 8, p = 1): about half a second a hash on a small server. */
export const defaultScryptCost: Readonly<ScryptCost> = Object.freeze({ logN: 17, r: 8, p: 1 });

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const ENCODED = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

/** Passwords are compared after Unicode NFKC normalisation, so the same typed text always matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  // scrypt needs 128·N·r bytes; leave headroom over Node's 32 MiB default.
  return scrypt(normalizePassword(password), salt, KEY_LENGTH, {
    N,
    r: cost.r,
    p: cost.p,
    maxmem: Math.max(32 * 1024 * 1024, 160 * N * cost.r),
  });
}

/**
 * Hashes a password with scrypt and a random 16-byte salt of its own, as
 * `scrypt$ln=17,r=8,p=1$<salt>$<hash>` (base64url): the parameters travel with the hash, so a
 * later relay can raise them and rehash at the next sign-in.
 */
export async function hashPassword(password: string, cost: ScryptCost = defaultScryptCost): Promise<string> {
  const salt = crypto.randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, cost);
  return `scrypt$ln=${cost.logN},r=${cost.r},p=${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** True when `password` matches `encoded` (compared in constant time); false for anything malformed. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = ENCODED.exec(encoded);
  if (!m) return false;
  const cost = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.logN < 1 || cost.logN > 22 || cost.r < 1 || cost.p < 1) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const actual = await derive(password, Buffer.from(m[4]!, 'base64url'), cost);
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** True when `encoded` was made with another cost than `cost` (rehash it at the next sign-in). */
export function needsRehash(encoded: string, cost: ScryptCost): boolean {
  return !encoded.startsWith(`scrypt$ln=${cost.logN},r=${cost.r},p=${cost.p}$`);
}
