import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRelay, type TestRelay } from '../helpers/start-relay.js';

/**
 * What can be checked of `deploy/` on a machine without a Docker engine or a running systemd: the
 * files parse, every command they run is a real CLI command with real flags, the image's health
 * check works against a relay, and `systemd-analyze verify` accepts the units. What was not run is
 * said in `deploy/README.md`.
 */

const DEPLOY = fileURLToPath(new URL('../../../../deploy/', import.meta.url));
const read = (file: string) => fs.readFileSync(`${DEPLOY}${file}`, 'utf8');
const run = promisify(execFile);

/**
 * Commands and flags the compose file and units use that a branch not merged yet adds: missing
 * here, and the test checks that they are; once one exists the test fails, so this list cannot
 * outlive the merge. Empty since "processes" added `migrate`, `start --no-worker` and
 * `worker --health-port`.
 */
const AWAITING = new Set<string>([]);

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  env_file?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

// Compose resolves YAML merge keys (`<<: *relay`); the yaml package does when asked.
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
const relayServices = Object.entries(compose.services).filter(([, s]) => s.image === 'messagejs-relay:local');

/** `['start', '--no-worker']` → the command words and the flags. */
function split(argv: string[]): { command: string; flags: string[] } {
  const at = argv.findIndex((a) => a.startsWith('-'));
  const words = at < 0 ? argv : argv.slice(0, at);
  const flags = argv.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);
  return { command: words.join(' '), flags };
}

/** The CLI argument vector of a unit's `ExecStart=` (what follows `cli.js`). */
function execStart(unit: string): string[] {
  const line = read(`systemd/${unit}`)
    .split('\n')
    .find((l) => l.startsWith('ExecStart='))!;
  const words = line.slice('ExecStart='.length).split(/\s+/);
  return words.slice(words.findIndex((w) => w.endsWith('/cli.js')) + 1);
}

/** The CMD of the Dockerfile's runtime stage, as an argument vector. */
const dockerfile = read('Dockerfile');
const dockerCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];

const invocations: Array<[string, string[]]> = [
  ...relayServices.map(([name, s]): [string, string[]] => [`compose ${name}`, s.command ?? dockerCmd]),
  ['systemd messagejs-relay.service', execStart('messagejs-relay.service')],
  ['systemd messagejs-worker.service', execStart('messagejs-worker.service')],
  ['Dockerfile CMD', dockerCmd],
];

