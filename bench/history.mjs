// The history benchmark (issue 14): a store of BENCH_HISTORY_ROWS messages (default 1,000,000),
// written straight into the database by one INSERT … SELECT outside the timed part, on SQLite and
// on PostgreSQL, behind a `start` relay. Measured, one request at a time (latency, not throughput):
//   - a filtered first page: `GET /v1/messages?status=failed` (5 % of the messages are failed);
//   - a deep page: the page after 100 pages of 50 (cursors walked first, that request repeated);
//   - analytics over the 90 days: `GET /v1/analytics/messages?groupBy=day` (and by country);
//   - the CSV export of every message: rows/s, and the relay's RSS growth while it streams.
// Targets: pages p95 ≤ 20 ms, analytics by day p95 ≤ 100 ms, export ≥ 100,000 rows/s with RSS
// growing < 50 MB.
//
// Knobs: BENCH_HISTORY_ROWS, BENCH_HISTORY_SAMPLES (requests per page figure, default 200),
// BENCH_HISTORY_BACKENDS (sqlite,pg), BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_CPU_PROF=1 (the relays under --cpu-prof, in .tmp/prof-history/<backend>/), BENCH_HISTORY_CLI
// (another build's dist/cli.js, to compare builds in alternating runs; default this checkout's).
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
  onCleanup,
  relayEnv,
  relayRequire,
  runNode,
  sampleRss,
  spawnNode,
  stopChild,
  table,
  waitForHttp,
  writeJson,
} from './lib.mjs';

export const name = 'history';
export const title = 'History and analytics — pages, export and rollups over 1,000,000 messages, SQLite and PostgreSQL';
export const TARGETS = { maxPageP95Ms: 20, maxAnalyticsP95Ms: 100, minExportRowsPerS: 100_000, maxRssGrowthMB: 50 };

const CLI = process.env.BENCH_HISTORY_CLI
  ? path.resolve(process.env.BENCH_HISTORY_CLI)
  : path.join(ROOT, 'packages/relay/dist/cli.js');
/** The seeded messages span 90 days before this. */
const END = Date.parse('2026-11-01T00:00:00Z');
const SPAN = 90 * 86_400_000;

