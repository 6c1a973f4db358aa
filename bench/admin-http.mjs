// Admin HTTP benchmark (issue 12): `GET /v1/auth/me` and a 50-item list under autocannon, each
// with a member's Bearer access token, against a fresh relay started as its bin does.
//
// Setup: `init` (the demo project), `users create --role owner` (the first owner, who gets the demo
// project), 50 templates saved through the store (as `templates add` does), then `start`, and one
// sign-in (`POST /v1/auth/login`). The list measured is `GET /v1/projects/:id/templates?limit=50`
// when the relay has that route; a relay without it (before the templates API) is measured on
// `GET /v1/accounts/:id/members?limit=50` instead, with 50 invited members who accepted, and the
// report says which one ran.
//
// Target: p99 ≤ 20 ms for each (MISSED otherwise).
// Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2, not counted),
// BENCH_CONNECTIONS (default 10), BENCH_QUIET_WAIT (s to wait for an idle machine before each
// measurement; default 60, 0 = don't wait), BENCH_KEEP=1 (keep the data directory).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HOST,
  relayCli,
  relayEnv,
  HarnessError,
  ROOT,
  TMP,
  cannon,
  delay,
  envFlag,
  envNumber,
  fmtInt,
  fmtNum,
  freePort,
  machine,
  noiseMeter,
  onCleanup,
  procCpuSeconds,
  runNode,
  spawnNode,
  stopChild,
  summariseCannon,
  table,
  waitForHttp,
  waitForQuiet,
  writeJson,
} from './lib.mjs';

export const name = 'admin';
export const title = 'Admin HTTP — GET /v1/auth/me and a 50-item list, Bearer';

export const TARGETS = { maxP99Ms: 20 };

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const RELAY = path.join(ROOT, 'packages/relay/dist/index.js');
const OWNER = { email: 'bench-owner@example.com', password: 'bench password 1234' };
const ITEMS = 50;

function settings() {
  return {
    durationS: envNumber('BENCH_DURATION', 10),
    warmupS: envNumber('BENCH_WARMUP', 2),
    connections: envNumber('BENCH_CONNECTIONS', 10),
    quietWaitS: process.env.BENCH_QUIET_WAIT === '0' ? 0 : envNumber('BENCH_QUIET_WAIT', 60),
    keep: envFlag('BENCH_KEEP'),
  };
}

/** The relay's CLI on `dataDir` (`input` on stdin): its JSON answer. */
const cli = (dataDir, args, input = '') => relayCli(dataDir, args, { input });

/** Saves `ITEMS` templates in the demo project through the store, as `templates add` does (the relay is not running). */
async function saveTemplates(dataDir, projectId) {
  const script = `
    const { createRelay, loadConfig, saveTemplate, cliActor } = await import(${JSON.stringify(pathToFileURL(RELAY).href)});
    const config = loadConfig({ ...process.env, MESSAGEJS_DATA_DIR: ${JSON.stringify(dataDir)} }, { worker: false, logLevel: 'warn' });
    const relay = await createRelay(config);
    for (let i = 1; i <= ${ITEMS}; i++) {
      const name = 'bench_' + String(i).padStart(2, '0');
      await saveTemplate(relay.store, ${JSON.stringify(projectId)}, {
        name, channel: 'sms', recipient: { mode: 'caller' },
        body: 'Hello {{name}}, your order {{order}} ships ' + i + '.',
        params: { name: { type: 'text', maxLength: 50 }, order: { type: 'text', maxLength: 20 } },
      }, Date.now(), cliActor);
    }
    await relay.close();`;
  const { code, stderr } = await runNode(['--input-type=module', '-e', script], {
    env: relayEnv('warn'),
    timeoutMs: 60_000,
  });
  if (code !== 0) throw new HarnessError(`saving ${ITEMS} templates failed (${code}):\n${stderr}`);
}