describe('deploy/compose.yaml', () => {
  it('runs PostgreSQL 15 and Redis 7 with health checks, a one-shot migrate, two relays and a worker', () => {
    const { postgres, redis, migrate, worker } = compose.services;
    expect(postgres).toMatchObject({ image: 'postgres:15', healthcheck: { test: expect.any(Array) } });
    expect(redis).toMatchObject({ image: 'redis:7', healthcheck: { test: ['CMD', 'redis-cli', 'ping'] } });
    expect(migrate).toMatchObject({ command: ['migrate'], restart: 'no' });
    expect(migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(relayServices.map(([name]) => name).sort()).toEqual(['migrate', 'relay-1', 'relay-2', 'worker']);
    expect(compose.services['relay-1']!.ports).toEqual(['8787:8787']);
    expect(compose.services['relay-2']!.ports).toEqual(['8788:8787']);
    for (const name of ['relay-1', 'relay-2', 'worker']) {
      expect(compose.services[name]!.depends_on, name).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
    }
    expect(compose.services['relay-2']!.depends_on).toMatchObject({ 'relay-1': { condition: 'service_healthy' } });
    expect(worker!.command).toEqual(['worker', '--health-port', '8787']);
  });

  it('gives every relay service the image built from deploy/Dockerfile and the env file with the database, Redis and master key', () => {
    for (const [name, service] of relayServices) {
      expect(service.build, name).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(service.env_file, name).toEqual(['messagejs.env']);
    }
    const example = read('messagejs.env.example');
    for (const variable of ['MESSAGEJS_DATABASE_URL', 'MESSAGEJS_REDIS_URL', 'MESSAGEJS_MASTER_KEY']) {
      expect(example).toMatch(new RegExp(`^${variable}=`, 'm'));
    }
    const ignored = fs.readFileSync(fileURLToPath(new URL('../../../../.gitignore', import.meta.url)), 'utf8');
    expect(ignored).toMatch(/^deploy\/messagejs\.env$/m);
  });
});

describe('the commands deploy/ runs', () => {
  it.each(invocations)('%s: a real command with real flags', async (_where, argv) => {
    const { command, flags } = split(argv);
    const help = await runCli([...command.split(' '), '--help']);
    // Commander answers `--help` after an unknown command with the program's help (exit 0): the
    // command exists when its own usage line is printed.
    const usage = help.code === 0 && help.stdout.startsWith(`Usage: messagejs-relay ${command} `);
    const known = (flag?: string) => usage && (!flag || new RegExp(`^\\s+${flag}\\b`, 'm').test(help.stdout));
    for (const flag of [undefined, ...flags]) {
      const what = flag ? `${command} ${flag}` : command;
      if (AWAITING.has(what)) expect(known(flag), `${what} exists now: remove it from AWAITING`).toBe(false);
      else expect(known(flag), `${what}\n${help.stdout}${help.stderr}`).toBe(true);
    }
  });
});

describe('deploy/Dockerfile', () => {
  it('builds with pnpm, runs as a non-root user on a slim image, exposes 8787 and checks /readyz', () => {
    expect(dockerfile).toMatch(/^FROM \$\{NODE_BUILD_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod --offline --filter '@messagejs\/relay\.\.\.'/);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^EXPOSE 8787$/m);
    expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(runtime).toMatch(/CMD \["node", "\/app\/deploy\/healthcheck\.mjs"\]/);
    expect(runtime).not.toMatch(/curl|wget/);
    expect(runtime).toContain('"/app/packages/relay/dist/cli.js"');
  });
});

describe('deploy/healthcheck.mjs', () => {
  let t: TestRelay;
  let failing: http.Server;
  beforeAll(async () => {
    t = await startRelay();
    failing = http.createServer((_req, res) => res.writeHead(503).end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => failing.once('listening', resolve));
  });
  afterAll(async () => {
    await t.cleanup();
    failing.close();
  });

  const check = async (port: number) => {
    try {
      await run(process.execPath, [`${DEPLOY}healthcheck.mjs`], { env: { ...process.env, HEALTH_PORT: String(port) } });
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  };

  it('passes on a ready relay, fails on a 503 and on a closed port', async () => {
    expect(await check(Number(new URL(t.url).port))).toBe(0);
    expect(await check((failing.address() as AddressInfo).port)).toBe(1);
    const closed = http.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await check(port)).toBe(1);
  });
});

const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('deploy/systemd', () => {
  it.each(['messagejs-relay.service', 'messagejs-worker.service'])('%s is hardened and restarts on failure', (unit) => {
    const text = read(`systemd/${unit}`);
    for (const line of [
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/messagejs',
      'Restart=on-failure',
      'User=messagejs',
      'EnvironmentFile=/etc/messagejs/messagejs.env',
    ]) {
      expect(text).toMatch(new RegExp(`^${line}$`, 'm'));
    }
  });

  it.skipIf(!systemdAnalyze)('passes systemd-analyze verify', async () => {
    const { stdout, stderr } = await run('systemd-analyze', [
      'verify',
      `${DEPLOY}systemd/messagejs-relay.service`,
      `${DEPLOY}systemd/messagejs-worker.service`,
    ]);
    expect(stdout + stderr).toBe('');
  });
});

describe('deploy/run-as-processes.sh', () => {
  it('is valid bash and runs the commands the compose services run', () => {
    expect(spawnSync('bash', ['-n', `${DEPLOY}run-as-processes.sh`]).status).toBe(0);
    const script = read('run-as-processes.sh');
    expect(script).toContain('relay migrate');
    expect(script.match(/relay start --no-worker/g)).toHaveLength(2);
    expect(script).toContain('relay worker --health-port');
  });
});
