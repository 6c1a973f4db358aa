/** A key's own request limits (the design's per-key `rate_limit`); either window may be left out. */
export interface KeyRateLimit {
  /** Requests per hour; replaces the project's `perKeyPerHour` for this key. */
  perHour?: number;
  /** Requests per minute, on top of the hourly limit. */
  perMinute?: number;
}

/** A project key (`pk_…` public, `sk_…` secret); stored only as its hash and prefix. */
export interface ApiKey {
  id: string;
  projectId: string;
  kind: 'public' | 'secret';
  prefix: string;
  name: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Null: the project's per-key limit applies. */
  rateLimit?: KeyRateLimit | null;
  /** When the key last authenticated a request, precise to the toucher's flush interval (30 s). */
  lastUsedAt?: number | null;
  /** The key that replaced this one when it was rotated. */
  replacedBy?: string | null;
}