/** A JSON request to the relay; throws a harness error unless it answers `expected`. */
async function request(base, method, route, { token, body, expected = 200 } = {}) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const answer = await res.json().catch(() => null);
  if (res.status !== expected)
    throw new HarnessError(`${method} ${route} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * The 50-item list to measure: the project's templates when the relay has that route, else the
 * account's members, after inviting 50 people who accept (each acceptance hashes a password).
 */
async function listToMeasure(base, session, projectId, log) {
  const templates = `/v1/projects/${projectId}/templates?limit=${ITEMS}`;
  const probe = await fetch(`${base}${templates}`, { headers: { authorization: `Bearer ${session.accessToken}` } });
  const probed = await probe.json().catch(() => null);
  if (probe.status === 200) {
    if (probed?.data?.length !== ITEMS)
      throw new HarnessError(`${templates} listed ${probed?.data?.length} templates, not ${ITEMS}`);
    return {
      route: templates,
      label: `GET /v1/projects/:id/templates?limit=${ITEMS}`,
      what: `${ITEMS} templates (saved through the store)`,
    };
  }
  if (probed?.error?.code !== 'not_found') throw new HarnessError(`${templates} answered ${probe.status}`);
  log(`  ${templates} is not on this relay: measuring the members list instead; inviting ${ITEMS} members`);
  for (let i = 1; i <= ITEMS; i++) {
    const invite = await request(base, 'POST', `/v1/accounts/${session.accountId}/invites`, {
      token: session.accessToken,
      body: { email: `member-${i}@example.com`, role: 'viewer' },
      expected: 201,
    });
    const token = new URL(invite.url).searchParams.get('token');
    await request(base, 'POST', '/v1/invites/accept', {
      body: { token, password: `member password ${i}` },
      expected: 201,
    });
  }
  const members = `/v1/accounts/${session.accountId}/members?limit=${ITEMS}`;
  const listed = await request(base, 'GET', members, { token: session.accessToken });
  if (listed.data.length !== ITEMS) throw new HarnessError(`${members} listed ${listed.data.length}, not ${ITEMS}`);
  return {
    route: members,
    label: `GET /v1/accounts/:id/members?limit=${ITEMS}`,
    what: `${ITEMS} of ${ITEMS + 1} members (${ITEMS} invited, accepted); no templates route on this relay`,
  };
}

/** Warm-up (not counted), then the measured run of one GET. */
async function measure(label, url, token, pid, s, log) {
  const quiet = await waitForQuiet({ maxS: s.quietWaitS });
  if (quiet.quiet === false)
    log(`  ${label}: the machine is still busy after ${fmtInt(quiet.waitedS)} s; measuring anyway`);
  const request = { url, method: 'GET', headers: { authorization: `Bearer ${token}` }, connections: s.connections };
  log(`  ${label}: warm-up ${s.warmupS} s`);
  const warm = await cannon({ ...request, duration: s.warmupS });
  await delay(250);
  const cpuBefore = procCpuSeconds(pid);
  const noise = noiseMeter([pid]);
  log(`  ${label}: measuring ${s.durationS} s, ${s.connections} connections`);
  const started = Date.now();
  const run = await cannon({ ...request, duration: s.durationS });
  const wallS = (Date.now() - started) / 1000;
  const cpuAfter = procCpuSeconds(pid);
  return {
    label,
    url,
    warmup: summariseCannon(warm),
    run: summariseCannon(run),
    serverCpuPercent: cpuBefore !== null && cpuAfter !== null ? (100 * (cpuAfter - cpuBefore)) / wallS : null,
    ...noise.stop(),
  };
}

/** Sets up a fresh relay, signs in once, and measures both routes. */
async function benchAdmin(s, log) {
  if (!fs.existsSync(CLI)) throw new HarnessError(`${path.relative(ROOT, CLI)} is missing: run \`pnpm build\` first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-admin-'));
  const unregister = onCleanup(() => s.keep || fs.rmSync(dataDir, { recursive: true, force: true }));
  const logFile = path.join(TMP, 'bench-admin.log');
  let child;
  try {
    log(`  relay: init, users create, ${ITEMS} templates in ${dataDir}`);
    const demo = await cli(dataDir, ['init']);
    await cli(
      dataDir,
      ['users', 'create', '--email', OWNER.email, '--password-stdin', '--role', 'owner'],
      OWNER.password,
    );
    await saveTemplates(dataDir, demo.projectId);
    const port = await freePort();
    child = spawnNode([CLI, 'start', '--port', String(port), '--data-dir', dataDir], {
      env: relayEnv('warn'),
      logFile,
    });
    const base = `http://${HOST}:${port}`;
    await waitForHttp(`${base}/healthz`, { child, logFile });
    const session = await request(base, 'POST', '/v1/auth/login', { body: OWNER });
    const list = await listToMeasure(base, session, demo.projectId, log);
    const me = await measure('GET /v1/auth/me', `${base}/v1/auth/me`, session.accessToken, child.pid, s, log);
    const listed = await measure(list.label, `${base}${list.route}`, session.accessToken, child.pid, s, log);
    return { me, list: { ...listed, what: list.what }, logFile: path.relative(ROOT, logFile) };
  } finally {
    if (child) await stopChild(child, { timeoutMs: 10_000 });
    if (!s.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    unregister();
  }
}

/** Runs the benchmark. Resolves `{ checks, lines, json }`; throws only on a harness error. */
export async function run({ log = console.log } = {}) {
  const s = settings();
  const result = await benchAdmin(s, log);
  const routes = [result.me, result.list];
  const checks = routes.flatMap((r) => [
    {
      name: `${r.label} p99`,
      target: `≤ ${TARGETS.maxP99Ms} ms`,
      value: `${fmtNum(r.run.latencyMs.p99, 0)} ms`,
      pass: r.run.latencyMs.p99 <= TARGETS.maxP99Ms,
    },
    {
      name: `${r.label} answered 200`,
      target: '0 non-2xx / errors',
      value: `${fmtInt(r.run.non2xx + r.warmup.non2xx)} non-2xx, ${fmtInt(r.run.errors + r.warmup.errors)} errors`,
      pass: r.run.non2xx + r.warmup.non2xx + r.run.errors + r.warmup.errors === 0,
    },
  ]);
  const lines = [
    table(
      ['', 'p50 (ms)', 'p99 (ms)', 'req/s', 'server CPU', 'other CPU'],
      routes.map((r) => [
        r.label,
        fmtNum(r.run.latencyMs.p50, 0),
        fmtNum(r.run.latencyMs.p99, 0),
        fmtInt(r.run.reqPerSecAvg),
        `${fmtInt(r.serverCpuPercent)}%`,
        `${fmtInt(r.otherCpuPercent)}%`,
      ]),
    ),
    '',
    `  list: ${result.list.what}`,
    `  autocannon: ${s.connections} connections, ${s.durationS} s each (after ${s.warmupS} s warm-up), Bearer access token; relay log: ${result.logFile}`,
    '',
    table(
      ['target', 'wanted', 'measured', 'result'],
      checks.map((c) => [c.name, c.target, c.value, c.pass ? 'PASS' : 'MISSED']),
      ['l', 'l', 'r', 'l'],
    ),
  ];
  const json = { benchmark: name, at: new Date().toISOString(), machine: machine(), settings: s, ...result, checks };
  const file = writeJson('bench-admin.json', json);
  lines.push('', `  written: ${path.relative(ROOT, file)}`);
  return { checks, lines, json };
}
