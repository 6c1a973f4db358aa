import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DAYS = 'must be a whole number of days from 1 to 36500, or unset to keep everything';
/** A number of days to keep data (1 to 36500); unset or empty keeps it forever. */
const retentionDays = z
  .string()
  .trim()
  .regex(/^(\d{1,5})?$/, DAYS)
  .transform((v) => (v === '' ? null : Number(v)))
  .refine((v) => v === null || (v >= 1 && v <= 36_500), DAYS)
  .optional();

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
    HOST: z.string().min(1).default('0.0.0.0'),
    MESSAGEJS_DATA_DIR: z.string().min(1).default('./.messagejs'),
    MESSAGEJS_MASTER_KEY: z
      .string()
      .refine((v) => decodeKey(v) !== null, 'must be 32 bytes, as 64 hex characters or base64')
      .optional(),
    MESSAGEJS_OLD_MASTER_KEYS: z
      .string()
      .refine(
        (v) => v.split(',').every((k) => decodeKey(k.trim()) !== null),
        'must be comma-separated 32-byte keys (hex or base64)',
      )
      .optional(),
    MESSAGEJS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    MESSAGEJS_WORKER: z.enum(['on', 'off']).default('on'),
    MESSAGEJS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    MESSAGEJS_IMPORT_MAX_MB: z.coerce.number().int().min(1).max(4096).default(256),
    MESSAGEJS_CONNECTOR_BASE_URLS: z
      .string()
      .refine((v) => {
        try {
          const parsed: unknown = JSON.parse(v);
          return (
            typeof parsed === 'object' &&
            parsed !== null &&
            Object.values(parsed).every((u) => typeof u === 'string' && /^https?:\/\//.test(u))
          );
        } catch {
          return false;
        }
      }, 'must be a JSON object of connector type → base URL, e.g. {"twilio":"https://api.twilio.example"}')
      .optional(),
    MESSAGEJS_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    MESSAGEJS_TRUST_PROXY: z.string().default('loopback'),
    MESSAGEJS_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    MESSAGEJS_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
    MESSAGEJS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    MESSAGEJS_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    MESSAGEJS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(4096),
    MESSAGEJS_SIGNUP: z.enum(['off', 'invite', 'open']).default('off'),
    // PostgreSQL (issue 13): many relays and workers on one database.
    MESSAGEJS_DATABASE_URL: z
      .string()
      .refine(
        isPostgresUrl,
        'must be a postgres:// or postgresql:// URL, e.g. postgres://messagejs:password@db.example:5432/messagejs',
      )
      .optional(),
    MESSAGEJS_DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
    // Redis (issue 13): limits, in-flight idempotency locks and cache invalidation shared by relays.
    MESSAGEJS_REDIS_URL: z
      .url({ protocol: /^rediss?$/ })
      .refine((v) => URL.canParse(v) && new URL(v).hostname !== '', 'must name a host, e.g. redis://127.0.0.1:6379')
      .optional(),
    // Retention (issue 14): days data is kept; unset keeps it forever.
    MESSAGEJS_RETENTION_DAYS: retentionDays,
    MESSAGEJS_AUDIT_RETENTION_DAYS: retentionDays,
    MESSAGEJS_EVENT_RETENTION_DAYS: retentionDays,
    MESSAGEJS_REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\x21-\x7e]{1,64}$/, 'must be 1 to 64 printable ASCII characters without spaces, e.g. messagejs:')
      .default('messagejs:'),
    // Metrics (issue 14): never public by default.
    MESSAGEJS_METRICS_TOKEN: z
      .string()
      .regex(/^[\x21-\x7e]{16,512}$/, 'must be 16 to 512 printable ASCII characters without spaces')
      .optional(),
    MESSAGEJS_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    MESSAGEJS_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    // Webhooks (issue 15): targets the relay may post to although they are private.
    MESSAGEJS_ALLOW_PRIVATE_TARGETS: z
      .string()
      .refine(
        (v) => v.split(',').every((entry) => isTargetEntry(entry.trim())),
        'must be comma-separated host names, IP addresses or CIDR ranges, e.g. localhost,10.0.0.0/8',
      )
      .optional(),
    MESSAGEJS_ALLOW_HTTP_WEBHOOKS: z.enum(['on', 'off']).default('off'),
  })
  .refine((e) => e.MESSAGEJS_HEADERS_TIMEOUT_MS <= e.MESSAGEJS_REQUEST_TIMEOUT_MS, {
    path: ['MESSAGEJS_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed MESSAGEJS_REQUEST_TIMEOUT_MS (the headers are part of the request)',
  });

/** The relay's typed, frozen configuration. Built from the environment by `loadConfig`. */
export interface RelayConfig {
  /** TCP port `start` listens on. @default 8787 */
  port: number;
  /** Interface `start` binds. @default '0.0.0.0' */
  host: string;
  /** Data directory holding the SQLite database and the master key file. @default './.messagejs' */
  dataDir: string;
  /** The AES-256-GCM master key for sealing credentials; when absent, a key file in `dataDir` is used or created. */
  masterKey: Buffer | null;
  /** Previous master keys, still accepted for opening sealed credentials during a rotation. */
  oldMasterKeys: Buffer[];
  /** The relay's public URL (provider status callbacks, token issuer). */
  publicUrl: string | null;
  /** pino log level. @default 'info' */
  logLevel: (typeof logLevels)[number];
  /** Whether this process runs the outbox worker. @default true */
  worker: boolean;
  /** How many messages the worker delivers at once. @default 32 */
  workerConcurrency: number;
  /** The largest contacts CSV file an import takes, in MB (`MESSAGEJS_IMPORT_MAX_MB`). @default 256 */
  importMaxMb: number;
  /** Provider API base URLs by connector type (regional endpoints, proxies, local fakes in tests). */
  connectorBaseUrls: Record<string, string>;
  /** How long a worker holds a claimed message; after a crash it is delivered again once this passes. @default 30000 */
  leaseMs: number;
  /** Express `trust proxy` setting used to find the client IP. @default 'loopback' */
  trustProxy: string;
  /** Connection limits and timeouts of the HTTP server `listen` starts. */
  http: HttpServerLimits;
  /**
   * Who may create an account by themselves (`MESSAGEJS_SIGNUP`): `off` and `invite` close
   * `POST /v1/auth/register` (people join through invites); `open` lets anyone make an account. @default 'off'
   */
  signup: 'off' | 'invite' | 'open';
  /**
   * The PostgreSQL database every relay and worker of an installation shares
   * (`MESSAGEJS_DATABASE_URL`, `postgres://user:password@host:5432/db`); null keeps the SQLite
   * database in `dataDir`. Several processes on one database must share `MESSAGEJS_MASTER_KEY`.
   * @default null
   * @example 'postgres://messagejs:secret@127.0.0.1:5432/messagejs'
   */
  databaseUrl: string | null;
  /** Connections this process keeps to PostgreSQL at most (`MESSAGEJS_DATABASE_POOL_MAX`). @default 10 */
  databasePoolMax: number;
  /**
   * How long one PostgreSQL statement may run, and a transaction stay idle, before the server
   * cancels it (`MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS`; `statement_timeout` and
   * `idle_in_transaction_session_timeout` of the pool's connections); 0 for no limit. A request
   * whose statement is cancelled answers `503 store_unavailable`. Migrations run without it.
   * @default 10000
   */
  databaseStatementTimeoutMs: number;
  /**
   * Redis, when several relays share one (`MESSAGEJS_REDIS_URL`, `redis://` or `rediss://` for
   * TLS, with the database as its path: `redis://:password@host:6379/0`): rate-limit counters,
   * in-flight idempotency locks, spent proof-of-work challenges, the login throttle and cache
   * invalidation. `null`: all of them in this process's memory. @default null
   * @example 'redis://127.0.0.1:6379'
   */
  redisUrl: string | null;
  /**
   * Starts every key the relay keeps in Redis and its invalidation channel
   * (`MESSAGEJS_REDIS_KEY_PREFIX`): installations sharing one Redis (pub/sub channels are not
   * per database) each need their own. @default 'messagejs:'
   */
  redisKeyPrefix: string;
  /**
   * Days messages (with their attempts) and verification sessions are kept
   * (`MESSAGEJS_RETENTION_DAYS`): the worker's hourly housekeeping blanks older messages' bodies,
   * then deletes them, in small batches; messages still in the outbox stay. Null keeps
   * everything. @default null
   */
  retentionDays: number | null;
  /** Days audit entries are kept (`MESSAGEJS_AUDIT_RETENTION_DAYS`); null keeps them all. @default null */
  auditRetentionDays: number | null;
  /**
   * Days the event log is kept with its webhook deliveries and their attempts
   * (`MESSAGEJS_EVENT_RETENTION_DAYS`; empty keeps it all). Events still to be delivered stay.
   * @default 30
   */
  eventRetentionDays: number | null;
  /** Where and to whom `GET /metrics` (Prometheus text format) is served; off unless a token or a port is set. */
  metrics: MetricsConfig;
  /** What webhook URLs (endpoints, a message's `callbackUrl`) may point at. */
  webhooks: WebhookTargetsConfig;
}

/**
 * Webhook targets. By default the relay posts only to `https` URLs on public addresses: never to
 * loopback, private, link-local (cloud metadata), CGNAT or other reserved addresses, checked on the
 * address it connects to.
 */
export interface WebhookTargetsConfig {
  /**
   * Host names, addresses and CIDR ranges the relay may post to although they are private
   * (`MESSAGEJS_ALLOW_PRIVATE_TARGETS`, comma-separated: `localhost,10.0.0.0/8`); an app on the
   * relay's own network. @default null
   */
  allowPrivateTargets: string | null;
  /** Plain `http://` URLs are taken too (`MESSAGEJS_ALLOW_HTTP_WEBHOOKS=on`): for development only. @default false */
  allowHttp: boolean;
}

/**
 * `GET /metrics`. Never public by default: with neither a token nor a port, `/metrics` answers 404
 * and the relay counts nothing.
 */
export interface MetricsConfig {
  /**
   * The bearer token a scraper sends (`MESSAGEJS_METRICS_TOKEN`, at least 16 characters): the
   * relay's own port then serves `/metrics` to it (`401 unauthorized` without it, compared in
   * constant time), and so does the metrics port when there is one. @default null
   */
  token: string | null;
  /**
   * A port of its own for `/metrics` (`MESSAGEJS_METRICS_PORT`; 0 picks a free one), served by a
   * small listener on `host` that answers nothing else: keep it off the public network. @default null
   */
  port: number | null;
  /** The interface the metrics port binds (`MESSAGEJS_METRICS_HOST`). @default '127.0.0.1' */
  host: string;
}

/** How long a client may keep a connection, and how many it may hold: slow or silent clients must not hold sockets. */
export interface HttpServerLimits {
  /** A connection that sends nothing for this long before its first request is closed (`MESSAGEJS_IDLE_TIMEOUT_MS`). @default 10000 */
  idleTimeoutMs: number;
  /** A request's headers must arrive within this long, or the answer is 408 (`MESSAGEJS_HEADERS_TIMEOUT_MS`). @default 15000 */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this long, or the answer is 408 (`MESSAGEJS_REQUEST_TIMEOUT_MS`). @default 30000 */
  requestTimeoutMs: number;
  /** A kept-alive connection idle this long between requests is closed (`MESSAGEJS_KEEP_ALIVE_TIMEOUT_MS`; Node 20 waits 1 s more, so a client reusing it at the advertised limit is not cut). @default 5000 */
  keepAliveTimeoutMs: number;
  /** Connections open at once; further ones are closed on arrival (`MESSAGEJS_MAX_CONNECTIONS`). @default 4096 */
  maxConnections: number;
}

/** Thrown once by `loadConfig`, listing every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid relay configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Decodes a 32-byte key given as 64 hex characters or base64/base64url; null when it is not one. */
export function decodeKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const buf = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return buf.length === 32 ? buf : null;
  }
  return null;
}

