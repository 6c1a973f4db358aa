// The bulk benchmark (issue 16): `POST /v1/messages/bulk` with 10,000 recipients of one template
// (per-recipient params), against a `start` relay on SQLite and on PostgreSQL, its worker off so
// the figure is the request's own. A 202 means every message is stored with its outbox row (one
// transaction); after the runs, the database is counted to prove it. Measured: each request's
// latency (sequential requests, the first BENCH_BULK_WARMUP not counted), and the relay's RSS
// growth over its RSS before the first request. The relay runs with `pnpm start`'s heap flags.
// Targets: p50 ≤ 1 s, RSS growth ≤ 100 MB, on each backend.
//
// Knobs: BENCH_BULK_REQUESTS (default 10), BENCH_BULK_WARMUP (default 2), BENCH_BULK_SIZE (default
// 10,000), BENCH_BULK_BACKENDS (sqlite,pg), BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  HOST,
  HarnessError,
  ROOT,
  TMP,
  envNumber,
  fmtInt,
  fmtNum,
  freePort,
  kbToMB,
  onCleanup,
  procStatus,
  relayEnv,
  relayRequire,
  runNode,
  sampleRss,
  spawnNode,
  stopChild,
  table,
  waitForHttp,
} from './lib.mjs';

export const name = 'bulk';
export const title = 'Bulk — POST /v1/messages/bulk with 10,000 messages, SQLite and PostgreSQL';
export const TARGETS = { maxP50Ms: 1000, maxRssGrowthMB: 100 };

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const START_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=8'];

