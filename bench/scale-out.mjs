// The scale-out benchmark (issue 13): in one run,
//
// 1. `POST /v1/messages` under the same autocannon load as bench/relay-http.mjs (same body,
//    public key, origin, connections, warm-up and duration) against
//      sqlite        one `start` relay on SQLite (worker in-process, as relay-http runs it),
//      pg ×1         one `start` relay on PostgreSQL (worker in-process: the same shape),
//      pg ×1 (HTTP)  one `start --no-worker` relay on PostgreSQL,
//      pg ×2 (HTTP)  two `start --no-worker` relays on one PostgreSQL database, MESSAGEJS_REDIS_URL
//                    set (shared limits), the connections split evenly across both;
//    each on a fresh database (CREATE DATABASE, dropped at the end) or data directory. Reported:
//    req/s, p50/p99 (two instances' latency histograms merged), then p50/p99 of a paced run at
//    BENCH_SCALE_RATE req/s (bench/paced-load.mjs: open loop, evenly spread; the latency target is
//    judged there), CPU per request of the relay(s),
//    of the PostgreSQL backends serving this database (`pg_stat_activity` pids) and of
//    redis-server, from /proc/<pid>/stat. A 202 is durable: the relay answers after its
//    transaction committed, and the server's `synchronous_commit` is left as configured (read
//    and printed; `on` by default). After a graceful stop every id a 202 answered with is looked
//    up in the database.
// 2. Worker delivery through the fake Twilio API of bench/twilio-delivery.mjs (`--role fake`):
//    BENCH_SCALE_MESSAGES (default 5,000) messages accepted through POST /v1/messages (secret
//    key, free-text SMS, a twilio connector at priority 1) by a `start --no-worker` relay, which
//    is then stopped; then one `worker` process on SQLite, one on PostgreSQL, two on PostgreSQL.
//    Timed from the fake's first request until the outbox is empty (the workers' start-up is not
//    in the figure; it is reported beside it); every message must end `sent` with a provider id.
// 3. The CPU of each process kind during each phase, to say what limits scaling on this machine.
//
// Knobs (environment): BENCH_DURATION (default 20 s here), BENCH_SCALE_PACED_S (the paced run, default 30 s), BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_QUIET_WAIT (as in
// relay-http), BENCH_SCALE_RATE (the paced run's offered load over all relays, req/s, default 500;
// 0 = no paced run: latency is judged there, below saturation), BENCH_SCALE_MESSAGES (default 5000), BENCH_TWILIO_CONCURRENCY (worker concurrency,
// default 32), BENCH_TWILIO_LATENCY_MS (fake's delay, default 5), BENCH_SCALE_CONFIGS (a
// comma-separated subset of sqlite,pg1,pg1-http,pg2-http,w-sqlite,w-pg1,w-pg2), BENCH_PG_URL
// (a server URL whose user may CREATE DATABASE; default postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_SCALE_REDIS=0 (no Redis anywhere: limits
// per process, to tell the Redis limiter's cost from PostgreSQL's), BENCH_CPU_PROF=1 (relays under --cpu-prof,
// hottest frames printed; such a run's figures are not the benchmark's), BENCH_KEEP=1.
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pacedLoad } from './paced-load.mjs';
import {
  HOST,
  HarnessError,
  ROOT,
  TMP,
  delay,
  envFlag,
  envNumber,
  fmtInt,
  fmtNum,
  freePort,
  logTail,
  machine,
  machineBusySeconds,
  onCleanup,
  procCpuSeconds,
  relayEnv,
  relayRequire,
  rootRequire,
  runNode,
  spawnNode,
  stopChild,
  summariseCpuProfile,
  table,
  waitForHttp,
  waitForQuiet,
  writeJson,
} from './lib.mjs';

export const name = 'scale';
export const title = 'Scale-out — PostgreSQL and Redis, one and two relays / workers, beside SQLite';

/** The targets from the issue. */
export const TARGETS = { minPgRatio: 0.6, maxP99Ms: 50 };

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const TWILIO_BENCH = path.join(ROOT, 'bench/twilio-delivery.mjs');
const ORIGIN = 'http://localhost:8787';
/** The body, key kind and origin of bench/relay-http.mjs. */
const BODY = JSON.stringify({
  template: 'order_update',
  to: '+212612345678',
  params: { order: 'A-1001', eta: 'tomorrow' },
});
const RAISED_LIMIT = 1_000_000_000;
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'bench-auth-token';
const FROM = '+15005550006';
const MESSAGE_SID = /^SM[0-9a-f]{32}$/;
const ALL_CONFIGS = ['sqlite', 'pg1', 'pg1-http', 'pg2-http', 'w-sqlite', 'w-pg1', 'w-pg2'];

