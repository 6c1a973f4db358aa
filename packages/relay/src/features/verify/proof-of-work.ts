import crypto from 'node:crypto';
import type { PowChallenge } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { createMemorySpentTokens, type SpentTokens } from '../../store/spent-tokens.js';

/**
 * The relay's own CAPTCHA: a proof-of-work challenge in the ALTCHA scheme
 * (https://altcha.org/docs/proof-of-work), so a project needs no third party to make every
 * public-key request cost its sender some CPU.
 *
 * - The relay picks a secret `number` in `0…maxnumber` and a random salt that carries the
 *   challenge's expiry and project (`<hex>?expires=<unix s>&project=<id>`), and sends
 *   `challenge = hex(SHA-256(salt + number))` with `signature = hex(HMAC-SHA256(key, challenge))`.
 * - The client tries numbers until the hash matches (`maxnumber / 2` hashes on average) and sends
 *   back `base64(JSON({ algorithm, challenge, number, salt, signature }))`.
 * - Stateless to issue: nothing is stored until a solution is redeemed. Then its challenge is
 *   remembered until it expires, so each solution opens exactly one request.
 *
 * Written on `node:crypto` rather than `altcha-lib`: its 2.x entry point moved to a new scheme
 * (the one its widget and our client speak is a legacy subpath), and its `verifySolution` answers
 * a bare boolean where the relay must tell "solve a fresh one" (expired, replayed) from "forged".
 */

/** How long a challenge may be solved and redeemed. */
export const POW_TTL_MS = 5 * 60_000;

/**
 * The default `maxnumber`: ~50,000 SHA-256 on average, about half a second for the client's
 * batched `crypto.subtle` solver (measured ~60,000/s in Node 20 on a loaded 2-core machine).
 */
export const DEFAULT_POW_MAX_NUMBER = 100_000;

/** The HMAC key of challenges, derived from the master key with HKDF under its own label. */
export function derivePowKey(masterKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', masterKey, 'messagejs-relay', 'messagejs captcha proof of work', 32));
}

/** What redeeming a solution found. */
export type PowVerdict =
  /** Solved, signed by this relay for this project, unexpired, and not used before. */
  | 'ok'
  /** A real solution, but expired, already used, or issued before this relay started: solve a fresh one. */
  | 'stale'
  /** Not a solution of a challenge this relay issued for this project. */
  | 'invalid';

export interface ProofOfWork {
  /** A fresh challenge for `projectId`. */
  issue(projectId: string, maxNumber: number): PowChallenge;
  /** Checks a `captchaToken` and, when it is good, spends it. */
  redeem(projectId: string, token: string): Promise<PowVerdict>;
  /**
   * Throws unless `token` redeems: `captcha_required` with a fresh challenge when there is no
   * token or a stale one, `captcha_failed` for anything else.
   */
  require(projectId: string, maxNumber: number, token: string | undefined): Promise<void>;
}

/** A `captchaToken` decoded: the fields of an ALTCHA solution, of the right types and sizes. */
interface Solution {
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

const sha256Hex = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The relay's proof-of-work CAPTCHA. Redeemed challenges are kept in `spent` (`store/spent-tokens.ts`:
 * memory, bounded, or Redis shared by relays), not in the database: redeeming then costs no
 * write on the send path, and a restart forgets nothing that matters, because challenges issued
 * before the start are refused as stale.
 */
export function createProofOfWork(options: {
  key: Buffer;
  now: () => number;
  ttlMs?: number;
  /** Where redeemed challenges are remembered. @default in memory */
  spent?: SpentTokens;
}): ProofOfWork {
  const { key, now } = options;
  const ttlMs = options.ttlMs ?? POW_TTL_MS;
  const startedAt = now();
  const spent = options.spent ?? createMemorySpentTokens({ now });
  const sign = (challenge: string) => crypto.createHmac('sha256', key).update(challenge).digest('hex');

  function issue(projectId: string, maxNumber: number): PowChallenge {
    // Rounded up, so `expires - ttl` is never before the real issue time (the restart check).
    const expires = Math.ceil((now() + ttlMs) / 1000);
    const salt = `${crypto.randomBytes(12).toString('hex')}?expires=${expires}&project=${encodeURIComponent(projectId)}`;
    const number = crypto.randomInt(0, maxNumber + 1);
    const challenge = sha256Hex(salt + number);
    return { algorithm: 'SHA-256', challenge, salt, maxnumber: maxNumber, signature: sign(challenge) };
  }

  async function redeem(projectId: string, token: string): Promise<PowVerdict> {
    const solution = decodeSolution(token);
    if (!solution) return 'invalid';
    const { challenge, number, salt, signature } = solution;
    const expected = Buffer.from(sign(challenge), 'hex');
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return 'invalid';
    if (sha256Hex(salt + number) !== challenge) return 'invalid';
    const params = new URLSearchParams(salt.slice(salt.indexOf('?') + 1));
    if (params.get('project') !== projectId) return 'invalid';
    const expiresMs = Number(params.get('expires')) * 1000;
    const at = now();
    if (!Number.isFinite(expiresMs) || expiresMs <= at || expiresMs - ttlMs < startedAt) return 'stale';
    const spending = await spent.spend(challenge, expiresMs);
    if (spending === 'spent') return 'stale';
    if (spending === 'full') {
      throw new AppError('captcha_unavailable', 'Too many CAPTCHAs are being solved right now; try again shortly.', {
        retryAfter: 5,
      });
    }
    return 'ok';
  }

  return {
    issue,
    redeem,
    async require(projectId, maxNumber, token) {
      const verdict = token === undefined ? 'stale' : await redeem(projectId, token);
      if (verdict === 'ok') return;
      if (verdict === 'invalid') {
        throw new AppError('captcha_failed', 'The CAPTCHA solution is not valid. Solve the challenge the relay sent.', {
          field: 'captchaToken',
        });
      }
      throw new AppError(
        'captcha_required',
        token === undefined
          ? 'This project requires a solved challenge: solve `challenge` and pass the solution as `captchaToken` (the MessageJS client does this by itself).'
          : 'The challenge expired or its solution was used already: solve this new `challenge`.',
        { field: 'captchaToken', detail: { challenge: issue(projectId, maxNumber) } },
      );
    },
  };
}

/** The solution a `captchaToken` carries, or `undefined` when it is not one. Checks no signature. */
function decodeSolution(token: string): Solution | undefined {
  let solution: unknown;
  try {
    solution = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof solution !== 'object' || solution === null) return undefined;
  const { algorithm, challenge, number, salt, signature } = solution as Record<string, unknown>;
  if (algorithm !== 'SHA-256' || typeof challenge !== 'string' || !HEX64.test(challenge)) return undefined;
  if (typeof signature !== 'string' || typeof salt !== 'string' || salt.length > 200) return undefined;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) return undefined;
  return { challenge, number, salt, signature };
}
