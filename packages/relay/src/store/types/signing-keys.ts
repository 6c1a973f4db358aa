/** A project's token-signing key pair; the private JWK is sealed. */
export interface SigningKeyRecord {
  kid: string;
  projectId: string;
  alg: 'ES256';
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  createdAt: number;
}

/** The projects' token-signing keys (newest is current). */
export interface SigningKeysRepo {
  /** The project's newest keys, newest first. */
  latest(projectId: string, limit: number): Promise<SigningKeyRecord[]>;
  /** Stores `key` unless the project already has a key; returns the project's current key. */
  insertIfNone(key: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** Makes `key` the current one and deletes all but the `keep` newest keys of the project. */
  rotate(key: SigningKeyRecord, keep: number): Promise<void>;
}
