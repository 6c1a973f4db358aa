/**
 * A random UUID v4 for the `Idempotency-Key` header.
 *
 * `crypto.randomUUID` exists only in secure contexts (https, localhost), while
 * `crypto.getRandomValues` exists everywhere (https://w3c.github.io/webcrypto/#crypto-interface),
 * so a page served over plain http still gets an unguessable key: each `0` and `1` of the pattern
 * becomes a random hex digit, the `8` one of 8–b (the RFC 9562 variant), and the `4` stays the
 * version. Short, because every byte here is in the bundle a page loads.
 */
export function createIdempotencyKey(): string {
  const crypto = globalThis.crypto;
  return (
    crypto.randomUUID?.() ??
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
    )
  );
}