function settings() {
  const configs = (process.env.BENCH_SCALE_CONFIGS ?? ALL_CONFIGS.join(','))
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const unknown = configs.filter((c) => !ALL_CONFIGS.includes(c));
  if (unknown.length) throw new HarnessError(`BENCH_SCALE_CONFIGS: unknown ${unknown.join(', ')}`);
  return {
    // 20 s, not relay-http's 10: a PostgreSQL relay's first seconds (cold caches, plan cache,
    // autovacuum waking) weigh on a 10 s figure, and runs of 10 s varied by ±20 %.
    durationS: envNumber('BENCH_DURATION', 20),
    // The paced run's p99 is that of rate × seconds requests: at 500 req/s for 10 s, one stall of
    // the machine for 100 ms (50 requests late) was the p99 by itself; 30 s needs 150.
    pacedS: envNumber('BENCH_SCALE_PACED_S', 30),
    warmupS: envNumber('BENCH_WARMUP', 2),
    connections: envNumber('BENCH_CONNECTIONS', 50),
    pipelining: 1,
    quietWaitS: process.env.BENCH_QUIET_WAIT === '0' ? 0 : envNumber('BENCH_QUIET_WAIT', 60),
    messages: envNumber('BENCH_SCALE_MESSAGES', 5000),
    workerConcurrency: envNumber('BENCH_TWILIO_CONCURRENCY', 32),
    latencyMs: process.env.BENCH_TWILIO_LATENCY_MS === '0' ? 0 : envNumber('BENCH_TWILIO_LATENCY_MS', 5),
    // The offered load of the paced latency run (req/s over all relays); 0 = no paced run.
    pacedRate: process.env.BENCH_SCALE_RATE === '0' ? 0 : envNumber('BENCH_SCALE_RATE', 500),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
    redis: process.env.BENCH_SCALE_REDIS !== '0',
    cpuProf: envFlag('BENCH_CPU_PROF'),
    keep: envFlag('BENCH_KEEP'),
    configs,
  };
}

// =============================================================================================
// PostgreSQL and Redis around the relays

const pg = () => relayRequire('pg');

async function withClient(url, fn) {
  const client = new (pg().Client)({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the server of `serverUrl`; `drop()` removes it (also on exit, best effort). */
async function freshDatabase(serverUrl) {
  const dbName = `messagejs_bench_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${dbName}`));
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const dropSql = `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`;
  const unregister = onCleanup(() => spawnSync('psql', [serverUrl, '-qc', dropSql], { stdio: 'ignore' }));
  return {
    name: dbName,
    url: url.toString(),
    async drop() {
      await withClient(serverUrl, (c) => c.query(dropSql));
      unregister();
    },
  };
}

/**
 * The PostgreSQL processes whose CPU counts for a database: its backends (the relays' pool
 * connections) and the server-wide WAL writer, checkpointer and background writer (shared with
 * whatever else uses the server). Our own monitoring connection is left out.
 */
async function postgresPids(client, dbName) {
  const { rows } = await client.query(
    `SELECT pid, coalesce(backend_type, '') AS type FROM pg_stat_activity
      WHERE pid <> pg_backend_pid()
        AND (datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer'))`,
    [dbName],
  );
  return rows.map((r) => r.pid);
}

/** redis-server's pid, from INFO (null when Redis does not answer). */
function redisPid(redisUrl) {
  const out = spawnSync('redis-cli', ['-u', redisUrl, 'info', 'server'], { encoding: 'utf8', timeout: 5000 });
  const match = /process_id:(\d+)/.exec(out.stdout ?? '');
  return match ? Number(match[1]) : null;
}

const cpuOf = (pids) => pids.reduce((sum, pid) => sum + (procCpuSeconds(pid) ?? 0), 0);

/** CPU seconds per group of pids between `start()` and `stop()`; pids gone by then count what they had. */
function cpuMeter(groups) {
  const t0 = Date.now();
  const busy0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, pids.map((p) => procCpuSeconds(p))]));
  return () => {
    const wallS = (Date.now() - t0) / 1000;
    const out = { wallS, percent: {}, seconds: {} };
    let accounted = 0;
    for (const [k, pids] of Object.entries(groups)) {
      const s = pids.reduce((sum, pid, i) => {
        const now = procCpuSeconds(pid);
        return sum + (now !== null && before[k][i] !== null ? now - before[k][i] : 0);
      }, 0);
      out.seconds[k] = s;
      out.percent[k] = (100 * s) / wallS;
      accounted += s;
    }
    const self = process.cpuUsage(self0);
    const selfS = (self.user + self.system) / 1e6;
    out.seconds.harness = selfS;
    out.percent.harness = (100 * selfS) / wallS;
    const busy = machineBusySeconds();
    out.percent.other = busy0 === null ? null : Math.max(0, (100 * (busy - busy0 - accounted - selfS)) / wallS);
    return out;
  };
}

// =============================================================================================
// Relays

