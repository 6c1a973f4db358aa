import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sha256Hex } from './tokens.js';

/**
 * Seals and opens connector credentials with AES-256-GCM. A sealed value is
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so it names the key it was sealed
 * with and old keys can keep opening values during a rotation.
 */
export interface Sealer {
  /** The id of the key new values are sealed with. */
  readonly keyId: string;
  seal(value: unknown): string;
  open<T = unknown>(sealed: string): T;
  /** The key id a sealed value names. */
  keyIdOf(sealed: string): string;
}

/** A key's id: the first 12 hex characters of its SHA-256, so it can be derived, never stored. */
export function masterKeyId(key: Buffer): string {
  return sha256Hex(key).slice(0, 12);
}

/** Builds a sealer from the current master key and any previous ones. */
export function createSealer(current: Buffer, previous: Buffer[] = []): Sealer {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) keys.set(masterKeyId(key), key);
  const keyId = masterKeyId(current);
  return {
    keyId,
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      // The key id is authenticated as additional data, so a value cannot be relabelled.
      cipher.setAAD(Buffer.from(keyId));
      const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return [
        'v1',
        keyId,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        ct.toString('base64url'),
      ].join('.');
    },
    open<T>(sealed: string): T {
      const [version, kid, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || !kid || !iv || !tag || ct === undefined) throw new Error('Not a sealed value');
      const key = keys.get(kid);
      if (!key) throw new Error(`Sealed with master key ${kid}, which this relay does not have`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(kid));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    },
    keyIdOf(sealed) {
      return sealed.split('.')[1] ?? '';
    },
  };
}
