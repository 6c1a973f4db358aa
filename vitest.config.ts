import os from 'node:os';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';
import { postgresUnavailable, testDatabaseUrl } from './packages/relay/test/helpers/postgres-probe.js';
import { alias } from './vitest.shared.js';

const features = (...names: string[]) => names.map((name) => `packages/relay/test/features/${name}.test.ts`);

/**
 * The relay suites that touch storage run twice: in the `sqlite` project with every other test,
 * and again in the `postgres` project, where `test/helpers/start-relay.ts` gives each relay a
 * fresh PostgreSQL database (`MESSAGEJS_TEST_BACKEND=postgres`). The store contract suites are not
 * listed: they run each backend themselves (`test/store-contract/backends.ts`).
 *
 * Left SQLite-only, as they test SQLite's files rather than what is stored:
 * - data-files: the modes of the data directory, database, -wal and -shm files, and that no code
 *   or deleted secret is left in their bytes (free pages, the WAL);
 * - cli, and the CLI parts of templates-hostile: they read the SQLite file's bytes, or write to it
 *   as an older relay did;
 * - number-types, origin-refusal, csrf, templates-hostile, sealing, auth, audit-log,
 *   templates-api, project-connectors, and the verify suites on the CAPTCHA, the CLI, the client
 *   and tokens: they go through storage like the suites below (which cover the same repositories,
 *   and the store contract suites cover every repository on both backends), but add little on
 *   another backend for the time they would take (`pnpm test` runs on 2 cores).
 */
const onPostgres = features(
  'bad-input',
  'idempotency',
  'worker',
  'crash',
  'verify',
  'verify-limits',
  'verify-pow',
  'verify-pumping',
  'delivery-status',
  'project-admin',
  'project-admin-bad-input',
  'project-keys',
  'members',
  'admin-tokens',
  'accounts-bad-input',
  'authorization-matrix',
  'messages',
  'message-history',
  'message-export',
  'analytics',
  'verify-sessions',
  'retention',
  'message-events',
  'cli-messages',
  'rate-limits',
  'fuzz',
  'metrics',
  'status',
  'webhooks',
  'webhooks-crash',
  'events-stream',
  'inbound',
  'inbound-admin',
  'message-cancel',
  'message-options',
  'send-rate',
  'bulk',
  'contacts',
  'contacts-import',
);

/**
 * Issue 13's failure tests: relay and worker processes on PostgreSQL (and Redis) killed, cut off,
 * limited. PostgreSQL-only, so they run in the `postgres` project (and not at all without a
 * server, like it); a file whose Redis does not answer skips and says so.
 */
const scaleOut = 'packages/relay/test/scale-out/*.test.ts';

/**
 * Whether the PostgreSQL project runs, asked once: vitest evaluates this file again for the
 * projects that extend it, and the skip line is printed once.
 */
function probePostgres(): Promise<string | null> {
  const cache = globalThis as { messagejsPostgresProbe?: Promise<string | null> };
  cache.messagejsPostgresProbe ??= postgresUnavailable().then((unavailable) => {
    if (unavailable) {
      const where = new URL(testDatabaseUrl);
      if (where.password) where.password = '***';
      const why = `no PostgreSQL answers at ${where.href} (${unavailable})`;
      // .ci/run sets it once it has a server: there, a skip would hide the suites.
      if (process.env.MESSAGEJS_TEST_REQUIRE_POSTGRES) throw new Error(`The PostgreSQL suites must run, but ${why}.`);
      console.warn(`PostgreSQL suites skipped: ${why}.`);
    }
    return unavailable;
  });
  return cache.messagejsPostgresProbe;
}

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const unavailable = await probePostgres();
  return {
    resolve: { alias },
    test: {
      environment: 'node',
      testTimeout: 20_000,
      hookTimeout: 20_000,
      pool: 'forks',
      // vitest's default is one fork fewer than the cores: one on a 2-core machine, which ran the
      // files one after another (~17 min). They mostly wait on the relays, databases and timers
      // they start, so two forks there take ~7.5 min.
      maxWorkers: Math.max(2, os.availableParallelism() - 1),
      reporters: ['default', 'json'],
      outputFile: { json: '.tmp/vitest-results.json' },
      projects: [
        {
          extends: true,
          test: {
            name: 'sqlite',
            include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
            exclude: [...configDefaults.exclude, scaleOut],
          },
        },
        ...(unavailable
          ? []
          : [
              {
                extends: true as const,
                test: {
                  name: 'postgres',
                  include: [...onPostgres, scaleOut],
                  env: { MESSAGEJS_TEST_BACKEND: 'postgres' },
                  setupFiles: ['packages/relay/test/helpers/postgres-setup.ts'],
                },
              },
            ]),
      ],
    },
  };
});