/** The node flags of the relay bin's shebang (`#!/usr/bin/env -S node …`). */
function relayBinArgs() {
  const shebang = fs.readFileSync(CLI, 'utf8').split('\n', 1)[0];
  return shebang
    .replace(/^#!\S+\s+(-S\s+)?node\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
}

/** A data directory (and, for PostgreSQL, a fresh database) with the demo project and limits raised. */
async function installation(kind, s, { twilioBase } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-scale-'));
  const unregister = onCleanup(() => s.keep || fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = relayEnv();
  let db = null;
  if (kind === 'pg') {
    db = await freshDatabase(s.pgUrl);
    env.MESSAGEJS_DATABASE_URL = db.url;
    env.MESSAGEJS_MASTER_KEY = crypto.randomBytes(32).toString('hex');
  }
  if (twilioBase) env.MESSAGEJS_CONNECTOR_BASE_URLS = JSON.stringify({ twilio: twilioBase });
  const cli = async (args, { json = true } = {}) => {
    const { code, stdout, stderr } = await runNode([CLI, ...args, '--data-dir', dataDir, ...(json ? ['--json'] : [])], {
      env,
      timeoutMs: 60_000,
    });
    if (code !== 0) throw new HarnessError(`messagejs-relay ${args.join(' ')} failed (${code}):\n${stderr || stdout}`);
    return json ? JSON.parse(stdout) : stdout;
  };
  const demo = await cli(['init']);
  const limitArgs = ['per-key-per-hour', 'per-ip-per-minute', 'per-recipient-per-10-minutes', 'per-prefix-per-hour']
    .concat(['per-project-per-day'])
    .flatMap((l) => [`--${l}`, String(RAISED_LIMIT)]);
  await cli(['limits', 'set', '--project', demo.projectId, ...limitArgs]);
  let connectorId = null;
  if (twilioBase) {
    const connector = await cli([
      'connectors',
      'add',
      '--project',
      demo.projectId,
      '--type',
      'twilio',
      '--name',
      'Twilio (bench fake)',
      '--channels',
      'sms',
      '--priority',
      '1',
      '--config',
      JSON.stringify({ from: FROM }),
      '--credentials',
      JSON.stringify({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }),
    ]);
    connectorId = connector.id;
  }
  return {
    kind,
    dataDir,
    env,
    db,
    demo,
    connectorId,
    async dispose() {
      try {
        if (db && !s.keep) await db.drop();
      } finally {
        if (!s.keep) fs.rmSync(dataDir, { recursive: true, force: true });
        unregister();
      }
    },
  };
}

/** Spawns `messagejs-relay <command…>` on an installation; resolves once it answers /healthz (relays) or at once (workers). */
async function spawnRelay(inst, command, label, s, extraEnv = {}) {
  const logFile = path.join(TMP, `bench-scale-${label}.log`);
  const nodeArgs = relayBinArgs();
  if (s.cpuProf && command[0] === 'start')
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', path.join(TMP, 'prof-scale', label));
  if (command[0] !== 'start') {
    const child = spawnNode([...nodeArgs, CLI, ...command, '--data-dir', inst.dataDir], {
      env: { ...inst.env, ...extraEnv },
      logFile,
    });
    return { child, logFile, label };
  }
  const port = await freePort();
  const child = spawnNode([...nodeArgs, CLI, ...command, '--port', String(port), '--data-dir', inst.dataDir], {
    env: { ...inst.env, ...extraEnv },
    logFile,
  });
  const base = `http://${HOST}:${port}`;
  await waitForHttp(`${base}/healthz`, { child, logFile, timeoutMs: 30_000 });
  return { child, logFile, label, base };
}

// =============================================================================================
// Part 1: POST /v1/messages

/** Several autocannon instances at once (one per relay), their latency histograms merged. */
async function cannons(urls, { connections, duration, headers, onBody }) {
  const autocannon = rootRequire('autocannon');
  const per = Math.floor(connections / urls.length);
  const runs = urls.map(
    (url, i) =>
      new Promise((resolve, reject) => {
        const request = { method: 'POST', headers, body: BODY };
        if (onBody) request.onResponse = (status, body) => onBody(status, body);
        const c = i === urls.length - 1 ? connections - per * (urls.length - 1) : per;
        const opts = { url, connections: c, duration, pipelining: 1, timeout: 10, requests: [request] };
        autocannon({ ...opts, skipAggregateResult: true }, (error, result) =>
          error ? reject(error) : resolve({ opts, result }),
        );
      }),
  );
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new HarnessError(`autocannon did not finish within ${duration}s + 30 s`)),
      duration * 1000 + 30_000,
    );
  });
  const results = await Promise.race([Promise.all(runs), guard]).finally(() => clearTimeout(timer));
  const merged = autocannon.aggregateResult(
    results.map((r) => r.result),
    { url: urls[0], connections, pipelining: 1 },
  );
  // aggregateResult merges the latency histograms but not the per-second request counts: those
  // are each instance's own histogram (its mean is what relay-http reports as req/s).
  const { decodeHist } = rootRequire('autocannon/lib/histUtil');
  const each = results.map((r) => decodeHist(r.result.requests).mean);
  return {
    reqPerSec: each.reduce((n, v) => n + v, 0),
    reqPerSecEach: each,
    latencyMs: {
      p50: merged.latency.p50,
      p99: merged.latency.p99,
      avg: merged.latency.average,
      max: merged.latency.max,
    },
    total: merged.requests.total,
    '2xx': merged['2xx'],
    non2xx: merged.non2xx,
    errors: merged.errors,
    timeouts: merged.timeouts,
    statusCodes: Object.fromEntries(Object.entries(merged.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
  };
}

function idCollector() {
  const ids = new Set();
  const counts = { duplicates: 0, unparsed: 0 };
  return {
    ids,
    counts,
    onBody(status, body) {
      if (status < 200 || status >= 300) return;
      const match = /^\{"id":"([^"]+)"/.exec(body);
      if (!match) counts.unparsed++;
      else if (ids.has(match[1])) counts.duplicates++;
      else ids.add(match[1]);
    },
  };
}

