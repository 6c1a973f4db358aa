import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createRelay, type Relay } from '../../app.js';
import type { DemoCredentials } from '../../features/demo/demo.js';
import { listProjects } from '../../features/projects/admin.js';
import { setupLinkAtStart } from '../../features/accounts/setup.js';
import type { SetupTokenRecord } from '../../store/types.js';
import { listRefusedPatterns } from '../../features/templates/admin-templates.js';
import { dataDirOption, envWithDataDir, jsonOption, openRelay, print } from '../options.js';
import { storageLabel, warnWithoutSharedMasterKey } from '../serve.js';
import { stopOnSignals } from '../signals.js';
import { registerWorker } from './worker.js';
import { registerMigrate } from './migrate.js';

/** What `start` prints about the first owner's setup link (`setupLinkAtStart`), null when a user exists. */
type SetupAtStart = Awaited<ReturnType<typeof setupLinkAtStart>>;

/** A live setup link kept from an earlier start: when it was made, until when it works, how to replace it. */
function keptLinkLines(kept: SetupTokenRecord): string[] {
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    `  The first-owner setup link printed at ${at(kept.createdAt)} still works, once, until ${at(kept.expiresAt)}.`,
    '  The relay keeps only its hash, so it cannot print it again. Lost it? Restart with',
    '  `messagejs-relay start --new-setup-link` (the old link stops working), or run',
    '  `messagejs-relay users create --email … --password-stdin --role owner`.',
  ];
}

