// The crash window: how long before a `kill -9` a provider may have answered a message that the
// relay then delivers a second time after its restart.
//
// The worker frees a delivery slot as soon as the provider answers and records the outcome in a
// batched transaction (store/sqlite/group-commit.ts, a 2 ms window). A message answered but not
// yet recorded when the process dies is still leased in the outbox, so the next start sends it
// again once the lease expires. How long "not yet recorded" lasts is not only the 2 ms window:
// the answer must first be read by the relay's event loop, which under load is busy with incoming
// sends, and the window's timer fires late by the same lag.
//
// `node bench/crash-window.mjs` (after `pnpm build`; packages/relay/dist is what runs):
//   - a fresh data directory (`messagejs-relay init`), limits raised, a `webhook` SMS connector
//     with priority 1 pointing at a receiver in this process that answers 200 after
//     BENCH_CRASH_LATENCY_MS (default 5) and records when it answered each message id;
//   - `messagejs-relay start` as operators run it, under send load: BENCH_CRASH_CONCURRENCY
//     (default 32) loops POSTing /v1/messages with the secret key;
//   - after a random 1–4 s of load, SIGKILL; then a restart, under load again; BENCH_CRASH_ROUNDS
//     kills (default 6); after the last one a restart without load until every accepted message has
//     reached the receiver (bounded by BENCH_CRASH_DEADLINE_S, default 60);
//   - for every message the receiver got twice: how long before the kill the receiver had
//     answered its first copy (max, p99, p50). Copies answered after the kill (the relay died
//     with the request in flight) are counted apart: they are the unavoidable part.
// The receiver runs in a child process (`--role receiver`), so the harness's load loops do not
// delay its answers; times are epoch ms (performance.timeOrigin + now) shared by both processes.
// Results go to .tmp/crash-window.json (BENCH_CRASH_DEBUG=1 also prints every duplicate's copies);
// relay logs to .tmp/crash-window-relay-<life>.log. Exits non-zero if an accepted message never
// arrived.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  HOST,
  ROOT,
  TMP,
  HarnessError,
  delay,
  envNumber,
  envFlag,
  fmtNum,
  freePort,
  machine,
  onCleanup,
  runNode,
  spawnNode,
  stopChild,
  table,
  waitForHttp,
  writeJson,
} from './lib.mjs';

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const RAISED = String(1_000_000_000);
const settings = {
  rounds: envNumber('BENCH_CRASH_ROUNDS', 6),
  concurrency: envNumber('BENCH_CRASH_CONCURRENCY', 32),
  workerConcurrency: envNumber('BENCH_CRASH_WORKER_CONCURRENCY', 32),
  latencyMs: process.env.BENCH_CRASH_LATENCY_MS === '0' ? 0 : envNumber('BENCH_CRASH_LATENCY_MS', 5),
  leaseMs: envNumber('BENCH_CRASH_LEASE_MS', 2000),
  deadlineS: envNumber('BENCH_CRASH_DEADLINE_S', 60),
  keep: envFlag('BENCH_KEEP'),
};

