// Contacts' CSV import benchmark (issue 16): a 100,000-row file uploaded to a relay started as its
// bin does (`pnpm start`'s heap flags), timed from the upload's first byte to the import's
// `completed` (`GET /v1/imports/:id`, polled every 50 ms), on SQLite and on PostgreSQL; then the same
// file again (every row matched, nothing written), timed the same way.
//
// Setup per backend: a fresh data directory (and database), `init`, `users create --role owner`,
// `start`, one sign-in. The file: phone (national, normalised with the project's country), name,
// first name, email and two custom columns, with a BOM, CRLF line ends and a quoted cell with a
// comma in one row of ten.
//
// Target: ≤ 10 s for the first import (MISSED otherwise); RSS growth is reported.
// Knobs (environment): BENCH_IMPORT_ROWS (default 100,000), BENCH_IMPORT_BACKENDS (sqlite,pg),
// BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  HOST,
  relayCli,
  HarnessError,
  ROOT,
  TMP,
  delay,
  envNumber,
  fmtInt,
  fmtNum,
  freePort,
  freshPostgresDatabase,
  kbToMB,
  onCleanup,
  procStatus,
  relayEnv,
  sampleRss,
  spawnNode,
  stopChild,
  table,
  waitForHttp,
} from './lib.mjs';

export const name = 'imports';
export const title = 'Contacts CSV import — 100,000 rows, SQLite and PostgreSQL';
export const TARGETS = { maxSeconds: 10 };

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const START_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=8'];
const OWNER = { email: 'bench-owner@example.com', password: 'bench password 1234' };

function settings() {
  return {
    rows: envNumber('BENCH_IMPORT_ROWS', 100_000),
    backends: (process.env.BENCH_IMPORT_BACKENDS || 'sqlite,pg').split(',').map((b) => b.trim()),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** The file: `rows` contacts, each with a distinct Moroccan mobile number written nationally. */
function csvFile(rows) {
  const lines = ['\uFEFFphone,name,first_name,email,company,city'];
  for (let i = 0; i < rows; i++) {
    const company = i % 10 === 0 ? `"Atlas, ${i % 97}"` : `Co${i % 97}`;
    lines.push(
      `06${String(10_000_000 + i).slice(-8)},Name${i},First${i % 500},c${i}@example.com,${company},City${i % 40}`,
    );
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

async function installation(kind, s) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-import-'));
  const unregister = onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = relayEnv('warn');
  const db = kind === 'pg' ? await freshPostgresDatabase(s.pgUrl, 'messagejs_bench_import') : null;
  if (db) {
    env.MESSAGEJS_DATABASE_URL = db.url;
    env.MESSAGEJS_MASTER_KEY = 'a'.repeat(64);
  }
  const demo = await relayCli(dataDir, ['init'], { env });
  await relayCli(dataDir, ['users', 'create', '--email', OWNER.email, '--password-stdin', '--role', 'owner'], {
    env,
    input: OWNER.password,
  });
  const port = await freePort();
  const logFile = path.join(TMP, `bench-import-${kind}.log`);
  const child = spawnNode([...START_FLAGS, CLI, 'start', '--port', String(port), '--data-dir', dataDir], {
    env,
    logFile,
  });
  const base = `http://${HOST}:${port}`;
  await waitForHttp(`${base}/healthz`, { child, logFile, timeoutMs: 60_000 });
  const login = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OWNER),
  });
  if (login.status !== 200) throw new HarnessError(`login: ${login.status} ${await login.text()}`);
  const { accessToken } = await login.json();
  return {
    base,
    child,
    token: accessToken,
    projectId: demo.projectId,
    async dispose() {
      await stopChild(child);
      await db?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      unregister();
    },
  };
}

