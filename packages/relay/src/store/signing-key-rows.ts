import type { AuthSigningKeyRecord, SigningKeyRecord } from './types/index.js';

/**
 * A row of `auth_signing_keys` (the keys that sign access tokens). The same on every backend (the
 * PostgreSQL schema mirrors SQLite's columns and value representations), and so are the rows and
 * mappers below, shared by both.
 */
export interface AuthSigningKeyRow {
  kid: string;
  alg: 'ES256';
  public_jwk: string;
  sealed_private_jwk: string;
  created_at: number;
}

/** A row of `signing_keys` (a project's token-signing keys). */
export interface SigningKeyRow extends AuthSigningKeyRow {
  project_id: string;
}

/** Maps an `auth_signing_keys` row to its record. */
export const toAuthSigningKey = (r: AuthSigningKeyRow): AuthSigningKeyRecord => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
  sealedPrivateJwk: r.sealed_private_jwk,
  createdAt: r.created_at,
});

/** Maps a `signing_keys` row to its record. */
export const toSigningKey = (r: SigningKeyRow): SigningKeyRecord => ({
  kid: r.kid,
  projectId: r.project_id,
  alg: r.alg,
  publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
  sealedPrivateJwk: r.sealed_private_jwk,
  createdAt: r.created_at,
});
