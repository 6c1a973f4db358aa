import type http from 'node:http';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createRelay, type Relay } from '../../app.js';
import { healthOnly } from '../../http/platform/health-only.js';
import { baseUrlOf, createHttpServer } from '../../http/platform/server.js';
import { dataDirOption, envWithDataDir, requireDataDirectory } from '../options.js';
import { parsePort, storageLabel, warnWithoutSharedMasterKey } from '../serve.js';
import { stopOnSignals } from '../signals.js';

/** Serves the relay's `/healthz` and `/readyz`, and nothing else, on `port`; resolves once it listens. */
async function listenHealth(relay: Relay, port: number): Promise<{ url: string; server: http.Server }> {
  const { host } = relay.config;
  const server = createHttpServer(healthOnly(relay.handler), relay.config.http);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { url: baseUrlOf(host, (server.address() as { port: number }).port), server };
}

/** Stops a health listener: it answers nothing more, and its open connections close. */
function closeServer(server: http.Server): Promise<void> {
  server.closeIdleConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * `worker`: delivery only. Any number may run against one database (PostgreSQL: on any machine;
 * SQLite: on the machine holding the data directory). It runs until stopped: SIGTERM or SIGINT
 * (also one received while it starts, `cli/signals.ts`) lets the jobs in flight finish, hands the
 * claimed ones not started back to the outbox, logs `stopped` and exits 0.
 */
async function worker(opts: { dataDir?: string; healthPort?: number }): Promise<void> {
  const config = loadConfig(envWithDataDir(opts), { worker: true });
  requireDataDirectory(config);
  const relay = await createRelay(config);
  warnWithoutSharedMasterKey(relay);
  relay.worker!.start();
  // The scheduler's timers do not hold a process open (an embedder's must end when it is done), and
  // on SQLite nothing else does without --health-port (PostgreSQL's LISTEN connection does): an
  // idle worker would end by itself. A worker process runs until it is stopped.
  const alive = setInterval(() => {}, 3_600_000);
  const health = opts.healthPort === undefined ? null : await listenHealth(relay, opts.healthPort);
  // MESSAGEJS_METRICS_PORT: a worker has no API port, so its metrics are served there only.
  const metrics = await relay.listenMetrics();
  relay.logger.info({ health: health?.url ?? null, metrics: metrics && `${metrics}/metrics` }, 'worker running');
  const checks = health ? `; health checks on ${health.url}/healthz and /readyz` : '';
  const scrape = metrics ? `; metrics on ${metrics}/metrics` : '';
  process.stdout.write(`MessageJS worker running (${storageLabel(config)})${checks}${scrape}\n`);
  stopOnSignals(relay.logger, async () => {
    clearInterval(alive);
    if (health) await closeServer(health.server);
    await relay.close();
  });
}

/** `messagejs-relay worker [--health-port N]`. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Run only the outbox worker (no HTTP API): any number beside `start --no-worker` relays on one database.',
    )
    .option(
      '--health-port <n>',
      'serve GET /healthz and GET /readyz on this port (on HOST) for compose or systemd checks; off by default',
      parsePort,
    )
    .addOption(dataDirOption())
    .action(worker);
}