/** One entry of `MESSAGEJS_ALLOW_PRIVATE_TARGETS`: a host name, an IP address or a CIDR range. */
function isTargetEntry(entry: string): boolean {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return (
    ipaddr.isValid(entry) ||
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)
  );
}

/** True for a `postgres://` or `postgresql://` URL with a host. */
function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Reads the environment — the only place the relay does — and returns a frozen config, or throws
 * one `ConfigError` naming every bad variable.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RelayConfig> = {},
): Readonly<RelayConfig> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.MESSAGEJS_DATA_DIR),
    masterKey: e.MESSAGEJS_MASTER_KEY ? decodeKey(e.MESSAGEJS_MASTER_KEY) : null,
    oldMasterKeys: e.MESSAGEJS_OLD_MASTER_KEYS
      ? e.MESSAGEJS_OLD_MASTER_KEYS.split(',').map((k) => decodeKey(k.trim()) as Buffer)
      : [],
    publicUrl: e.MESSAGEJS_PUBLIC_URL ? e.MESSAGEJS_PUBLIC_URL.replace(/\/+$/, '') : null,
    logLevel: e.LOG_LEVEL,
    worker: e.MESSAGEJS_WORKER === 'on',
    workerConcurrency: e.MESSAGEJS_WORKER_CONCURRENCY,
    importMaxMb: e.MESSAGEJS_IMPORT_MAX_MB,
    leaseMs: e.MESSAGEJS_LEASE_MS,
    connectorBaseUrls: e.MESSAGEJS_CONNECTOR_BASE_URLS
      ? (JSON.parse(e.MESSAGEJS_CONNECTOR_BASE_URLS) as Record<string, string>)
      : {},
    trustProxy: e.MESSAGEJS_TRUST_PROXY,
    http: Object.freeze({
      idleTimeoutMs: e.MESSAGEJS_IDLE_TIMEOUT_MS,
      headersTimeoutMs: e.MESSAGEJS_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.MESSAGEJS_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.MESSAGEJS_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.MESSAGEJS_MAX_CONNECTIONS,
    }),
    signup: e.MESSAGEJS_SIGNUP,
    databaseUrl: e.MESSAGEJS_DATABASE_URL ?? null,
    databasePoolMax: e.MESSAGEJS_DATABASE_POOL_MAX,
    databaseStatementTimeoutMs: e.MESSAGEJS_DATABASE_STATEMENT_TIMEOUT_MS,
    redisUrl: e.MESSAGEJS_REDIS_URL ?? null,
    redisKeyPrefix: e.MESSAGEJS_REDIS_KEY_PREFIX,
    retentionDays: e.MESSAGEJS_RETENTION_DAYS ?? null,
    auditRetentionDays: e.MESSAGEJS_AUDIT_RETENTION_DAYS ?? null,
    eventRetentionDays: e.MESSAGEJS_EVENT_RETENTION_DAYS === undefined ? 30 : e.MESSAGEJS_EVENT_RETENTION_DAYS,
    metrics: Object.freeze({
      token: e.MESSAGEJS_METRICS_TOKEN ?? null,
      port: e.MESSAGEJS_METRICS_PORT ?? null,
      host: e.MESSAGEJS_METRICS_HOST,
    }),
    webhooks: Object.freeze({
      allowPrivateTargets: e.MESSAGEJS_ALLOW_PRIVATE_TARGETS ?? null,
      allowHttp: e.MESSAGEJS_ALLOW_HTTP_WEBHOOKS === 'on',
    }),
    ...overrides,
  });
}