/** Looks up every collected id in the installation's database (after the relays stopped). */
async function storedIds(inst, ids) {
  const list = [...ids];
  if (inst.kind === 'pg') {
    return withClient(inst.env.MESSAGEJS_DATABASE_URL, async (c) => {
      const stored = Number((await c.query('SELECT count(*) AS n FROM messages')).rows[0].n);
      const found = Number((await c.query('SELECT count(*) AS n FROM messages WHERE id = ANY($1)', [list])).rows[0].n);
      return { stored, found };
    });
  }
  const Database = relayRequire('better-sqlite3');
  const db = new Database(path.join(inst.dataDir, 'messagejs.db'), { readonly: true, fileMustExist: true });
  try {
    const stored = db.prepare('SELECT count(*) FROM messages').pluck().get();
    const has = db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck();
    const found = list.reduce((n, id) => n + (has.get(id) ? 1 : 0), 0);
    return { stored, found };
  } finally {
    db.close();
  }
}

const HTTP_CONFIGS = {
  sqlite: { label: 'SQLite ×1', kind: 'sqlite', relays: 1, command: ['start'], redis: false },
  pg1: { label: 'PostgreSQL ×1', kind: 'pg', relays: 1, command: ['start'], redis: false },
  'pg1-http': {
    label: 'PostgreSQL ×1 --no-worker',
    kind: 'pg',
    relays: 1,
    command: ['start', '--no-worker'],
    redis: true,
  },
  'pg2-http': {
    label: 'PostgreSQL ×2 --no-worker',
    kind: 'pg',
    relays: 2,
    command: ['start', '--no-worker'],
    redis: true,
  },
};