function settings() {
  return {
    requests: envNumber('BENCH_BULK_REQUESTS', 10),
    warmup: envNumber('BENCH_BULK_WARMUP', 2),
    size: envNumber('BENCH_BULK_SIZE', 10_000),
    backends: (process.env.BENCH_BULK_BACKENDS || 'sqlite,pg').split(',').map((b) => b.trim()),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** A fresh database (PostgreSQL: its own, dropped after), the demo project with its limits raised, and a relay on it. */
async function installation(kind, s) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-bulk-'));
  const env = relayEnv('warn');
  let dropDb = null;
  if (kind === 'pg') {
    const pg = relayRequire('pg');
    const dbName = `messagejs_bench_bulk_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: s.pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(s.pgUrl);
    url.pathname = `/${dbName}`;
    env.MESSAGEJS_DATABASE_URL = url.toString();
    env.MESSAGEJS_MASTER_KEY = crypto.randomBytes(32).toString('hex');
    dropDb = async () => {
      const c = new pg.Client({ connectionString: s.pgUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    };
  }
  const unregister = onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const init = await runNode([CLI, 'init', '--data-dir', dataDir, '--json'], { env, timeoutMs: 60_000 });
  if (init.code !== 0) throw new HarnessError(`messagejs-relay init failed: ${init.stderr || init.stdout}`);
  const demo = JSON.parse(init.stdout);
  const raised = await runNode(
    [CLI, 'limits', 'set', '--project', demo.projectId, '--per-project-per-day', '100000000', '--data-dir', dataDir],
    { env, timeoutMs: 60_000 },
  );
  if (raised.code !== 0) throw new HarnessError(`messagejs-relay limits set failed: ${raised.stderr || raised.stdout}`);
  const port = await freePort();
  const logFile = path.join(TMP, `bench-bulk-${kind}.log`);
  // The heap flags of `pnpm start` (package.json), the command the README gives.
  const child = spawnNode(
    [...START_FLAGS, CLI, 'start', '--no-worker', '--port', String(port), '--data-dir', dataDir],
    {
      env,
      logFile,
    },
  );
  const base = `http://${HOST}:${port}`;
  await waitForHttp(`${base}/healthz`, { child, logFile, timeoutMs: 60_000 });
  return {
    base,
    child,
    env,
    dataDir,
    key: demo.secretKey,
    async dispose() {
      await stopChild(child);
      await dropDb?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
      unregister();
    },
  };
}

/** The request body: `size` recipients of the demo's `order_update`, each with its own order number. */
function bulkBody(size, round) {
  const recipients = Array.from({ length: size }, (_, i) => ({
    to: `+21261${String(1_000_000 + ((round * size + i) % 9_000_000)).padStart(7, '0')}`,
    params: { order: `B${round}-${i}` },
  }));
  return JSON.stringify({ template: 'order_update', params: { eta: 'tomorrow' }, recipients });
}

/** Messages stored, counted in the database by the CLI's own store (a `stats` total would fold first). */
async function storedMessages(inst, kind) {
  if (kind === 'pg') {
    const pg = relayRequire('pg');
    const c = new pg.Client({ connectionString: inst.env.MESSAGEJS_DATABASE_URL });
    await c.connect();
    try {
      const { rows } = await c.query(
        'SELECT count(*)::int AS n, count(DISTINCT m.id)::int AS o FROM messages m JOIN outbox x ON x.message_id = m.id',
      );
      return rows[0];
    } finally {
      await c.end();
    }
  }
  const Database = relayRequire('better-sqlite3');
  const db = new Database(path.join(inst.dataDir, 'messagejs.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT count(*) AS n, count(DISTINCT m.id) AS o FROM messages m JOIN outbox x ON x.message_id = m.id')
      .get();
  } finally {
    db.close();
  }
}

async function benchBackend(kind, s, log) {
  const inst = await installation(kind, s);
  try {
    const before = procStatus(inst.child.pid, ['VmRSS']).VmRSS;
    const rss = sampleRss(inst.child.pid, 50);
    const times = [];
    let accepted = 0;
    for (let round = 0; round < s.warmup + s.requests; round++) {
      const body = bulkBody(s.size, round);
      const t0 = performance.now();
      const res = await fetch(`${inst.base}/v1/messages/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${inst.key}`, 'content-type': 'application/json' },
        body,
      });
      const answer = await res.json();
      const ms = performance.now() - t0;
      if (res.status !== 202 || answer.accepted !== s.size) {
        throw new HarnessError(`bulk: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
      }
      accepted += answer.accepted;
      if (round >= s.warmup) times.push(ms);
      log(`  ${kind}: request ${round + 1}: ${fmtInt(ms)} ms${round < s.warmup ? ' (warm-up)' : ''}`);
    }
    const { maxKb } = rss.stop();
    const stored = await storedMessages(inst, kind);
    if (stored.n !== accepted || stored.o !== accepted) {
      throw new HarnessError(`${kind}: ${accepted} accepted but ${stored.n} stored with their outbox rows`);
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return {
      kind,
      p50: at(0.5),
      p95: at(0.95),
      max: times.at(-1),
      stored: stored.n,
      rssGrowthMB: kbToMB(maxKb - before),
      perMessageUs: (at(0.5) * 1000) / s.size,
    };
  } finally {
    await inst.dispose();
  }
}

export async function run({ log = console.log } = {}) {
  const s = settings();
  const results = [];
  for (const kind of s.backends) {
    if (kind !== 'sqlite' && kind !== 'pg') throw new HarnessError(`BENCH_BULK_BACKENDS: unknown ${kind}`);
    results.push(await benchBackend(kind, s, log));
  }
  const label = (k) => (k === 'pg' ? 'PostgreSQL' : 'SQLite');
  const lines = [
    table(
      ['', ...results.map((r) => label(r.kind))],
      [
        [
          `${fmtInt(s.size)}-message request: p50 / p95 / max ms`,
          ...results.map((r) => `${fmtInt(r.p50)} / ${fmtInt(r.p95)} / ${fmtInt(r.max)}`),
        ],
        ['per message at p50 (µs)', ...results.map((r) => fmtNum(r.perMessageUs, 1))],
        ['relay RSS growth (MB)', ...results.map((r) => fmtNum(r.rssGrowthMB, 1))],
        ['messages stored with their outbox rows', ...results.map((r) => fmtInt(r.stored))],
      ],
    ),
    '',
    `  ${s.requests} sequential requests (after ${s.warmup} not counted) of ${fmtInt(s.size)} recipients of one template, per-recipient params; relay \`start --no-worker\`.`,
  ];
  const checks = results.flatMap((r) => [
    {
      name: `${label(r.kind)}: ${fmtInt(s.size)}-message bulk request p50`,
      target: `≤ ${TARGETS.maxP50Ms} ms`,
      value: `${fmtInt(r.p50)} ms`,
      pass: r.p50 <= TARGETS.maxP50Ms,
    },
    {
      name: `${label(r.kind)}: relay RSS growth`,
      target: `≤ ${TARGETS.maxRssGrowthMB} MB`,
      value: `${fmtNum(r.rssGrowthMB, 1)} MB`,
      pass: r.rssGrowthMB <= TARGETS.maxRssGrowthMB,
    },
  ]);
  return { checks, lines };
}