/** The node flags of the relay bin's shebang (the heap ceiling), as the other benchmarks run it. */
function relayBinArgs() {
  const shebang = fs.readFileSync(CLI, 'utf8').split('\n', 1)[0];
  return shebang
    .replace(/^#!\S+\s+(-S\s+)?node\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
}

async function cli(args, dataDir, input) {
  const env = { ...process.env, LOG_LEVEL: 'warn' };
  for (const key of Object.keys(env)) if (key.startsWith('MESSAGEJS_')) delete env[key];
  const full = [CLI, ...args, '--data-dir', dataDir];
  if (input === undefined) {
    const res = await runNode(full, { env });
    if (res.code !== 0) throw new HarnessError(`messagejs-relay ${args.join(' ')} failed:\n${res.stderr}`);
    return res.stdout;
  }
  // runNode gives no stdin; `connectors add --credentials-stdin` needs it.
  const { spawnSync } = await import('node:child_process');
  const res = spawnSync(process.execPath, full, { env, input, encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) throw new HarnessError(`messagejs-relay ${args.join(' ')} failed:\n${res.stderr}`);
  return res.stdout;
}

/** Now, in ms since the epoch with sub-ms precision, comparable across this harness's processes. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * The receiver (`--role receiver`, its own process so that the harness's load loops do not delay
 * its answers): answers every webhook after `latencyMs` and records when, per message id.
 * `GET /__copies` returns `{ id: [{ receivedAt, answeredAt }] }`.
 */
function runReceiver(latencyMs) {
  const copies = new Map();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__copies') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(copies)));
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const copy = { receivedAt: clock(), answeredAt: null };
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (!copies.has(id)) copies.set(id, []);
      copies.get(id).push(copy);
      const answer = () => {
        // A relay killed meanwhile closed the socket: the answer never left.
        if (req.socket.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        copy.answeredAt = clock();
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.BENCH_RECEIVER_PORT), HOST);
}

async function startReceiver() {
  const port = await freePort();
  const child = spawnNode([path.join(ROOT, 'bench/crash-window.mjs'), '--role', 'receiver'], {
    env: { ...process.env, BENCH_RECEIVER_PORT: String(port) },
    logFile: path.join(TMP, 'crash-window-receiver.log'),
  });
  const url = `http://${HOST}:${port}`;
  await waitForHttp(`${url}/__copies`, { child });
  return {
    url: `${url}/hook`,
    child,
    /** @returns {Promise<Map<string, Array<{ receivedAt: number, answeredAt: number | null }>>>} */
    async copies() {
      return new Map(Object.entries(await (await fetch(`${url}/__copies`)).json()));
    },
  };
}

async function startRelay(dataDir, logFile) {
  const port = await freePort();
  const env = {
    ...process.env,
    HOST,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    MESSAGEJS_LEASE_MS: String(settings.leaseMs),
    MESSAGEJS_WORKER_CONCURRENCY: String(settings.workerConcurrency),
  };
  const child = spawnNode([...relayBinArgs(), CLI, 'start', '--data-dir', dataDir, '--port', String(port)], {
    env,
    logFile,
  });
  const url = `http://${HOST}:${port}`;
  await waitForHttp(`${url}/healthz`, { child, logFile });
  return { child, url };
}

/** Send loops against `url` until `stop()`; every accepted id goes into `accepted`. */
function load(url, secretKey, accepted, counter) {
  let running = true;
  const latencies = [];
  const loop = async () => {
    while (running) {
      const i = counter.next++;
      const to = `+3361${String(i % 10_000_000).padStart(7, '0')}`;
      const started = performance.now();
      try {
        const res = await fetch(`${url}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ to, channel: 'sms', text: `crash-window ${i}` }),
        });
        const body = await res.json();
        if (res.status === 202) {
          accepted.add(body.id);
          latencies.push(performance.now() - started);
        } else if (running) throw new HarnessError(`POST /v1/messages answered ${res.status}: ${JSON.stringify(body)}`);
      } catch (error) {
        if (error instanceof HarnessError) throw error;
        // The relay was killed under this request.
        if (running) await delay(5);
      }
    }
  };
  const loops = Array.from({ length: settings.concurrency }, loop);
  return {
    latencies,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const quantile = (sorted, q) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main() {
  if (!fs.existsSync(CLI)) throw new HarnessError(`${path.relative(ROOT, CLI)} is missing: run \`pnpm build\` first.`);
  fs.mkdirSync(TMP, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(TMP, 'crash-window-'));
  if (!settings.keep) onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const logFile = (life) => path.join(TMP, `crash-window-relay-${life}.log`);

  const receiver = await startReceiver();
  const { projectId, secretKey } = JSON.parse(await cli(['init', '--json'], dataDir));
  await cli(
    [
      'limits',
      'set',
      '--project',
      projectId,
      '--per-key-per-hour',
      RAISED,
      '--per-ip-per-minute',
      RAISED,
      '--per-recipient-per-10-minutes',
      RAISED,
      '--per-prefix-per-hour',
      RAISED,
      '--per-project-per-day',
      RAISED,
    ],
    dataDir,
  );
  await cli(
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
      JSON.stringify({ url: receiver.url }),
      '--credentials-stdin',
    ],
    dataDir,
    JSON.stringify({ secret: 'crash-window-bench-secret-0123456789' }),
  );

  const accepted = new Set();
  const counter = { next: 0 };
  const kills = [];
  const postLatencies = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const relay = await startRelay(dataDir, logFile(round));
    const sender = load(relay.url, secretKey, accepted, counter);
    await delay(1000 + Math.random() * 3000);
    const at = clock();
    relay.child.kill('SIGKILL');
    await relay.child.exited;
    // Requests the relay wrote just before dying still reach the receiver after `at`.
    kills.push({ at, exitedAt: clock() });
    await sender.stop();
    postLatencies.push(...sender.latencies);
    process.stdout.write(`round ${round}/${settings.rounds}: killed after ${accepted.size} accepted messages in all\n`);
  }

  // The last start: no load, until every accepted message has reached the receiver.
  const relay = await startRelay(dataDir, logFile(settings.rounds + 1));
  const deadline = Date.now() + settings.deadlineS * 1000;
  let missing = [...accepted];
  while (missing.length > 0 && Date.now() < deadline) {
    await delay(500);
    const copies = await receiver.copies();
    missing = missing.filter((id) => !copies.has(id));
  }
  // Late re-deliveries of the last round's leases.
  await delay(settings.leaseMs + 500);
  await stopChild(relay.child);
  const copies = await receiver.copies();
  await stopChild(receiver.child);

  const windows = [];
  let inFlight = 0;
  let sameLife = 0;
  for (const [, list] of copies) {
    if (list.length < 2) continue;
    const first = list[0];
    const kill = kills.find((k) => k.exitedAt > first.receivedAt)?.at;
    if (kill === undefined || list[1].receivedAt < kill) {
      sameLife++;
      continue;
    }
    if (first.answeredAt === null || first.answeredAt > kill) inFlight++;
    else windows.push(kill - first.answeredAt);
  }
  windows.sort((a, b) => a - b);
  postLatencies.sort((a, b) => a - b);
  const duplicates = windows.length + inFlight + sameLife;
  const result = {
    settings,
    machine: machine(),
    accepted: accepted.size,
    delivered: copies.size,
    missing: missing.length,
    kills: kills.length,
    duplicates,
    inFlightAtKill: inFlight,
    duplicatesWithoutCrash: sameLife,
    answeredBeforeKill: {
      count: windows.length,
      maxMs: windows.at(-1) ?? null,
      p99Ms: quantile(windows, 0.99),
      p50Ms: quantile(windows, 0.5),
    },
    postLatencyMs: {
      p50: quantile(postLatencies, 0.5),
      p99: quantile(postLatencies, 0.99),
      max: postLatencies.at(-1) ?? null,
    },
  };
  if (envFlag('BENCH_CRASH_DEBUG')) {
    const t0 = kills[0].at - 60_000;
    for (const [id, list] of copies)
      if (list.length > 1)
        console.log(
          id,
          JSON.stringify(
            list.map((c) => [Math.round(c.receivedAt - t0), c.answeredAt && Math.round(c.answeredAt - t0)]),
          ),
          kills.map((k) => Math.round(k.at - t0)),
        );
  }
  const file = writeJson('crash-window.json', result);
  const ms = (n) => (n === null ? 'n/a' : fmtNum(n, 1));
  console.log(
    `\n${table(
      ['', 'value'],
      [
        ['kills (SIGKILL)', kills.length],
        ['messages accepted / delivered', `${accepted.size} / ${copies.size}`],
        ['delivered twice', duplicates],
        ['  in flight at the kill (answered after it, or never)', inFlight],
        ['  answered before the kill, recorded too late', windows.length],
        ['  without a crash (should be 0)', sameLife],
        ['answered before the kill: max (ms)', ms(result.answeredBeforeKill.maxMs)],
        ['answered before the kill: p99 (ms)', ms(result.answeredBeforeKill.p99Ms)],
        ['answered before the kill: p50 (ms)', ms(result.answeredBeforeKill.p50Ms)],
        [
          'POST /v1/messages under load: p50 / p99 (ms)',
          `${ms(result.postLatencyMs.p50)} / ${ms(result.postLatencyMs.p99)}`,
        ],
      ],
    )}\n\n${path.relative(ROOT, file)}`,
  );
  if (missing.length > 0) throw new HarnessError(`${missing.length} accepted messages never reached the receiver`);
}

if (process.argv.includes('--role')) runReceiver(settings.latencyMs);
else
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error instanceof HarnessError ? `crash-window: ${error.message}` : error);
      process.exit(1);
    },
  );