async function benchHttp(key, s, log) {
  const cfg = HTTP_CONFIGS[key];
  log(`  ${cfg.label}: preparing`);
  const inst = await installation(cfg.kind, s);
  const relays = [];
  let monitor = null;
  try {
    const redis = cfg.redis && s.redis;
    const extraEnv = redis ? { MESSAGEJS_REDIS_URL: s.redisUrl } : {};
    for (let i = 0; i < cfg.relays; i++)
      relays.push(await spawnRelay(inst, cfg.command, `${key}-${i + 1}`, s, extraEnv));
    const urls = relays.map((r) => `${r.base}/v1/messages`);
    const headers = {
      authorization: `Bearer ${inst.demo.publicKey}`,
      origin: ORIGIN,
      'content-type': 'application/json',
    };
    const collector = idCollector();
    const quiet = await waitForQuiet({ maxS: s.quietWaitS });
    if (quiet.quiet === false)
      log(`  ${cfg.label}: the machine is still busy (${fmtInt(quiet.lastBusyPercent)}% of a core); measuring anyway`);
    log(`  ${cfg.label}: warm-up ${s.warmupS} s`);
    const warm = await cannons(urls, {
      connections: s.connections,
      duration: s.warmupS,
      headers,
      onBody: collector.onBody,
    });
    await delay(250);
    let syncCommit = null;
    let pgPids = [];
    if (inst.db) {
      monitor = new (pg().Client)({ connectionString: inst.env.MESSAGEJS_DATABASE_URL });
      await monitor.connect();
      syncCommit = (await monitor.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
      pgPids = await postgresPids(monitor, inst.db.name);
    }
    const rPid = redis ? redisPid(s.redisUrl) : null;
    const meter = cpuMeter({ relay: relays.map((r) => r.child.pid), postgres: pgPids, redis: rPid ? [rPid] : [] });
    log(`  ${cfg.label}: measuring ${s.durationS} s, ${s.connections} connections over ${urls.length} relay(s)`);
    const main = await cannons(urls, {
      connections: s.connections,
      duration: s.durationS,
      headers,
      onBody: collector.onBody,
    });
    const cpu = meter();
    // Latency at a set offered load, below saturation: 50 connections kept busy measure throughput,
    // and their latency is then connections / throughput (Little's law), whatever the backend.
    const pacedRate = s.pacedRate;
    let paced = null;
    if (pacedRate > 0) {
      // A relay with its worker first delivers the backlog of the saturated run: the paced run
      // measures the steady state at its rate, not the catching up.
      if (!cfg.command.includes('--no-worker')) {
        const waited = await drainOutbox(inst, 60);
        log(`  ${cfg.label}: outbox drained in ${fmtNum(waited.seconds, 1)} s (${fmtInt(waited.pending)} left)`);
      }
      log(`  ${cfg.label}: paced ${s.pacedS} s at ${fmtInt(pacedRate)} req/s`);
      paced = await pacedLoad(urls, {
        rate: pacedRate,
        durationS: s.pacedS,
        headers,
        body: BODY,
        onBody: collector.onBody,
      });
    }
    const backendsAfter = monitor ? (await postgresPids(monitor, inst.db.name)).length : null;
    await monitor?.end();
    monitor = null;

    log(`  ${cfg.label}: graceful stop (SIGTERM)`);
    const exits = [];
    for (const r of relays) exits.push(await stopChild(r.child, { timeoutMs: 15_000 }));
    const { stored, found } = await storedIds(inst, collector.ids);
    const accepted = warm['2xx'] + main['2xx'] + (paced?.['2xx'] ?? 0);
    const durability = {
      accepted,
      idsCollected: collector.ids.size,
      found,
      missing: collector.ids.size - found,
      stored,
      duplicates: collector.counts.duplicates,
      unparsed: collector.counts.unparsed,
      cleanExits: exits.every((e) => e.code === 0 && !e.forced),
    };
    durability.ok =
      durability.missing === 0 &&
      durability.duplicates === 0 &&
      durability.unparsed === 0 &&
      durability.idsCollected === accepted &&
      durability.cleanExits;
    let profile = null;
    if (s.cpuProf) {
      const dir = path.join(TMP, 'prof-scale', `${key}-1`);
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
      if (files.length) profile = summariseCpuProfile(path.join(dir, files.sort().at(-1)), { limit: 20 });
    }
    const responses = main.total || 1;
    const perReqMs = (group) => (1000 * cpu.seconds[group]) / responses;
    return {
      key,
      label: cfg.label,
      relays: cfg.relays,
      command: cfg.command.join(' '),
      redis,
      synchronousCommit: syncCommit,
      postgresPidsSampled: pgPids.length,
      postgresBackendsAfter: backendsAfter,
      redisPid: rPid,
      warmup: warm,
      run: main,
      paced,
      cpu,
      cpuMsPerRequest: { relay: perReqMs('relay'), postgres: perReqMs('postgres'), redis: perReqMs('redis') },
      durability,
      profile,
      logs: relays.map((r) => path.relative(ROOT, r.logFile)),
    };
  } finally {
    await monitor?.end().catch(() => {});
    for (const r of relays) await stopChild(r.child, { timeoutMs: 5000 });
    await inst.dispose();
  }
}

// =============================================================================================
// Part 2: worker delivery through the fake Twilio API

const WORKER_CONFIGS = {
  'w-sqlite': { label: 'SQLite, 1 worker', kind: 'sqlite', workers: 1 },
  'w-pg1': { label: 'PostgreSQL, 1 worker', kind: 'pg', workers: 1 },
  'w-pg2': { label: 'PostgreSQL, 2 workers', kind: 'pg', workers: 2 },
};

async function fakeStats(port, { reset = false } = {}) {
  const url = (p) => `http://${HOST}:${port}${p}`;
  if (reset) await (await fetch(url('/__reset'), { method: 'POST', signal: AbortSignal.timeout(5000) })).arrayBuffer();
  return (await fetch(url('/__stats'), { signal: AbortSignal.timeout(5000) })).json();
}

/** Reads the outbox size and the messages' statuses of an installation (opened per call for SQLite). */
/** Waits (up to `maxS`) until the installation's outbox is empty; how long it took and what is left. */
async function drainOutbox(inst, maxS) {
  const reader = outboxReader(inst);
  const started = Date.now();
  try {
    let pending = await reader.pending();
    while (pending > 0 && Date.now() - started < maxS * 1000) {
      await delay(200);
      pending = await reader.pending();
    }
    return { seconds: (Date.now() - started) / 1000, pending };
  } finally {
    await reader.close();
  }
}

function outboxReader(inst) {
  if (inst.kind === 'pg') {
    const client = new (pg().Client)({ connectionString: inst.env.MESSAGEJS_DATABASE_URL });
    const connected = client.connect();
    return {
      async pending() {
        await connected;
        return Number((await client.query('SELECT count(*) AS n FROM outbox')).rows[0].n);
      },
      async rows(connectorId) {
        await connected;
        const { rows } = await client.query(
          'SELECT status, provider_message_id AS pid, connector_id AS cid FROM messages',
        );
        return rows.filter((r) => r.cid === connectorId || r.cid === null);
      },
      client,
      close: () => client.end(),
    };
  }
  const Database = relayRequire('better-sqlite3');
  const db = new Database(path.join(inst.dataDir, 'messagejs.db'), { readonly: true, fileMustExist: true });
  return {
    pending: async () => db.prepare('SELECT count(*) FROM outbox').pluck().get(),
    rows: async () => db.prepare('SELECT status, provider_message_id AS pid, connector_id AS cid FROM messages').all(),
    close: async () => db.close(),
  };
}

/** Accepts `count` free-text SMS through POST /v1/messages (16 at a time). */
async function seed(base, secretKey, count) {
  const recipient = (i) =>
    i % 2 === 0 ? `+3361${String(i).padStart(7, '0')}` : `+212612${String(i).padStart(6, '0')}`;
  const headers = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${base}/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          to: recipient(i),
          channel: 'sms',
          text: `Order A-${i} is on its way, arriving tomorrow.`,
        }),
      });
      const body = await res.text();
      if (res.status !== 202) throw new HarnessError(`seeding: POST /v1/messages answered ${res.status}: ${body}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, loop));
}

async function benchWorkers(key, s, fake, log) {
  const cfg = WORKER_CONFIGS[key];
  log(`  ${cfg.label}: preparing, seeding ${fmtInt(s.messages)} messages with the worker off`);
  const inst = await installation(cfg.kind, s, { twilioBase: fake.base });
  const workers = [];
  let reader = null;
  try {
    const relay = await spawnRelay(inst, ['start', '--no-worker'], `${key}-seed`, s);
    await seed(relay.base, inst.demo.secretKey, s.messages);
    await stopChild(relay.child, { timeoutMs: 15_000 });
    reader = outboxReader(inst);
    const queued = await reader.pending();
    if (queued !== s.messages)
      throw new HarnessError(`${cfg.label}: ${queued} outbox rows after seeding, not ${s.messages}`);
    await fakeStats(fake.port, { reset: true });
    const quiet = await waitForQuiet({ maxS: s.quietWaitS });
    if (quiet.quiet === false)
      log(`  ${cfg.label}: the machine is still busy (${fmtInt(quiet.lastBusyPercent)}% of a core); measuring anyway`);

    const extraEnv = {
      MESSAGEJS_WORKER_CONCURRENCY: String(s.workerConcurrency),
      LOG_LEVEL: 'warn',
      ...(inst.kind === 'pg' && s.redis ? { MESSAGEJS_REDIS_URL: s.redisUrl } : {}),
    };
    const spawned = Date.now();
    for (let i = 0; i < cfg.workers; i++)
      workers.push(await spawnRelay(inst, ['worker'], `${key}-worker-${i + 1}`, s, extraEnv));
    // The clock starts at the fake's first request (the workers' Node start-up is not delivery).
    const deadline = Date.now() + 180_000;
    let first = null;
    while (first === null) {
      if (Date.now() > deadline)
        throw new HarnessError(`${cfg.label}: no delivery within 180 s${logTail(workers[0].logFile)}`);
      for (const w of workers)
        if (w.child.exitCode !== null) throw new HarnessError(`${cfg.label}: a worker exited${logTail(w.logFile)}`);
      if ((await fakeStats(fake.port)).requests > 0) first = Date.now();
      else await delay(20);
    }
    let pgPids = [];
    let monitor = null;
    if (inst.db) {
      monitor = new (pg().Client)({ connectionString: inst.env.MESSAGEJS_DATABASE_URL });
      await monitor.connect();
      pgPids = await postgresPids(monitor, inst.db.name);
    }
    const meter = cpuMeter({ workers: workers.map((w) => w.child.pid), postgres: pgPids, fake: [fake.child.pid] });
    let left = s.messages;
    while (left > 0) {
      if (Date.now() > deadline)
        throw new HarnessError(`${cfg.label}: ${left} messages still in the outbox after 180 s`);
      await delay(50);
      left = await reader.pending();
    }
    const emptied = Date.now();
    const cpu = meter();
    await monitor?.end();
    const exits = [];
    for (const w of workers) exits.push(await stopChild(w.child, { timeoutMs: 15_000 }));
    const stats = await fakeStats(fake.port);
    const rows = await reader.rows(inst.connectorId);
    const byStatus = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const sentWithId = rows.filter((r) => r.status === 'sent' && r.pid && MESSAGE_SID.test(r.pid)).length;
    const distinctIds = new Set(rows.map((r) => r.pid).filter(Boolean)).size;
    const seconds = (emptied - first) / 1000;
    const result = {
      key,
      label: cfg.label,
      workers: cfg.workers,
      messages: s.messages,
      seconds,
      msgsPerSec: s.messages / seconds,
      startupS: (first - spawned) / 1000,
      msgsPerSecFromSpawn: s.messages / ((emptied - spawned) / 1000),
      cpu,
      cpuMsPerMessage: {
        workers: (1000 * cpu.seconds.workers) / s.messages,
        postgres: (1000 * cpu.seconds.postgres) / s.messages,
      },
      fakeRequests: stats.requests,
      fakeCreated: stats.created,
      duplicateSends: stats.created - s.messages,
      byStatus,
      sentWithId,
      distinctIds,
      cleanExits: exits.every((e) => e.code === 0 && !e.forced),
      exits,
      logs: workers.map((w) => path.relative(ROOT, w.logFile)),
    };
    result.ok = sentWithId === s.messages && distinctIds === s.messages && stats.rejected === 0;
    log(
      `  ${cfg.label}: ${fmtInt(result.msgsPerSec)} msgs/s (${fmtNum(seconds, 2)} s), ${fmtInt(sentWithId)}/${fmtInt(s.messages)} sent`,
    );
    return result;
  } finally {
    await reader?.close().catch(() => {});
    for (const w of workers) await stopChild(w.child, { timeoutMs: 5000 });
    await inst.dispose();
  }
}

// =============================================================================================

function httpTable(results) {
  const pct = (v) => (v === null || v === undefined ? 'n/a' : `${fmtInt(v)}%`);
  const col = (f) => results.map(f);
  return table(
    ['', ...col((r) => r.label)],
    [
      ['req/s (avg of 1 s samples, summed)', ...col((r) => fmtInt(r.run.reqPerSec))],
      ['  per relay', ...col((r) => r.run.reqPerSecEach.map(fmtInt).join(' + '))],
      [
        'latency p50 / p99 (ms)',
        ...col((r) => `${fmtNum(r.run.latencyMs.p50, 0)} / ${fmtNum(r.run.latencyMs.p99, 0)}`),
      ],
      ['latency avg / max (ms)', ...col((r) => `${fmtNum(r.run.latencyMs.avg, 2)} / ${fmtInt(r.run.latencyMs.max)}`)],
      [
        'paced: req/s / p50 / p90 / p99 / max (ms)',
        ...col((r) =>
          r.paced
            ? `${fmtInt(r.paced.reqPerSec)} / ${fmtNum(r.paced.latencyMs.p50, 0)} / ${fmtNum(r.paced.latencyMs.p90, 0)} / ${fmtNum(r.paced.latencyMs.p99, 0)} / ${fmtInt(r.paced.latencyMs.max)}`
            : '–',
        ),
      ],
      ['non-2xx / errors / timeouts', ...col((r) => `${r.run.non2xx} / ${r.run.errors} / ${r.run.timeouts}`)],
      ['relay CPU per request (ms)', ...col((r) => fmtNum(r.cpuMsPerRequest.relay, 3))],
      [
        'postgres CPU per request (ms)',
        ...col((r) => (r.postgresPidsSampled ? fmtNum(r.cpuMsPerRequest.postgres, 3) : '–')),
      ],
      ['redis CPU per request (ms)', ...col((r) => (r.redisPid ? fmtNum(r.cpuMsPerRequest.redis, 3) : '–'))],
      ['CPU % of a core: relay(s)', ...col((r) => pct(r.cpu.percent.relay))],
      [
        '  postgres (backends, WAL writer…)',
        ...col((r) => (r.postgresPidsSampled ? pct(r.cpu.percent.postgres) : '–')),
      ],
      ['  redis-server', ...col((r) => (r.redisPid ? pct(r.cpu.percent.redis) : '–'))],
      ['  autocannon (harness)', ...col((r) => pct(r.cpu.percent.harness))],
      ['  other processes (noise)', ...col((r) => pct(r.cpu.percent.other))],
      ['synchronous_commit', ...col((r) => r.synchronousCommit ?? '(SQLite)')],
      [
        '202 ids found after stop / accepted',
        ...col((r) => `${fmtInt(r.durability.found)} / ${fmtInt(r.durability.accepted)}${r.durability.ok ? '' : ' !'}`),
      ],
    ],
  );
}

function workerTable(results) {
  const pct = (v) => (v === null || v === undefined ? 'n/a' : `${fmtInt(v)}%`);
  const col = (f) => results.map(f);
  return table(
    ['', ...col((r) => r.label)],
    [
      ['msgs/s (first send → outbox empty)', ...col((r) => fmtInt(r.msgsPerSec))],
      [`time for the messages (s)`, ...col((r) => fmtNum(r.seconds, 2))],
      ['start-up before the first send (s)', ...col((r) => fmtNum(r.startupS, 2))],
      ['worker CPU per message (ms)', ...col((r) => fmtNum(r.cpuMsPerMessage.workers, 3))],
      [
        'postgres CPU per message (ms)',
        ...col((r) => (r.cpu.seconds.postgres ? fmtNum(r.cpuMsPerMessage.postgres, 3) : '–')),
      ],
      ['CPU % of a core: worker(s)', ...col((r) => pct(r.cpu.percent.workers))],
      ['  postgres', ...col((r) => (r.cpu.seconds.postgres ? pct(r.cpu.percent.postgres) : '–'))],
      ['  fake Twilio', ...col((r) => pct(r.cpu.percent.fake))],
      ['  other processes (noise)', ...col((r) => pct(r.cpu.percent.other))],
      ['sent with a provider id / seeded', ...col((r) => `${fmtInt(r.sentWithId)} / ${fmtInt(r.messages)}`)],
      ['fake requests (duplicate sends)', ...col((r) => `${fmtInt(r.fakeRequests)} (${fmtInt(r.duplicateSends)})`)],
      [
        'workers exited 0 on SIGTERM',
        ...col((r) =>
          r.cleanExits ? 'yes' : `NO (${r.exits.map((e) => (e.forced ? 'killed' : (e.code ?? e.signal))).join(', ')})`,
        ),
      ],
    ],
  );
}

export async function run({ log = console.log } = {}) {
  const s = settings();
  if (!fs.existsSync(CLI)) throw new HarnessError(`${path.relative(ROOT, CLI)} is missing: run \`pnpm build\` first`);
  if (s.cpuProf) {
    log('  BENCH_CPU_PROF=1: the relays run under --cpu-prof; their figures are slowed by the profiler.');
    fs.rmSync(path.join(TMP, 'prof-scale'), { recursive: true, force: true });
  }
  const needsPg = s.configs.some((c) => c !== 'sqlite' && c !== 'w-sqlite');
  if (needsPg) {
    try {
      await withClient(s.pgUrl, (c) => c.query('SELECT 1'));
    } catch (error) {
      throw new HarnessError(`PostgreSQL at ${s.pgUrl} does not answer (${error.message}); set BENCH_PG_URL`);
    }
  }
  const redisAvailable = redisPid(s.redisUrl) !== null;
  if (!redisAvailable) log(`  Redis at ${s.redisUrl} does not answer: the relays run without it (limits per process)`);

  const http = [];
  for (const key of s.configs.filter((c) => c in HTTP_CONFIGS)) http.push(await benchHttp(key, s, log));

  const workerKeys = s.configs.filter((c) => c in WORKER_CONFIGS);
  const delivery = [];
  if (workerKeys.length) {
    const port = await freePort();
    const fakeLog = path.join(TMP, 'bench-scale-fake.log');
    const child = spawnNode(
      [TWILIO_BENCH, '--role', 'fake', '--port', String(port), '--latency-ms', String(s.latencyMs)],
      {
        logFile: fakeLog,
      },
    );
    const fake = { child, port, base: `http://${HOST}:${port}` };
    try {
      await waitForHttp(`${fake.base}/__stats`, { child, logFile: fakeLog });
      for (const key of workerKeys) delivery.push(await benchWorkers(key, s, fake, log));
    } finally {
      await stopChild(child, { timeoutMs: 5000 });
    }
  }

  const byKey = Object.fromEntries([...http, ...delivery].map((r) => [r.key, r]));
  const checks = [];
  if (byKey.sqlite && byKey.pg1) {
    const ratio = byKey.pg1.run.reqPerSec / byKey.sqlite.run.reqPerSec;
    checks.push({
      name: 'PostgreSQL ×1 req/s ≥ 0.6× SQLite',
      target: `≥ ${TARGETS.minPgRatio}×`,
      value: `${fmtNum(ratio, 2)}×`,
      pass: ratio >= TARGETS.minPgRatio,
    });
  }
  for (const r of http.filter((h) => h.key !== 'sqlite' && h.paced))
    checks.push({
      name: `${r.label} p99 at ${fmtInt(s.pacedRate)} req/s`,
      target: `≤ ${TARGETS.maxP99Ms} ms`,
      value: `${fmtNum(r.paced.latencyMs.p99, 0)} ms`,
      pass: r.paced.latencyMs.p99 <= TARGETS.maxP99Ms && r.paced.non2xx + r.paced.errors === 0,
    });
  for (const r of http)
    checks.push({
      name: `${r.label}: every 202 stored, all 2xx`,
      target: 'all ids, 0 non-2xx',
      value: `${fmtInt(r.durability.found)}/${fmtInt(r.durability.accepted)}, ${fmtInt(r.run.non2xx + r.warmup.non2xx + (r.paced?.non2xx ?? 0))} non-2xx`,
      pass: r.durability.ok && r.run.non2xx + r.warmup.non2xx + (r.paced?.non2xx ?? 0) + r.run.errors === 0,
    });
  for (const r of delivery)
    checks.push({
      name: `${r.label}: every message sent`,
      target: 'all sent + provider id',
      value: `${fmtInt(r.sentWithId)}/${fmtInt(r.messages)}`,
      pass: r.ok,
    });

  const lines = [];
  if (http.length) {
    lines.push(
      'POST /v1/messages',
      httpTable(http),
      '',
      `  autocannon as relay-http: ${s.connections} connections (split evenly across the relays), ${s.durationS} s after ${s.warmupS} s warm-up, pipelining 1, public key + template order_update + origin.`,
      ...(s.pacedRate > 0
        ? [
            `  paced: ${fmtInt(s.pacedRate)} req/s for ${s.pacedS} s over all relays (open loop, latency from each request's due time), after the worker drained the backlog.`,
          ]
        : []),
      '  ×1 relays run `start` (worker in-process, as relay-http) unless --no-worker; --no-worker relays get MESSAGEJS_REDIS_URL.',
      '  PostgreSQL CPU = this database’s backends + the server’s WAL writer, checkpointer and background writer (shared with other users of the server).',
    );
  }
  if (byKey['pg1-http'] && byKey['pg2-http'])
    lines.push(
      `  scaling 1 → 2 HTTP relays: ${fmtNum(byKey['pg2-http'].run.reqPerSec / byKey['pg1-http'].run.reqPerSec, 2)}× req/s`,
    );
  if (delivery.length) {
    lines.push(
      '',
      'Worker delivery through the fake Twilio API',
      workerTable(delivery),
      '',
      `  ${fmtInt(s.messages)} messages seeded through POST /v1/messages with the worker off; worker concurrency ${s.workerConcurrency} each; fake latency ${s.latencyMs} ms; cold workers (no warm-up).`,
    );
    if (byKey['w-pg1'] && byKey['w-pg2'])
      lines.push(
        `  scaling 1 → 2 workers: ${fmtNum(byKey['w-pg2'].msgsPerSec / byKey['w-pg1'].msgsPerSec, 2)}× msgs/s`,
      );
  }
  lines.push(
    '',
    table(
      ['target', 'wanted', 'measured', 'result'],
      checks.map((c) => [c.name, c.target, c.value, c.pass ? 'PASS' : 'MISSED']),
      ['l', 'l', 'r', 'l'],
    ),
  );
  const noisy = Math.max(0, ...[...http, ...delivery].map((r) => r.cpu.percent.other ?? 0));
  if (noisy > 15)
    lines.push(
      '',
      `  WARNING: other processes used up to ${fmtInt(noisy)}% of a core during a measured phase (of ${machine().cores} cores); the figures are skewed.`,
    );
  for (const r of http) if (r.profile) lines.push('', `  ${r.label}, relay 1:`, ...r.profile.map((l) => `  ${l}`));
  const json = {
    benchmark: 'scale',
    at: new Date().toISOString(),
    machine: machine(),
    settings: s,
    targets: TARGETS,
    http,
    delivery,
    checks,
  };
  const file = writeJson('bench-scale.json', json);
  lines.push('', `  written: ${path.relative(ROOT, file)}`);
  return { checks, lines, json };
}
