import type http from 'node:http';
import type { Express } from 'express';
import type { DestinationStream, Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import type { RateLimitStore } from '../store/rate-limits.js';
import type { RedisSharedOptions } from '../store/redis/index.js';
import type { Sealer } from '../crypto/sealer.js';
import type { ScryptCost } from '../crypto/password.js';
import type { Worker, WorkerTuning } from '../jobs/worker.js';
import type { CaptchaProvider } from '../features/verify/verify-captcha.js';
import type { DemoCredentials } from '../features/demo/demo.js';
import type { ImportRunner } from '../features/contacts/import/runner.js';
import type { EventStreamTuning } from '../features/webhooks/event-stream.js';
import type { Route } from '../http/platform/route.js';

/** What tests and embedders may inject besides the config. */
export interface RelayDeps {
  /** The clock, in ms since epoch. @default Date.now */
  now?: () => number;
  /** Where logs go (tests capture them). @default stdout */
  logDestination?: DestinationStream;
  /** Where the console connector prints. @default stdout */
  consoleWrite?: (text: string) => void;
  /** Provider API base URLs by connector type (tests point them at local servers). */
  connectorBaseUrls?: Record<string, string>;
  rateLimitStore?: RateLimitStore; // rate-limit counters (default: in memory)
  /** Worker tuning (backoff, lease, poll, retention's batches). */
  worker?: WorkerTuning;
  /** How long key and origin lookups are cached (`cacheTtlMs`, default 2000), how often keys' last-used times are written (`lastUsedFlushMs`, default 30000). */
  cacheTtlMs?: number;
  lastUsedFlushMs?: number;
  /** CAPTCHA siteverify base URLs by provider (tests point them at a local server). */
  captchaBaseUrls?: Partial<Record<CaptchaProvider, string>>;
  /** The scrypt cost of new password hashes (tests make it cheap). @default { logN: 17, r: 8, p: 1 } */
  passwordHashing?: Partial<ScryptCost>;
  /** With `MESSAGEJS_REDIS_URL`: the key prefix (tests give each run its own), timeouts and probe interval. */
  redis?: Pick<RedisSharedOptions, 'keyPrefix' | 'timeouts' | 'probeMs'>;
  eventStream?: EventStreamTuning; // live event streams' timings (tests shorten them)
}

/** A relay built by `createRelay`: nothing listens until `listen`. */
export interface Relay {
  /** The Express app: every route. */
  app: Express;
  /** Every route the relay mounted, in order, with its `doc`: what `GET /v1/openapi.json` documents. */
  routes(): readonly Route[];
  /** The relay's request listener: each route the fast way when its URL is an exact match, else `app` (`http/platform/router.ts`). Serve this, not `app`. */
  handler: http.RequestListener;
  store: Store;
  worker: Worker | null;
  config: Readonly<RelayConfig>;
  sealer: Sealer;
  logger: Logger;
  /** Contacts' CSV imports running in this process (the CLI's `contacts import` waits on one). */
  imports: ImportRunner;
  /** True when this start created the master key file. */
  masterKeyCreated: boolean;
  /**
   * Creates the demo project when the store has none and returns its keys (shown once), or null.
   * Its public key — public by design, it is meant for page source — is kept in `demo.json` so
   * the demo page at `/` can use it.
   */
  ensureDemo(): Promise<DemoCredentials | null>;
  /**
   * While the relay has no user, a new one-time link that creates the first owner
   * (`…/setup?token=…`, valid 24 h; earlier links stop working), else null. `start` prints it.
   */
  setupLink(): Promise<string | null>;
  /** Forgets cached keys, projects, origins and reads (this process changed them); with Redis, on every relay. */
  invalidateCaches(): Promise<void>;
  /**
   * Listens (port 0 for an ephemeral one) and starts the worker; resolves with the base URL. Warns
   * once per project whose phone channels a console connector serves outside development.
   */
  listen(port?: number, host?: string): Promise<{ url: string; server: http.Server }>;
  /** Serves `GET /metrics` on `MESSAGEJS_METRICS_PORT` (`listen` does it too); its URL, or null without that port. */
  listenMetrics(): Promise<string | null>;
  /** Stops the server and worker and closes the store. */
  close(): Promise<void>;
}
