/** A key pair that signs access tokens; the private JWK is sealed. */
export interface AuthSigningKeyRecord {
  kid: string;
  alg: 'ES256';
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  createdAt: number;
}

/** The access tokens' signing keys (newest is current). */
export interface AuthSigningKeysRepo {
  current(): Promise<AuthSigningKeyRecord | null>;
  byKid(kid: string): Promise<AuthSigningKeyRecord | null>;
  /** Stores `key` unless a key exists; returns the current key. */
  insertIfNone(key: AuthSigningKeyRecord): Promise<AuthSigningKeyRecord>;
}
