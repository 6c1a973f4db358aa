import { decodeProtectedHeader, errors, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AppError } from '../../domain/app-error.js';
import type { Sealer } from '../../crypto/sealer.js';
import { generateSigningKey, TOKEN_ALG } from '../../crypto/token-signer.js';
import type { AuthSigningKeyRecord, Store } from '../../store/types.js';

/** Access tokens live 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** The audience of access tokens: the relay's admin API, nothing else accepts them. */
export const ACCESS_AUDIENCE = 'messagejs-admin';
/** RFC 9068's type for access tokens: a verification token (typ JWT) is never taken for one. */
const ACCESS_TYP = 'at+jwt';

/** What an access token says: whose session, in which account. */
export interface AccessClaims {
  userId: string;
  memberId: string;
  accountId: string;
  sessionId: string;
}

/** Signs and verifies access tokens (ES256, jose). */
export interface AccessTokens {
  sign(claims: AccessClaims): Promise<string>;
  /** The claims of a valid token; `401 token_expired` past its `exp`, `401 unauthorized` for anything else. */
  verify(token: string): Promise<AccessClaims>;
}

type AccessTokenDeps = { store: Store; sealer: Sealer; now: () => number; issuer: () => string };

/** The current signing key, made and stored sealed when the store has none. */
async function loadCurrentKey(deps: AccessTokenDeps): Promise<{ kid: string; key: CryptoKey }> {
  let record: AuthSigningKeyRecord | null = await deps.store.authSigningKeys.current();
  if (!record) {
    const generated = await generateSigningKey();
    record = await deps.store.authSigningKeys.insertIfNone({
      kid: generated.kid,
      alg: TOKEN_ALG,
      publicJwk: { ...generated.publicJwk },
      sealedPrivateJwk: deps.sealer.seal(generated.privateJwk),
      createdAt: deps.now(),
    });
  }
  const privateJwk = deps.sealer.open<JWK>(record.sealedPrivateJwk);
  return { kid: record.kid, key: (await importJWK(privateJwk, TOKEN_ALG)) as CryptoKey };
}

/** Public keys by kid, imported once per process; an unknown kid is not remembered. */
function publicKeyCache(store: Store): (kid: string) => Promise<CryptoKey | null> {
  const publicKeys = new Map<string, Promise<CryptoKey | null>>();
  return (kid) => {
    let found = publicKeys.get(kid);
    if (!found) {
      found = store.authSigningKeys
        .byKid(kid)
        .then((r) => (r ? (importJWK(r.publicJwk as JWK, TOKEN_ALG) as Promise<CryptoKey>) : null));
      // An unknown kid is not remembered: a key another relay just made must be found later.
      found.then(
        (k) => k ?? publicKeys.delete(kid),
        () => publicKeys.delete(kid),
      );
      publicKeys.set(kid, found);
    }
    return found;
  };
}

/**
 * Access tokens signed with the relay's own ES256 key, made on first use and kept sealed in the
 * store (`auth_signing_keys`), so every relay on the database verifies every other's tokens.
 * Keys are imported once per process; `now` drives both the `iat`/`exp` written and the clock
 * they are checked against.
 */
export function createAccessTokens(deps: AccessTokenDeps): AccessTokens {
  let current: Promise<{ kid: string; key: CryptoKey }> | null = null;
  const publicKey = publicKeyCache(deps.store);

  const invalid = () => new AppError('unauthorized', 'Invalid access token: sign in again.');

  return {
    async sign(claims) {
      if (!current) {
        current = loadCurrentKey(deps);
        current.catch(() => (current = null));
      }
      const { kid, key } = await current;
      const iat = Math.floor(deps.now() / 1000);
      return new SignJWT({ sid: claims.sessionId, mid: claims.memberId, acc: claims.accountId })
        .setProtectedHeader({ alg: TOKEN_ALG, kid, typ: ACCESS_TYP })
        .setIssuer(deps.issuer())
        .setAudience(ACCESS_AUDIENCE)
        .setSubject(claims.userId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
        .sign(key);
    },
    async verify(token) {
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw invalid();
      }
      const key = kid ? await publicKey(kid) : null;
      if (!key) throw invalid();
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [TOKEN_ALG],
          issuer: deps.issuer(),
          audience: ACCESS_AUDIENCE,
          typ: ACCESS_TYP,
          requiredClaims: ['sub', 'sid', 'mid', 'acc', 'exp', 'iat'],
          currentDate: new Date(deps.now()),
        });
        const { sub, sid, mid, acc } = payload as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof mid !== 'string' || typeof acc !== 'string') {
          throw invalid();
        }
        return { userId: sub, sessionId: sid, memberId: mid, accountId: acc };
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          throw new AppError('token_expired', 'The access token expired: refresh it (POST /v1/auth/refresh).');
        }
        throw invalid();
      }
    },
  };
}
