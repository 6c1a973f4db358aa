import type { PowChallenge } from '@messagejs/shared-types';

/**
 * Solves the relay's proof-of-work challenge (the ALTCHA scheme) with `crypto.subtle`, in
 * browsers and Node alike: finds `number` with `hex(SHA-256(salt + number)) === challenge` and
 * resolves with the `captchaToken` to send (the challenge with its `number`, as base64 JSON), or
 * `undefined` when no number up to `maxnumber` fits. Hashes 50 at a time: `crypto.subtle` runs
 * them concurrently, several times faster than one by one.
 */
export async function solveChallenge(c: PowChallenge): Promise<string | undefined> {
  for (let n = 0; n <= c.maxnumber; n += 50) {
    const hashes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(c.salt + (n + i)))),
    );
    const i = hashes.findIndex(
      (h) => [...new Uint8Array(h)].map((b) => (b + 256).toString(16).slice(1)).join('') === c.challenge,
    );
    if (i >= 0) return btoa(JSON.stringify({ ...c, number: n + i }));
  }
}
