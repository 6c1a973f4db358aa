import {
  createKeyRequestSchema,
  rotateKeyRequestSchema,
  updateKeyRequestSchema,
  type ApiKeyView,
  type CreateKeyRequest,
} from '@messagejs/shared-types';
import type { ApiKey, KeyRateLimit, Page, PageRequest, Store } from '../../store/types.js';
import { keyPrefix, newApiKey, newId, sha256Hex } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { systemPrincipal, type Principal } from '../../domain/principal.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from './require-project.js';
import { keyStatus, keyView } from './views.js';

/**
 * Project keys: create (shown once), list with last-used times, read, rename or limit, revoke,
 * rotate. Shared by the CLI and the admin API; every key route needs `manage_keys`.
 */

/** How long a rotated key keeps working unless the rotation says otherwise: a day. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

const keyNotFound = (id: string) =>
  new AppError('key_not_found', `No key ${id.slice(0, 100)} in this project.`, { field: 'keyId' });

/** The key, after the project (404) and `manage_keys` (403) checks; with no project (the CLI), any key. */
async function keyFor(store: Store, projectId: string | null, keyId: string, principal: Principal): Promise<ApiKey> {
  if (projectId !== null) await projectFor(store, projectId, 'manage_keys', principal);
  else if (principal.kind !== 'cli' && principal.kind !== 'system') throw keyNotFound(keyId);
  const key = await store.keys.get(projectId, keyId);
  if (!key) throw keyNotFound(keyId);
  return key;
}

/** A new key record and its secret; stored by the caller. */
function mintKey(
  projectId: string,
  input: { kind: ApiKey['kind']; name: string | null; expiresAt: number | null; rateLimit: KeyRateLimit | null },
  now: number,
): { key: ApiKey; secret: string } {
  const secret = newApiKey(input.kind);
  const key: ApiKey = {
    id: newId('key'),
    projectId,
    kind: input.kind,
    prefix: keyPrefix(secret),
    name: input.name,
    createdAt: now,
    expiresAt: input.expiresAt,
    revokedAt: null,
    rateLimit: input.rateLimit,
    lastUsedAt: null,
    replacedBy: null,
  };
  return { key, secret };
}

/** Creates a key and returns it in full — the only time it is ever shown. */
export async function createKey(
  store: Store,
  input: {
    projectId: string;
    kind: 'public' | 'secret';
    name?: string | null;
    expiresAt?: number | null;
    rateLimit?: KeyRateLimit | null;
  },
  now: number,
  actor: Actor = systemActor,
): Promise<{ key: ApiKey; secret: string }> {
  const project = await projectFor(store, input.projectId, 'manage_keys', actor.principal);
  if (input.expiresAt != null && input.expiresAt <= now) {
    throw new AppError('validation_failed', '`expiresAt` must be in the future.', { field: 'expiresAt' });
  }
  const minted = mintKey(
    project.id,
    {
      kind: input.kind,
      name: input.name ?? null,
      expiresAt: input.expiresAt ?? null,
      rateLimit: input.rateLimit ?? null,
    },
    now,
  );
  await store.transaction(async (tx) => {
    await tx.keys.create(minted.key, sha256Hex(minted.secret));
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'key.create',
      resource: { type: 'key', id: minted.key.id },
      after: keyView(minted.key, now),
      at: now,
    });
  });
  return minted;
}

/** `POST /v1/projects/:projectId/keys`: the body as the API takes it. */
export async function createKeyFromRequest(store: Store, projectId: string, body: unknown, now: number, actor: Actor) {
  await projectFor(store, projectId, 'manage_keys', actor.principal);
  const parsed = createKeyRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input: CreateKeyRequest = parsed.data;
  const { key, secret } = await createKey(
    store,
    {
      projectId,
      kind: input.kind,
      name: input.name ?? null,
      expiresAt: input.expiresAt ? Date.parse(input.expiresAt) : null,
      rateLimit: input.rateLimit ?? null,
    },
    now,
    actor,
  );
  return { key: secret, apiKey: keyView(key, now) };
}

/** The project's keys, newest first, prefixes only, with their last-used times (precise to 30 s). */
export async function pageKeys(
  store: Store,
  projectId: string,
  page: PageRequest,
  principal: Principal = systemPrincipal,
): Promise<Page<ApiKey>> {
  await projectFor(store, projectId, 'manage_keys', principal);
  return store.keys.page(projectId, page);
}

