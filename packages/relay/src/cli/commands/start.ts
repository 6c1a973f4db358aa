import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createRelay, type Relay } from '../../app.js';
import type { DemoCredentials } from '../../features/demo/demo.js';
import { listProjects } from '../../features/projects/admin.js';
import { listRefusedPatterns } from '../../features/templates/admin-templates.js';
import { dataDirOption, envWithDataDir, jsonOption, openRelay, print, requireDataDirectory } from '../options.js';

/** What `start` (first time) and `init` print once: the demo project and its keys. */
function banner(url: string, demo: DemoCredentials, relay: Relay, setupUrl: string | null): string {
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
function setupBanner(setupUrl: string): string {
  return [
    '',
    '  MessageJS relay has no user yet. Create its first owner (this link works once, for 24 h;',
    '  each start makes a new one), or run `messagejs-relay users create --email … --password-stdin --role owner`:',
    '',
    `    ${setupUrl}`,
    '',
  ].join('\n');
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

async function start(opts: { port?: string; dataDir?: string }): Promise<void> {
  const config = loadConfig({ ...envWithDataDir(opts), ...(opts.port && { PORT: opts.port }) });
  const relay = await createRelay(config);
  const demo = await relay.ensureDemo();
  const { url } = await relay.listen();
  const setupUrl = await relay.setupLink();
  if (demo) process.stdout.write(`${banner(url, demo, relay, setupUrl)}\n`);
  else if (setupUrl) process.stdout.write(`${setupBanner(setupUrl)}\n`);
  relay.logger.info({ url, dataDir: config.dataDir, worker: config.worker }, 'relay listening');
  await warnRefusedPatterns(relay);
  process.stdout.write(`MessageJS relay listening on ${url} (data: ${config.dataDir})\n`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    relay.logger.info({ signal }, 'shutting down');
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function worker(opts: { dataDir?: string }): Promise<void> {
  const config = loadConfig(envWithDataDir(opts), { worker: true });
  requireDataDirectory(config);
  const relay = await createRelay(config);
  relay.worker!.start();
  process.stdout.write(`MessageJS worker running (data: ${config.dataDir})\n`);
  const stop = () => void relay.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
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

/** `start`, `worker` and `init`: the commands that run the relay or set up its data directory. */
export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description('Run the relay and its worker.')
    .option('--port <n>', 'port (env PORT, default 8787)')
    .addOption(dataDirOption())
    .action(start);
  program
    .command('worker')
    .description('Run only the outbox worker (no HTTP), e.g. as a second process on the same database.')
    .addOption(dataDirOption())
    .action(worker);
  program
    .command('init')
    .description('Create the data directory and the demo project, and print its keys once.')
    .addOption(dataDirOption())
    .addOption(jsonOption('print JSON'))
    .action(init);
}
