// A/B of the send path between two commits: `node bench/ab.mjs REV_A REV_B` (`pnpm bench:ab …`).
//
// Each revision is checked out into its own worktree under .tmp/ab/ (detached, reused when it is
// already there at that commit), installed offline from the store and built. Then rounds alternate
// which build runs first (A B, B A, A B, …) so that drift of the machine's speed within a run hits
// both sides alike. A round starts that build's relay on a fresh data directory (the demo project,
// limits raised), warms it up, and measures `POST /v1/messages` (public key, template
// `order_update`, allowed origin) with autocannon, 50 connections, pipelining 1, exactly as
// bench/relay-http.mjs does. The report gives each round's req/s, p50, p99 and the relay's CPU per
// request, then the medians and the ratio B ÷ A, and each round's own ratio (drift between rounds
// cancels out of it) with their median.
//
// Knobs: --rounds N (default 6, pairs of one A and one B run), --duration S (default 8),
// --warmup S (default 2), --connections N (default 50), --profile (each relay runs under
// `node --cpu-prof`, its profiles in .tmp/ab-prof/<sha>/; the report then ends with the functions
// whose self time per request differs most between A and B, over all rounds: where B's time goes.
// The profiler slows both sides: the req/s of such a run are not the A/B's).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  HOST,
  relayEnv,
  HarnessError,
  ROOT,
  TMP,
  cannon,
  delay,
  fmtInt,
  fmtNum,
  freePort,
  procCpuSeconds,
  runNode,
  spawnNode,
  stopChild,
  selfTimeByFunction,
  summariseCannon,
  table,
  waitForHttp,
} from './lib.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    profile: { type: 'boolean', default: false },
  },
});
if (positionals.length !== 2) {
  console.error('usage: node bench/ab.mjs REV_A REV_B [--rounds 6] [--duration 8] [--warmup 2] [--connections 50]');
  process.exit(2);
}
const rounds = Number(opts.rounds);
const durationS = Number(opts.duration);
const warmupS = Number(opts.warmup);
const connections = Number(opts.connections);

const ORIGIN = 'http://localhost:8787';
const BODY = JSON.stringify({
  template: 'order_update',
  to: '+212612345678',
  params: { order: 'A-1001', eta: 'tomorrow' },
});
const RAISED = '1000000000';

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });

/** A built checkout of `rev` under .tmp/ab/<short sha>. */
function prepare(rev) {
  const sha = git('rev-parse', '--verify', `${rev}^{commit}`);
  const dir = path.join(TMP, 'ab', sha.slice(0, 12));
  const cli = path.join(dir, 'packages/relay/dist/cli.js');
  if (fs.existsSync(cli)) return { rev, sha, dir, cli };
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (fs.existsSync(dir)) git('worktree', 'remove', '--force', dir);
  console.log(`preparing ${rev} (${sha.slice(0, 12)}) in ${path.relative(ROOT, dir)}`);
  git('worktree', 'add', '--detach', dir, sha);
  sh('npx', ['-y', 'pnpm@10', 'install', '--frozen-lockfile', '--prefer-offline'], dir);
  sh('npx', ['-y', 'pnpm@10', '-s', 'build'], dir);
  return { rev, sha, dir, cli };
}