/** Every key of the project (`keys list`), oldest first; `project_not_found` for an unknown project. */
export async function listKeys(
  store: Store,
  projectId: string,
  principal: Principal = systemPrincipal,
  now = Date.now(),
): Promise<ApiKeyView[]> {
  await projectFor(store, projectId, 'manage_keys', principal);
  return (await store.keys.list(projectId)).map((k) => keyView(k, now));
}

/** `GET …/keys/:keyId`. */
export async function getKey(store: Store, projectId: string, keyId: string, principal: Principal, now: number) {
  return keyView(await keyFor(store, projectId, keyId, principal), now);
}

/** `PATCH …/keys/:keyId`: its name, or its own rate limit (null: back to the project's per-key limit). */
export async function updateKey(
  store: Store,
  ids: { projectId: string; keyId: string },
  body: unknown,
  now: number,
  actor: Actor,
): Promise<ApiKeyView> {
  const key = await keyFor(store, ids.projectId, ids.keyId, actor.principal);
  const parsed = updateKeyRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  return store.transaction(async (tx) => {
    await tx.keys.update(key.id, parsed.data);
    const after = (await tx.keys.get(ids.projectId, key.id))!;
    await recordChange(tx, actor, {
      projectId: key.projectId,
      action: 'key.update',
      resource: { type: 'key', id: key.id },
      before: keyView(key, now),
      after: keyView(after, now),
      at: now,
    });
    return keyView(after, now);
  });
}

/**
 * Revokes a key at once (running relays refuse it within their cache's few seconds). With no
 * project (`keys revoke KEY_ID` at the command line), the key of any project.
 * `key_not_found` when there is no active key with that id.
 */
export async function revokeKey(
  store: Store,
  projectId: string | null,
  keyId: string,
  now: number,
  actor: Actor = systemActor,
): Promise<ApiKeyView> {
  const key = await keyFor(store, projectId, keyId, actor.principal);
  if (key.revokedAt !== null) throw new AppError('key_not_found', `Key ${key.id} is already revoked.`);
  return store.transaction(async (tx) => {
    await tx.keys.revoke(key.id, now);
    const after = (await tx.keys.get(key.projectId, key.id))!;
    await recordChange(tx, actor, {
      projectId: key.projectId,
      action: 'key.revoke',
      resource: { type: 'key', id: key.id },
      before: keyView(key, now),
      after: keyView(after, now),
      at: now,
    });
    return keyView(after, now);
  });
}

/**
 * Rotates a key: a new key of the same kind, name and rate limit (shown once), while the old one
 * keeps working for `graceSeconds` (default a day; 0 ends it now) and names its successor. A
 * revoked, expired or already rotated key is not rotated again.
 */
export async function rotateKey(
  store: Store,
  ids: { projectId: string | null; keyId: string },
  body: unknown,
  now: number,
  actor: Actor,
) {
  const old = await keyFor(store, ids.projectId, ids.keyId, actor.principal);
  const parsed = rotateKeyRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw toValidationError(parsed.error);
  if (keyStatus(old, now) !== 'active') throw new AppError('key_not_found', `Key ${old.id} is not active.`);
  if (old.replacedBy) {
    throw new AppError('already_exists', `Key ${old.id} was already rotated: its successor is ${old.replacedBy}.`);
  }
  const grace = parsed.data.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
  const next = mintKey(old.projectId, { ...old, expiresAt: null, rateLimit: old.rateLimit ?? null }, now);
  return store.transaction(async (tx) => {
    await tx.keys.create(next.key, sha256Hex(next.secret));
    await tx.keys.retire(old.id, { expiresAt: now + grace * 1000, replacedBy: next.key.id });
    const previous = keyView((await tx.keys.get(old.projectId, old.id))!, now);
    await recordChange(tx, actor, {
      projectId: old.projectId,
      action: 'key.rotate',
      resource: { type: 'key', id: old.id },
      before: keyView(old, now),
      after: { previous, next: keyView(next.key, now) },
      at: now,
    });
    return { key: next.secret, apiKey: keyView(next.key, now), previous };
  });
}