/** What `start` (first time) and `init` print once: the demo project and its keys. */
function banner(
  url: string,
  demo: DemoCredentials,
  relay: Relay,
  setupUrl: string | null,
  kept: string[] = [],
): string {
  const lines = [
    '',
    '  MessageJS relay — first start: a demo project was created. These keys are shown ONCE.',
    '',
    `  Project       ${demo.projectId}`,
    `  Public key    ${demo.publicKey}    (for web pages; templates only)`,
    `  Secret key    ${demo.secretKey}    (for servers; never in a browser)`,
    `  Templates     ${demo.templates.join(', ')}`,
    `  Origins       ${demo.allowedOrigins.join(', ')}`,
    setupUrl ? `  First owner   ${setupUrl}    (valid 24 h, once)` : '',
    ...kept,
    relay.masterKeyCreated
      ? `  Master key    ${relay.config.dataDir}/master.key (mode 0600 — back it up; it unlocks connector credentials)`
      : '',
    '',
    `  Demo page     ${url}/`,
    '  Try it:',
    `    curl -X POST ${url}/v1/messages -H 'Authorization: Bearer ${demo.secretKey}' -H 'Content-Type: application/json' \\`,
    `      -d '{"template":"order_update","to":"+212612345678","params":{"order":"A-1001","eta":"tomorrow"}}'`,
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

/** What a start prints while the relay has no user (the demo keys were shown at an earlier start). */
function setupBanner(setup: NonNullable<SetupAtStart>): string {
  if ('kept' in setup) return ['', '  MessageJS relay has no user yet.', ...keptLinkLines(setup.kept), ''].join('\n');
  return [
    '',
    '  MessageJS relay has no user yet. Create its first owner (this link works once, for 24 h; later',
    '  starts keep it), or run `messagejs-relay users create --email … --password-stdin --role owner`:',
    '',
    `    ${setup.url}`,
    '',
  ].join('\n');
}

/** The first owner's link at start: kept while it works (`setupLinkAtStart`), or a new one with `--new-setup-link`. */
async function setupAtStart(relay: Relay, url: string, fresh: boolean): Promise<SetupAtStart> {
  if (fresh) {
    const link = await relay.setupLink();
    return link === null ? null : { url: link };
  }
  return setupLinkAtStart({ store: relay.store, now: Date.now, baseUrl: () => relay.config.publicUrl ?? url });
}

/** Names, at start, the stored template patterns that the pattern engine refuses: their sends fail closed. */
async function warnRefusedPatterns(relay: Relay): Promise<void> {
  for (const { projectId, ...refused } of await listRefusedPatterns(relay.store)) {
    relay.logger.warn(
      { project: projectId, ...refused },
      'template pattern refused: sends with this template answer template_invalid until it is saved again',
    );
    process.stderr.write(
      `Warning: template ${refused.template} (project ${projectId}), param ${refused.param}: the pattern ${refused.reason}. Sends with it answer 422 template_invalid until the template is saved again.\n`,
    );
  }
}

/**
 * `start`: the relay, and its worker unless `--no-worker` (or `MESSAGEJS_WORKER=off`). Without a
 * worker, accepted messages wait in the outbox for a `worker` process: on PostgreSQL it is woken
 * by the database's notice at once, on SQLite its poll finds them.
 */
async function start(opts: {
  port?: string;
  dataDir?: string;
  worker?: boolean;
  newSetupLink?: boolean;
}): Promise<void> {
  const env = { ...envWithDataDir(opts), ...(opts.port && { PORT: opts.port }) };
  // `--no-worker` turns the worker off; without it, MESSAGEJS_WORKER decides.
  const config = loadConfig(env, opts.worker === false ? { worker: false } : {});
  const relay = await createRelay(config);
  warnWithoutSharedMasterKey(relay);
  const demo = await relay.ensureDemo();
  const { url } = await relay.listen();
  const setup = await setupAtStart(relay, url, opts.newSetupLink === true);
  if (demo) {
    const kept = setup && 'kept' in setup ? keptLinkLines(setup.kept) : [];
    process.stdout.write(`${banner(url, demo, relay, setup && 'url' in setup ? setup.url : null, kept)}\n`);
  } else if (setup) process.stdout.write(`${setupBanner(setup)}\n`);
  const metrics = await relay.listenMetrics();
  relay.logger.info(
    { url, dataDir: config.dataDir, worker: config.worker, ...(metrics && { metrics: `${metrics}/metrics` }) },
    'relay listening',
  );
  await warnRefusedPatterns(relay);
  const worker = config.worker ? '' : ', no worker';
  process.stdout.write(`MessageJS relay listening on ${url} (${storageLabel(config)}${worker})\n`);
  stopOnSignals(relay.logger, () => relay.close());
}

async function init(opts: { dataDir?: string; json?: boolean }): Promise<void> {
  const relay = await openRelay(opts);
  try {
    const demo = await relay.ensureDemo();
    if (!demo) {
      const projects = await listProjects(relay.store);
      throw new Error(
        `${relay.config.dataDir} is already initialised; its keys were shown once and cannot be shown again. ` +
          `Create a new key with: messagejs-relay keys create --project ${projects[0]?.id ?? 'prj_…'} --kind public`,
      );
    }
    const setupUrl = await relay.setupLink();
    if (opts.json) print({ ...demo, setupUrl }, true);
    else print(banner(`http://localhost:${relay.config.port}`, demo, relay, setupUrl));
  } finally {
    await relay.close();
  }
}

/** `start`, `worker`, `migrate` and `init`: the commands that run the relay or set up its data. */
export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description('Run the relay and its worker; with --no-worker, HTTP only (run `worker` processes beside it).')
    .option('--port <n>', 'port (env PORT, default 8787)')
    .option('--no-worker', 'serve HTTP only: accepted messages wait for a `worker` process (env MESSAGEJS_WORKER=off)')
    .option('--new-setup-link', 'while no user exists, print a new first-owner link (the earlier one stops working)')
    .addOption(dataDirOption())
    .action(start);
  registerWorker(program);
  registerMigrate(program);
  program
    .command('init')
    .description('Create the data directory and the demo project, and print its keys once.')
    .addOption(dataDirOption())
    .addOption(jsonOption('print JSON'))
    .action(init);
}
