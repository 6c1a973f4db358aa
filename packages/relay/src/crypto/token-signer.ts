import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The one algorithm verification tokens are signed with: ECDSA P-256 + SHA-256 (RFC 7518 §3.4). */
export const TOKEN_ALG = 'ES256';

/** A freshly generated signing key pair as JWKs; `kid` is the RFC 7638 thumbprint of the public key. */
export interface GeneratedSigningKey {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

/** Generates an ES256 key pair for signing verification tokens. */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const publicJwk: JWK = { ...pub, kid, alg: TOKEN_ALG, use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALG, use: 'sig' };
  return { kid, publicJwk, privateJwk };
}

/** The claims of a verification token besides `iss`, `aud`, `iat` and `exp`. */
export interface TokenClaims {
  /** The verified address: E.164 for phone channels. */
  sub: string;
  channel: string;
  /** The verify session id. */
  sid: string;
}

/**
 * Signs private JWKs into compact JWTs, importing each key once (by `kid`). Keys are imported
 * lazily, so a key added by `keys rotate-signing` in another process is used as soon as it is read.
 */
export function createTokenSigner() {
  const imported = new Map<string, Promise<CryptoKey>>();
  return {
    async sign(
      key: { kid: string; privateJwk: JWK },
      claims: TokenClaims,
      options: { issuer: string; audience: string; issuedAt: number; ttlSeconds: number },
    ): Promise<string> {
      let privateKey = imported.get(key.kid);
      if (!privateKey) {
        privateKey = importJWK(key.privateJwk, TOKEN_ALG) as Promise<CryptoKey>;
        imported.set(key.kid, privateKey);
        privateKey.catch(() => imported.delete(key.kid));
      }
      const iat = Math.floor(options.issuedAt / 1000);
      return new SignJWT({ channel: claims.channel, sid: claims.sid })
        .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.ttlSeconds)
        .sign(await privateKey);
    },
  };
}
export type TokenSigner = ReturnType<typeof createTokenSigner>;
