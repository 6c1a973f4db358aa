import crypto from 'node:crypto';
import path from 'node:path';
import { runCli, spawnCli, type CliProcess } from './cli.js';

/**
 * Several relay processes (`start --no-worker`) and workers (`worker`) on one PostgreSQL database
 * (and Redis, when the test gives its URL), for the issue-13 failure tests in `test/scale-out/`.
 * Each process gets its own data directory (on PostgreSQL they share only the database and
 * `MESSAGEJS_MASTER_KEY`) and an ephemeral port.
 */
export interface Cluster {
  /** What every process of the cluster gets in its environment. */
  env: Record<string, string>;
  /** Every process started, running or not (the test's `afterEach` stops them with `stopAll`). */
  processes: CliProcess[];
  /** `init`: the demo project's id and secret key. */
  init(): Promise<{ projectId: string; secretKey: string; publicKey: string }>;
  /** Runs `messagejs-relay …args --data-dir <the init directory>` with the cluster's env; throws unless it exits 0. */
  run(args: string[]): Promise<string>;
  /** A webhook connector of `projectId` for the `sms` channel posting to `url`. */
  addWebhook(projectId: string, url: string): Promise<void>;
  /** `start --no-worker --port 0`: resolves with the process and its URL once it listens. */
  startRelay(name: string, env?: Record<string, string>): Promise<{ proc: CliProcess; url: string }>;
  /** `worker --health-port 0`: resolves with the process and its health URL once it runs. */
  startWorker(name: string, env?: Record<string, string>): Promise<{ proc: CliProcess; health: string }>;
  /** Kills (SIGKILL) every process still running. */
  stopAll(): Promise<void>;
}

/**
 * How long a relay or worker may take to start: processes restarted while the others carry a load
 * test took up to 17 s on a busy 2-core machine (the kill test).
 */
const START_TIMEOUT_MS = 60_000;

export function cluster(root: string, env: Record<string, string>): Cluster {
  const shared = { MESSAGEJS_MASTER_KEY: crypto.randomBytes(32).toString('hex'), ...env };
  const processes: CliProcess[] = [];
  const dir = (name: string) => path.join(root, name);
  return {
    env: shared,
    processes,
    async init() {
      const res = await runCli(['init', '--data-dir', dir('init'), '--json'], { env: shared });
      if (res.code !== 0) throw new Error(`init failed:\n${res.stderr}`);
      return JSON.parse(res.stdout) as { projectId: string; secretKey: string; publicKey: string };
    },
    async run(args) {
      const res = await runCli([...args, '--data-dir', dir('init')], { env: shared });
      if (res.code !== 0) throw new Error(`${args.join(' ')} failed:\n${res.stderr}`);
      return res.stdout;
    },
    async addWebhook(projectId, url) {
      const res = await runCli(
        [
          'connectors',
          'add',
          '--project',
          projectId,
          '--type',
          'webhook',
          '--channels',
          'sms',
          '--priority',
          '1',
          '--config',
          JSON.stringify({ url }),
          '--credentials-stdin',
          '--data-dir',
          dir('init'),
        ],
        { env: shared, input: JSON.stringify({ secret: 'scale-out-test-secret-0123456789' }) },
      );
      if (res.code !== 0) throw new Error(`connectors add failed:\n${res.stderr}`);
    },
    async startRelay(name, extra = {}) {
      const proc = await spawnCli(['start', '--no-worker', '--port', '0', '--data-dir', dir(name)], {
        env: { ...shared, ...extra },
        ready: /listening on (http:\/\/\S+) \(.*, no worker\)/,
        readyTimeoutMs: START_TIMEOUT_MS,
      });
      processes.push(proc);
      return { proc, url: proc.ready[1]! };
    },
    async startWorker(name, extra = {}) {
      const proc = await spawnCli(['worker', '--health-port', '0', '--data-dir', dir(name)], {
        env: { ...shared, ...extra },
        ready: /health checks on (http:\/\/\S+)\/healthz/,
        readyTimeoutMs: START_TIMEOUT_MS,
      });
      processes.push(proc);
      return { proc, health: proc.ready[1]! };
    },
    async stopAll() {
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it returns something other than undefined; throws after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** One `POST /v1/messages` (raw `fetch`: the tests look at every status, 5xx included). */
export async function postMessage(
  url: string,
  secretKey: string,
  i: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ to: `+3361${String(1_000_000 + i)}`, text: `scale-out ${i}`, channel: 'sms' }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}
