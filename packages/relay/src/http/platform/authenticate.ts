import type { ApiRequest, ApiResponse } from './handler.js';
import type { Store } from '../../store/types.js';
import { keyPrincipal, type KeyPrincipal } from '../../domain/principal.js';
import { AppError } from '../../domain/app-error.js';
import { sha256Hex } from '../../crypto/tokens.js';
import { localsOf } from './locals.js';
import { allowOrigin } from './origin.js';
import { adminSendPrincipal, type AdminResolver } from './admin-access.js';

const KEY_FORMAT = /^(pk|sk)_[0-9A-Za-z]{43}$/;

/** A small TTL cache of key lookups, so a hot key costs one hash, not one query, per request. */
export function createKeyCache(store: Store, options: { ttlMs: number; now: () => number; maxEntries?: number }) {
  const entries = new Map<string, { value: KeyPrincipal | null; expires: number }>();
  const max = options.maxEntries ?? 10_000;
  return {
    async lookup(hash: string): Promise<KeyPrincipal | null> {
      const hit = entries.get(hash);
      if (hit && hit.expires > options.now()) return hit.value;
      const found = await store.keys.findByHash(hash);
      const value = found && keyPrincipal(found.key, found.project);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(hash, { value, expires: options.now() + options.ttlMs });
      return value;
    },
    /** Forgets everything (after keys or projects change in this process). */
    clear() {
      entries.clear();
    },
  };
}
export type KeyCache = ReturnType<typeof createKeyCache>;

/** What lets an admin credential send: given only to the message routes' access step. */
export interface AdminSendOptions {
  resolve: AdminResolver;
  store: Store;
}

/** An access token (a JWT: `eyJ…`) or an admin token (`mat_…`). */
const ADMIN_CREDENTIAL = /^(mat_|eyJ)/;

/**
 * Pipeline step 1 (docs/architecture.md): `Authorization: Bearer pk_…|sk_…`, looked up by SHA-256 in one indexed query.
 * Unknown, revoked and expired keys all get the same 401. The key's branch comes first and is
 * unchanged: project keys pay nothing for admin credentials. With `admin`, a member's access
 * token or an admin token may stand in for a secret key (`adminSendPrincipal`).
 */
export async function authenticateRequest(
  req: ApiRequest,
  res: ApiResponse,
  options: { cache: KeyCache; now: () => number; admin?: AdminSendOptions },
): Promise<KeyPrincipal> {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const token = match?.[1];
  const fail = (message: string) => {
    // Let the page read the 401 (else it sees only a CORS error): the preflight let any origin
    // through (origin.ts), and the answer says nothing about any project.
    const origin = req.headers.origin;
    if (origin) allowOrigin(res, origin);
    return new AppError('unauthorized', message);
  };
  if (!token) throw fail('Pass your key as `Authorization: Bearer pk_…` (or sk_… from a server).');
  if (!KEY_FORMAT.test(token)) {
    if (options.admin && ADMIN_CREDENTIAL.test(token)) {
      const stand = await adminSendPrincipal(req, token, options.admin);
      localsOf(res).principal = stand;
      return stand;
    }
    throw fail('That is not a MessageJS key.');
  }
  const caller = await options.cache.lookup(sha256Hex(token));
  const now = options.now();
  if (!caller || caller.key.revokedAt !== null || (caller.key.expiresAt !== null && caller.key.expiresAt <= now)) {
    throw fail('Unknown, revoked or expired key.');
  }
  localsOf(res).principal = caller;
  return caller;
}
