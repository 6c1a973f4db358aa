import crypto from 'node:crypto';
import { AppError } from '../domain/app-error.js';

/** Where a page ends (the store's `PagePosition`): its last item's sort key and id. */
interface PagePosition {
  key: string | number;
  id: string;
}

/** The key history cursors are HMACs under, derived from the master key like the CSRF and code keys. */
export function deriveCursorKey(masterKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', masterKey, 'messagejs-relay', 'messagejs history cursor', 32));
}

const MAC_BYTES = 16;

const mac = (key: Buffer, scope: string, payload: string) =>
  crypto.createHmac('sha256', key).update(scope).update('\u0000').update(payload).digest().subarray(0, MAC_BYTES);

/**
 * A signed cursor: base64url of `[key, id]`, a dot, and an HMAC of it bound to `scope` (the
 * project). A cursor changed by one bit, made up, or handed out for another project fails
 * `readSignedCursor`, so a caller cannot walk pages it was never given a start of.
 */
export function signCursor(key: Buffer, scope: string, position: PagePosition): string {
  const payload = Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
  return `${payload}.${mac(key, scope, payload).toString('base64url')}`;
}

/** The position a cursor from `signCursor` names; `400 invalid_cursor` for anything else. */
export function readSignedCursor(key: Buffer, scope: string, cursor: string): PagePosition {
  const invalid = () =>
    new AppError(
      'invalid_cursor',
      '`cursor` is not one this relay handed out for this project: pass `nextCursor` as it is.',
      {
        field: 'cursor',
      },
    );
  const match = /^([A-Za-z0-9_-]{1,300})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match) throw invalid();
  const [, payload, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== MAC_BYTES || !crypto.timingSafeEqual(given, mac(key, scope, payload))) throw invalid();
  const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (!Array.isArray(value) || value.length !== 2) throw invalid();
  const [at, id] = value as unknown[];
  if ((typeof at !== 'number' && typeof at !== 'string') || typeof id !== 'string') throw invalid();
  return { key: at, id };
}