/** Uploads the file and polls the import to its end: seconds from the first byte, and the import. */
async function timedImport(inst, file) {
  const t0 = performance.now();
  const res = await fetch(`${inst.base}/v1/projects/${inst.projectId}/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inst.token}`, 'content-type': 'text/csv' },
    body: file,
  });
  const accepted = await res.json();
  if (res.status !== 202) throw new HarnessError(`import: ${res.status} ${JSON.stringify(accepted).slice(0, 300)}`);
  const uploadedS = (performance.now() - t0) / 1000;
  for (;;) {
    await delay(50);
    const poll = await fetch(`${inst.base}/v1/imports/${accepted.importId}`, {
      headers: { authorization: `Bearer ${inst.token}` },
    });
    const state = await poll.json();
    if (state.status === 'completed' || state.status === 'failed') {
      return { seconds: (performance.now() - t0) / 1000, uploadedS, state };
    }
    if (performance.now() - t0 > 300_000) throw new HarnessError('import: not finished after 300 s');
  }
}

async function benchBackend(kind, s, file, log) {
  const inst = await installation(kind, s);
  try {
    const before = procStatus(inst.child.pid, ['VmRSS']).VmRSS;
    const rss = sampleRss(inst.child.pid, 50);
    const first = await timedImport(inst, file);
    log(`  ${kind}: first import ${fmtNum(first.seconds, 2)} s (${JSON.stringify(first.state).slice(0, 200)})`);
    if (first.state.status !== 'completed' || first.state.created !== s.rows) {
      throw new HarnessError(`${kind}: the import did not create every row: ${JSON.stringify(first.state)}`);
    }
    const again = await timedImport(inst, file);
    log(`  ${kind}: same file again ${fmtNum(again.seconds, 2)} s`);
    if (again.state.unchanged !== s.rows || again.state.created !== 0 || again.state.updated !== 0) {
      throw new HarnessError(`${kind}: the same file again changed something: ${JSON.stringify(again.state)}`);
    }
    const { maxKb } = rss.stop();
    return { kind, first, again, rssGrowthMB: kbToMB(maxKb - before) };
  } finally {
    await inst.dispose();
  }
}

export async function run({ log = console.log } = {}) {
  const s = settings();
  if (!fs.existsSync(CLI)) throw new HarnessError(`${path.relative(ROOT, CLI)} is missing: run \`pnpm build\` first`);
  const file = csvFile(s.rows);
  log(`  file: ${fmtInt(s.rows)} rows, ${fmtNum(file.length / 1e6, 1)} MB`);
  const results = [];
  for (const kind of s.backends) {
    if (kind !== 'sqlite' && kind !== 'pg') throw new HarnessError(`BENCH_IMPORT_BACKENDS: unknown ${kind}`);
    results.push(await benchBackend(kind, s, file, log));
  }
  const label = (k) => (k === 'pg' ? 'PostgreSQL' : 'SQLite');
  const lines = [
    table(
      ['', ...results.map((r) => label(r.kind))],
      [
        [`${fmtInt(s.rows)} rows imported (s)`, ...results.map((r) => fmtNum(r.first.seconds, 2))],
        ['of which the upload (s)', ...results.map((r) => fmtNum(r.first.uploadedS, 2))],
        ['rows per second', ...results.map((r) => fmtInt(s.rows / r.first.seconds))],
        ['the same file again, nothing written (s)', ...results.map((r) => fmtNum(r.again.seconds, 2))],
        ['relay RSS growth (MB)', ...results.map((r) => fmtNum(r.rssGrowthMB, 1))],
      ],
    ),
    '',
    `  ${fmtNum(file.length / 1e6, 1)} MB file, national numbers, 2 custom columns; relay \`start\` with \`pnpm start\`'s heap flags.`,
  ];
  const checks = results.map((r) => ({
    name: `${label(r.kind)}: ${fmtInt(s.rows)}-row CSV import`,
    target: `≤ ${TARGETS.maxSeconds} s`,
    value: `${fmtNum(r.first.seconds, 2)} s`,
    pass: r.first.seconds <= TARGETS.maxSeconds,
  }));
  return { checks, lines };
}
