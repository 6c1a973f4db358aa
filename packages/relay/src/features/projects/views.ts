import type { ApiKeyView, Project as ProjectView } from '@messagejs/shared-types';
import type { ApiKey, Project } from '../../store/types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

/** A project as admin answers show it; dates as ISO 8601. */
export function projectView(p: Project): ProjectView {
  return {
    id: p.id,
    name: p.name,
    accountId: p.accountId,
    allowedOrigins: p.allowedOrigins,
    allowedCountries: p.allowedCountries,
    defaultCountry: p.defaultCountry,
    allowedNumberTypes: p.allowedNumberTypes,
    development: p.development,
    limits: { ...p.limits },
    createdAt: iso(p.createdAt),
  };
}

/** A key's state at `now`. */
export function keyStatus(k: ApiKey, now: number): ApiKeyView['status'] {
  if (k.revokedAt !== null) return 'revoked';
  return k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active';
}

/** A key as admin answers show it: its prefix, never the key; dates as ISO 8601. */
export function keyView(k: ApiKey, now = Date.now()): ApiKeyView {
  return {
    id: k.id,
    projectId: k.projectId,
    kind: k.kind,
    prefix: `${k.prefix}…`,
    name: k.name,
    status: keyStatus(k, now),
    createdAt: iso(k.createdAt),
    expiresAt: isoOrNull(k.expiresAt),
    revokedAt: isoOrNull(k.revokedAt),
    lastUsedAt: isoOrNull(k.lastUsedAt),
    rateLimit: k.rateLimit ? { ...k.rateLimit } : null,
    replacedBy: k.replacedBy ?? null,
  };
}