/** One measured run of a build's relay on a fresh data directory. */
async function measure(build) {
  const env = relayEnv();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-ab-'));
  try {
    const cli = async (...args) => {
      const { code, stdout, stderr } = await runNode([build.cli, ...args, '--data-dir', dataDir, '--json'], {
        env,
        timeoutMs: 30_000,
        cwd: build.dir,
      });
      if (code !== 0)
        throw new HarnessError(
          `${build.rev}: messagejs-relay ${args.join(' ')} failed (${code}):\n${stderr || stdout}`,
        );
      return JSON.parse(stdout);
    };
    const demo = await cli('init');
    await cli(
      'limits',
      'set',
      '--project',
      demo.projectId,
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
    );
    const shebang = fs.readFileSync(build.cli, 'utf8').split('\n', 1)[0];
    const nodeArgs = shebang
      .replace(/^#!\S+\s+(-S\s+)?node\s*/, '')
      .split(/\s+/)
      .filter(Boolean);
    const port = await freePort();
    const logFile = path.join(TMP, `ab-${build.sha.slice(0, 12)}.log`);
    const profDir = path.join(TMP, 'ab-prof', build.sha.slice(0, 12));
    if (opts.profile) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profDir);
    const child = spawnNode([...nodeArgs, build.cli, 'start', '--port', String(port), '--data-dir', dataDir], {
      env,
      logFile,
      cwd: build.dir,
    });
    try {
      const base = `http://${HOST}:${port}`;
      await waitForHttp(`${base}/healthz`, { child, logFile });
      const request = {
        url: `${base}/v1/messages`,
        method: 'POST',
        headers: { authorization: `Bearer ${demo.publicKey}`, origin: ORIGIN, 'content-type': 'application/json' },
        body: BODY,
        connections,
      };
      const warm = summariseCannon(await cannon({ ...request, duration: warmupS }));
      await delay(250);
      const cpu0 = procCpuSeconds(child.pid);
      const result = summariseCannon(await cannon({ ...request, duration: durationS }));
      const cpu1 = procCpuSeconds(child.pid);
      if (result.non2xx > 0)
        throw new HarnessError(
          `${build.rev}: ${result.non2xx} answers were not 2xx (${JSON.stringify(result.statusCodes)})`,
        );
      return {
        reqPerSec: result.reqPerSecAvg,
        p50: result.latencyMs.p50,
        p99: result.latencyMs.p99,
        // Every request the relay answered while it ran (its profile covers them all).
        answered: warm.totalResponses + result.totalResponses,
        cpuUsPerReq: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1e6) / result.totalResponses : null,
      };
    } finally {
      await stopChild(child, { timeoutMs: 15_000 });
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const a = prepare(positionals[0]);
const b = prepare(positionals[1]);
if (opts.profile) {
  for (const build of [a, b])
    fs.rmSync(path.join(TMP, 'ab-prof', build.sha.slice(0, 12)), { recursive: true, force: true });
}
console.log(
  `A/B POST /v1/messages: A = ${a.rev} (${a.sha.slice(0, 12)}), B = ${b.rev} (${b.sha.slice(0, 12)}); ${rounds} rounds × ${durationS} s, ${connections} connections`,
);
const results = { A: [], B: [] };
const rows = [];
for (let round = 1; round <= rounds; round++) {
  const order =
    round % 2
      ? [
          ['A', a],
          ['B', b],
        ]
      : [
          ['B', b],
          ['A', a],
        ];
  for (const [label, build] of order) {
    const r = await measure(build);
    results[label].push(r);
    rows.push([`${round}`, label, fmtInt(r.reqPerSec), fmtNum(r.p50, 0), fmtNum(r.p99, 0), fmtInt(r.cpuUsPerReq)]);
    console.log(
      `  round ${round} ${label}: ${fmtInt(r.reqPerSec)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${fmtInt(r.cpuUsPerReq)} µs CPU/request`,
    );
  }
}
const med = (label, key) => median(results[label].map((r) => r[key]).filter((v) => v !== null));
console.log(`\n${table(['round', 'build', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req'], rows)}`);
console.log(
  `\nmedians: A ${fmtInt(med('A', 'reqPerSec'))} req/s, p99 ${fmtNum(med('A', 'p99'), 0)} ms, ${fmtInt(med('A', 'cpuUsPerReq'))} µs/req; ` +
    `B ${fmtInt(med('B', 'reqPerSec'))} req/s, p99 ${fmtNum(med('B', 'p99'), 0)} ms, ${fmtInt(med('B', 'cpuUsPerReq'))} µs/req`,
);
console.log(`B ÷ A (req/s, medians): ${fmtNum(med('B', 'reqPerSec') / med('A', 'reqPerSec'), 3)}×`);
// Each round's own ratio: the machine's drift between rounds cancels out of it.
const paired = results.B.map((r, i) => r.reqPerSec / results.A[i].reqPerSec);
console.log(`B ÷ A per round: ${paired.map((x) => fmtNum(x, 3)).join(', ')}; median ${fmtNum(median(paired), 3)}×`);

if (opts.profile) {
  /** Self time per function and request over every profile of `build`. */
  const perRequest = (build, label) => {
    const dir = path.join(TMP, 'ab-prof', build.sha.slice(0, 12));
    const answered = results[label].reduce((n, r) => n + r.answered, 0);
    const sums = new Map();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
      for (const [key, us] of selfTimeByFunction(path.join(dir, file))) sums.set(key, (sums.get(key) ?? 0) + us);
    }
    return new Map([...sums].map(([key, us]) => [key, us / answered]));
  };
  const pa = perRequest(a, 'A');
  const pb = perRequest(b, 'B');
  const diff = [...new Set([...pa.keys(), ...pb.keys()])]
    .map((key) => [key, pa.get(key) ?? 0, pb.get(key) ?? 0])
    .sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]))
    .slice(0, 30);
  console.log(
    `\nself time per request (µs, under the profiler), the 30 largest differences:\n${table(
      ['function', 'A', 'B', 'B − A'],
      diff.map(([key, x, y]) => [key.slice(0, 100), fmtNum(x, 2), fmtNum(y, 2), fmtNum(y - x, 2)]),
    )}`,
  );
}
