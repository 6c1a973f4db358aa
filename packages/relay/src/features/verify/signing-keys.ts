import type { JWK } from 'jose';
import type { SigningKeyRecord, Store } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import { generateSigningKey, TOKEN_ALG } from '../../crypto/token-signer.js';
import { projectFor, requireProject } from '../projects/require-project.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';

/**
 * How many keys a project's JWKS lists: the current one and the one before it, so tokens signed
 * just before a rotation still verify until they expire. Older keys are deleted.
 */
export const PUBLISHED_SIGNING_KEYS = 2;

async function newRecord(sealer: Sealer, projectId: string, now: number): Promise<SigningKeyRecord> {
  const key = await generateSigningKey();
  return {
    kid: key.kid,
    projectId,
    alg: TOKEN_ALG,
    publicJwk: { ...key.publicJwk },
    sealedPrivateJwk: sealer.seal(key.privateJwk),
    createdAt: now,
  };
}

/**
 * The project's current token-signing key, created on first use. New projects get theirs at
 * creation; projects made before verification existed get one here, lazily.
 */
export async function ensureSigningKey(
  store: Store,
  sealer: Sealer,
  projectId: string,
  now: number,
): Promise<SigningKeyRecord> {
  const [current] = await store.signingKeys.latest(projectId, 1);
  if (current) return current;
  return store.signingKeys.insertIfNone(await newRecord(sealer, projectId, now));
}

/**
 * `messagejs-relay keys rotate-signing`: a new key signs every token from now on; the previous
 * one stays in the JWKS for tokens in flight, and any older one is dropped.
 */
export async function rotateSigningKey(
  store: Store,
  sealer: Sealer,
  projectId: string,
  now: number,
  actor: Actor = systemActor,
): Promise<{ kid: string; published: string[] }> {
  await projectFor(store, projectId, 'manage_keys', actor.principal);
  const record = await newRecord(sealer, projectId, now);
  await store.signingKeys.rotate(record, PUBLISHED_SIGNING_KEYS);
  await recordChange(store, actor, {
    projectId,
    action: 'signing_key.rotate',
    resource: { type: 'signing_key', id: record.kid },
    after: { kid: record.kid },
    at: now,
  });
  return {
    kid: record.kid,
    published: (await store.signingKeys.latest(projectId, PUBLISHED_SIGNING_KEYS)).map((k) => k.kid),
  };
}

/** The project's public keys as a JWK Set (RFC 7517 §5), current key first. */
export async function projectJwks(
  store: Store,
  sealer: Sealer,
  projectId: string,
  now: number,
): Promise<{ keys: JWK[] }> {
  await requireProject(store, projectId);
  await ensureSigningKey(store, sealer, projectId, now);
  const keys = await store.signingKeys.latest(projectId, PUBLISHED_SIGNING_KEYS);
  return { keys: keys.map((k) => k.publicJwk as JWK) };
}