function settings() {
  return {
    rows: envNumber('BENCH_HISTORY_ROWS', 1_000_000),
    samples: envNumber('BENCH_HISTORY_SAMPLES', 200),
    backends: (process.env.BENCH_HISTORY_BACKENDS || 'sqlite,pg').split(',').map((b) => b.trim()),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** Every column a message row needs, for row `i` (SQL over the generated `i`), the same on both backends. */
function seedSelect(kind, rows) {
  const id = kind === 'pg' ? `'msg_' || lpad(i::text, 29, '0')` : `printf('msg_%029d', i)`;
  const phone = kind === 'pg' ? `'+2126' || lpad((i % 100000000)::text, 8, '0')` : `printf('+2126%08d', i % 100000000)`;
  const at = `${END - SPAN} + (${kind === 'pg' ? 'i::bigint' : 'i'} * ${Math.floor(SPAN / rows)})`;
  const str = (n) => (kind === 'pg' ? `(${n})::text` : `(${n})`);
  return `SELECT ${id}, $project, 'key_bench_' || ${str('i % 3')}, CASE WHEN i % 10 = 0 THEN 'whatsapp' ELSE 'sms' END, ${phone},
      CASE WHEN i % 5 = 0 THEN 'FR' ELSE 'MA' END, 'operator ' || ${str('i % 3')}, 'con_bench_' || ${str('i % 7 % 3')},
      CASE WHEN i % 3 = 0 THEN 'order_update' END,
      'Order ' || i || ' is on its way, arriving tomorrow',
      CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 20 = 1 THEN 'undelivered' ELSE 'delivered' END,
      CASE WHEN i % 20 = 0 THEN 'invalid_recipient' WHEN i % 20 = 1 THEN '30003' END,
      1, 'GSM-7', 0.05, 0.5, ${at}, ${at}`;
}
const INSERT = `INSERT INTO messages (id, project_id, key_id, channel, recipient, country, operator, connector_id, template,
  body, status, error_code, segments, encoding, cost_eur, cost_mad, created_at, updated_at)`;
/**
 * The delivered ones arrived 1 to 60 s after they were accepted, set by an update as a provider's
 * report sets it: that is when the time-to-delivered rollups count a delivery.
 */
const DELIVERIES = `UPDATE messages SET delivered_at = created_at + 1000 + (created_at % 60) * 1000 WHERE status = 'delivered'`;

async function seedSqlite(dataDir, projectId, rows) {
  const Database = relayRequire('better-sqlite3');
  const db = new Database(path.join(dataDir, 'messagejs.db'));
  try {
    const select = seedSelect('sqlite', rows).replace('$project', '?');
    db.prepare(
      `${INSERT} WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1}) ${select} FROM n`,
    ).run(projectId);
    db.exec(DELIVERIES);
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
}

async function seedPg(url, projectId, rows) {
  const pg = relayRequire('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const select = seedSelect('pg', rows).replace('$project', '$1');
    await client.query(`${INSERT} ${select} FROM generate_series(0, ${rows - 1}) AS i`, [projectId]);
    await client.query(DELIVERIES);
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

/** A data directory (and database) with the demo project and `rows` messages; a `start` relay on it. */
async function installation(kind, s, log) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-history-'));
  const env = relayEnv('warn');
  let dropDb = null;
  if (kind === 'pg') {
    const pg = relayRequire('pg');
    const dbName = `messagejs_bench_history_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
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
  // Hundreds of reads a minute from one key and address: the demo's request limits raised.
  const limits = ['per-key-per-hour', 'per-ip-per-minute', 'per-recipient-per-10-minutes', 'per-prefix-per-hour']
    .concat(['per-project-per-day'])
    .flatMap((l) => [`--${l}`, '100000000']);
  const raised = await runNode([CLI, 'limits', 'set', '--project', demo.projectId, ...limits, '--data-dir', dataDir], {
    env,
    timeoutMs: 60_000,
  });
  if (raised.code !== 0) throw new HarnessError(`messagejs-relay limits set failed: ${raised.stderr || raised.stdout}`);
  const started = performance.now();
  if (kind === 'pg') await seedPg(env.MESSAGEJS_DATABASE_URL, demo.projectId, s.rows);
  else await seedSqlite(dataDir, demo.projectId, s.rows);
  log(`  ${kind}: ${fmtInt(s.rows)} messages seeded in ${fmtNum((performance.now() - started) / 1000, 1)} s`);
  const port = await freePort();
  const logFile = path.join(TMP, `bench-history-${kind}.log`);
  // BENCH_CPU_PROF=1: the relay runs under --cpu-prof (its figures are then not the benchmark's).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', path.join(TMP, 'prof-history', kind)]
    : [];
  const child = spawnNode([...profile, CLI, 'start', '--no-worker', '--port', String(port), '--data-dir', dataDir], {
    env,
    logFile,
  });
  const base = `http://${HOST}:${port}`;
  await waitForHttp(`${base}/healthz`, { child, logFile, timeoutMs: 60_000 });
  return {
    base,
    child,
    key: demo.secretKey,
    async dispose() {
      await stopChild(child);
      await dropDb?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
      unregister();
    },
  };
}

async function getJson(inst, pathAndQuery) {
  const res = await fetch(`${inst.base}${pathAndQuery}`, { headers: { authorization: `Bearer ${inst.key}` } });
  if (res.status !== 200) throw new HarnessError(`GET ${pathAndQuery}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A history page must hold messages. */
const pageCheck = (body) => body.data.length > 0;
/** Analytics over the seeded range must count every seeded message. */
const analyticsCheck = (rows) => (body) => body.totals.messages === rows;

/** p50/p95/max of `samples` sequential requests for `pathAndQuery` (10 more first, not counted). */
async function latency(inst, pathAndQuery, samples, check = pageCheck) {
  const times = [];
  for (let i = 0; i < samples + 10; i++) {
    const t0 = performance.now();
    const body = await getJson(inst, pathAndQuery);
    if (i >= 10) times.push(performance.now() - t0);
    if (!check(body)) throw new HarnessError(`GET ${pathAndQuery} answered ${JSON.stringify(body).slice(0, 300)}`);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p95: at(0.95), max: times.at(-1) };
}

async function exportAll(inst) {
  const rss = sampleRss(inst.child.pid, 50);
  const before = rss.mark();
  const baseKb = rss.peakSince(0);
  const t0 = performance.now();
  const res = await fetch(`${inst.base}/v1/messages/export?format=csv`, {
    headers: { authorization: `Bearer ${inst.key}` },
  });
  if (res.status !== 200) throw new HarnessError(`export: ${res.status} ${await res.text()}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const peakKb = rss.peakSince(before);
  rss.stop();
  // Bodies hold no line feed here: lines = header + rows.
  return { rows: lines - 1, seconds, bytes, rssGrowthMB: ((peakKb - baseKb) * 1024) / 1e6 };
}

async function benchBackend(kind, s, log) {
  const inst = await installation(kind, s, log);
  try {
    const filtered = await latency(inst, '/v1/messages?status=failed&limit=50', s.samples);
    let cursor = null;
    for (let page = 0; page < 100; page++) {
      const body = await getJson(inst, `/v1/messages?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      cursor = body.nextCursor;
    }
    const deep = await latency(inst, `/v1/messages?limit=50&cursor=${encodeURIComponent(cursor)}`, s.samples);
    const range = `from=${new Date(END - SPAN).toISOString()}&to=${new Date(END).toISOString()}`;
    const byDay = await latency(inst, `/v1/analytics/messages?groupBy=day&${range}`, s.samples, analyticsCheck(s.rows));
    const byCountry = await latency(
      inst,
      `/v1/analytics/messages?groupBy=country&${range}`,
      s.samples,
      analyticsCheck(s.rows),
    );
    log(`  ${kind}: pages measured; exporting`);
    const exported = await exportAll(inst);
    if (exported.rows !== s.rows) throw new HarnessError(`export gave ${exported.rows} rows, not ${s.rows}`);
    return { kind, filtered, deep, byDay, byCountry, exported };
  } finally {
    await inst.dispose();
  }
}

export async function run({ log = console.log } = {}) {
  const s = settings();
  const results = [];
  for (const kind of s.backends) {
    if (kind !== 'sqlite' && kind !== 'pg') throw new HarnessError(`BENCH_HISTORY_BACKENDS: unknown ${kind}`);
    results.push(await benchBackend(kind, s, log));
  }
  const label = (k) => (k === 'pg' ? 'PostgreSQL' : 'SQLite');
  const ms = (l) => `${fmtNum(l.p50, 1)} / ${fmtNum(l.p95, 1)} / ${fmtNum(l.max, 1)}`;
  const lines = [
    table(
      ['', ...results.map((r) => label(r.kind))],
      [
        ['filtered first page (status=failed), p50 / p95 / max ms', ...results.map((r) => ms(r.filtered))],
        ['page 101 (cursor after 100 pages of 50), p50 / p95 / max ms', ...results.map((r) => ms(r.deep))],
        ['analytics/messages?groupBy=day over 90 days, p50 / p95 / max ms', ...results.map((r) => ms(r.byDay))],
        ['analytics/messages?groupBy=country over 90 days, p50 / p95 / max ms', ...results.map((r) => ms(r.byCountry))],
        ['CSV export: rows/s', ...results.map((r) => fmtInt(r.exported.rows / r.exported.seconds))],
        [
          'CSV export: rows, MB, s',
          ...results.map(
            (r) => `${fmtInt(r.exported.rows)}, ${fmtNum(r.exported.bytes / 1e6, 0)}, ${fmtNum(r.exported.seconds, 1)}`,
          ),
        ],
        ['relay RSS growth during the export (MB)', ...results.map((r) => fmtNum(r.exported.rssGrowthMB, 1))],
      ],
    ),
    '',
    `  ${fmtInt(s.rows)} messages over 90 days in one project; ${s.samples} sequential requests per page figure; relay \`start --no-worker\`.`,
  ];
  const checks = results.flatMap((r) => [
    {
      name: `${label(r.kind)}: filtered first page p95`,
      target: `≤ ${TARGETS.maxPageP95Ms} ms`,
      value: `${fmtNum(r.filtered.p95, 1)} ms`,
      pass: r.filtered.p95 <= TARGETS.maxPageP95Ms,
    },
    {
      name: `${label(r.kind)}: deep page p95`,
      target: `≤ ${TARGETS.maxPageP95Ms} ms`,
      value: `${fmtNum(r.deep.p95, 1)} ms`,
      pass: r.deep.p95 <= TARGETS.maxPageP95Ms,
    },
    {
      name: `${label(r.kind)}: analytics by day over 90 days, p95`,
      target: `≤ ${TARGETS.maxAnalyticsP95Ms} ms`,
      value: `${fmtNum(r.byDay.p95, 1)} ms`,
      pass: r.byDay.p95 <= TARGETS.maxAnalyticsP95Ms,
    },
    {
      name: `${label(r.kind)}: CSV export`,
      target: `≥ ${fmtInt(TARGETS.minExportRowsPerS)} rows/s`,
      value: `${fmtInt(r.exported.rows / r.exported.seconds)} rows/s`,
      pass: r.exported.rows / r.exported.seconds >= TARGETS.minExportRowsPerS,
    },
    {
      name: `${label(r.kind)}: RSS growth during the export`,
      target: `< ${TARGETS.maxRssGrowthMB} MB`,
      value: `${fmtNum(r.exported.rssGrowthMB, 1)} MB`,
      pass: r.exported.rssGrowthMB < TARGETS.maxRssGrowthMB,
    },
  ]);
  writeJson('bench-history.json', { settings: s, results });
  return { checks, lines };
}
