// The HTTP benchmark: the relay's `POST /v1/messages` (public key, template `order_update`,
// allowed origin, limits raised for the run) against a bare Express 5 app answering 202, both
// under autocannon (50 connections, 10 s, pipelining 1), each server in its own child process.
//
// For the relay it also measures the peak RSS (VmHWM from /proc, cross-checked by sampling
// VmRSS every 100 ms) and checks durability: after a graceful stop (SIGTERM) it opens the
// relay's SQLite file read-only and checks that every message id a 202 answered with is stored,
// and that the row count equals the number of 202s the relay itself logged.
//
// Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2),
// BENCH_CONNECTIONS (default 50), BENCH_DRAIN_TIMEOUT (s to wait for the worker to deliver the
// backlog before stopping, default 30), BENCH_CPU_PROF=1 (run the relay under `node --cpu-prof`
// and print its hottest frames; the figures of such a run are not the benchmark's),
// BENCH_QUIET_WAIT (s to wait, before each server's warm-up, for the machine to be idle;
// default 60, 0 = don't wait), BENCH_KEEP=1 (keep the relay's temporary data directory), BENCH_RELAY_NODE_ARGS (extra
// `node` flags for the relay child only, for experiments such as "--max-semi-space-size=8";
// the benchmark's figures are taken with none).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {
  HOST,
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
  kbToMB,
  logTail,
  machine,
  noiseMeter,
  onCleanup,
  procCpuSeconds,
  procIo,
  procStatus,
  relayRequire,
  runNode,
  sampleRss,
  spawnNode,
  stopChild,
  summariseCannon,
  summariseCpuProfile,
  table,
  waitForHttp,
  waitForQuiet,
  writeJson,
} from './lib.mjs';

export const name = 'http';
export const title = 'HTTP — relay POST /v1/messages vs bare Express 5';

/** The targets from the issue. */
export const TARGETS = { minRatio: 0.5, maxP99Ms: 30, maxRssMB: 150 };

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const ORIGIN = 'http://localhost:8787';
const BODY = JSON.stringify({
  template: 'order_update',
  to: '+212612345678',
  params: { order: 'A-1001', eta: 'tomorrow' },
});
/** High enough that no limit is reached during a run (the CLI takes any integer ≥ 1). */
const RAISED_LIMIT = 1_000_000_000;
/** Statuses a message may still leave without outside help. */
const PENDING = new Set(['scheduled', 'queued', 'sending']);

function settings() {
  return {
    durationS: envNumber('BENCH_DURATION', 10),
    warmupS: envNumber('BENCH_WARMUP', 2),
    connections: envNumber('BENCH_CONNECTIONS', 50),
    pipelining: 1,
    drainTimeoutS: envNumber('BENCH_DRAIN_TIMEOUT', 30),
    cpuProf: envFlag('BENCH_CPU_PROF'),
    keep: envFlag('BENCH_KEEP'),
    quietWaitS: process.env.BENCH_QUIET_WAIT === '0' ? 0 : envNumber('BENCH_QUIET_WAIT', 60),
    relayNodeArgs: (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  };
}

/** Collects the ids of 2xx answers (the relay's body starts with {"id":"…"). */
function idCollector() {
  const ids = new Set();
  let duplicates = 0;
  let unparsed = 0;
  return {
    ids,
    get duplicates() {
      return duplicates;
    },
    get unparsed() {
      return unparsed;
    },
    onBody(status, body) {
      if (status < 200 || status >= 300) return;
      const match = /^\{"id":"([^"]+)"/.exec(body);
      if (!match) unparsed++;
      else if (ids.has(match[1])) duplicates++;
      else ids.add(match[1]);
    },
  };
}

/** Warm-up (not counted), then the measured run, against one server. */
async function hammer(target, s, log) {
  const quiet = await waitForQuiet({ maxS: s.quietWaitS });
  if (quiet.quiet === false)
    log(
      `  ${target.label}: the machine is still busy after ${fmtInt(quiet.waitedS)} s (${fmtInt(quiet.lastBusyPercent)}% of a core); measuring anyway`,
    );
  else if (quiet.waitedS > 5) log(`  ${target.label}: waited ${fmtInt(quiet.waitedS)} s for the machine to be quiet`);
  log(`  ${target.label}: warm-up ${s.warmupS} s`);
  const warm = await cannon({ ...target.request, duration: s.warmupS });
  await delay(250);
  const cpuBefore = procCpuSeconds(target.pid);
  const rssMark = target.rss?.mark();
  const noise = noiseMeter([target.pid]);
  const io0 = procIo(target.pid);
  log(`  ${target.label}: measuring ${s.durationS} s, ${s.connections} connections, pipelining ${s.pipelining}`);
  const started = Date.now();
  const main = await cannon({ ...target.request, duration: s.durationS });
  const wallS = (Date.now() - started) / 1000;
  const cpuAfter = procCpuSeconds(target.pid);
  const { otherCpuPercent, harnessCpuPercent, loadavg1 } = noise.stop();
  const io1 = procIo(target.pid);
  const responses = main.requests.total || 1;
  const perResponse = (key, unit = 1) => (io0 && io1 && key in io0 ? (io1[key] - io0[key]) / responses / unit : null);
  return {
    quietBefore: quiet,
    // Per response of the measured run; writes include socket writes and stdout (logs, console
    // connector) as well as SQLite's WAL and checkpoint writes.
    ioPerResponse: {
      writeSyscalls: perResponse('syscw'),
      writeKB: perResponse('wchar', 1024),
      storageWriteKB: perResponse('write_bytes', 1024),
      readKB: perResponse('rchar', 1024),
    },
    otherCpuPercent,
    harnessCpuPercent,
    loadavg1,
    warmup: summariseCannon(warm),
    run: summariseCannon(main),
    serverCpuPercent: cpuBefore !== null && cpuAfter !== null ? (100 * (cpuAfter - cpuBefore)) / wallS : null,
    rssPeakDuringRunKb: target.rss && rssMark !== undefined ? target.rss.peakSince(rssMark) : null,
  };
}

// ---------------------------------------------------------------------------------------------

async function benchBare(s, log) {
  const port = await freePort();
  const logFile = path.join(TMP, 'bench-bare.log');
  const child = spawnNode([path.join(ROOT, 'bench/bare-express.mjs'), '--port', String(port)], {
    env: relayEnv(),
    logFile,
  });
  try {
    const base = `http://${HOST}:${port}`;
    await waitForHttp(`${base}/healthz`, { child, logFile });
    const collector = idCollector();
    const request = {
      url: `${base}/v1/messages`,
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: BODY,
      connections: s.connections,
      pipelining: s.pipelining,
      onBody: collector.onBody,
    };
    const rss = sampleRss(child.pid, 100);
    const result = await hammer({ label: 'bare express', pid: child.pid, request, rss }, s, log);
    const hwm = procStatus(child.pid)?.VmHWM ?? null;
    rss.stop();
    return { ...result, rssPeakKb: hwm };
  } finally {
    await stopChild(child, { timeoutMs: 5000 });
  }
}

async function benchRelay(s, log) {
  if (!fs.existsSync(CLI)) throw new HarnessError(`${path.relative(ROOT, CLI)} is missing: run \`pnpm build\` first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-'));
  const unregister = onCleanup(() => s.keep || fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = relayEnv();
  const cli = async (...args) => {
    const { code, stdout, stderr } = await runNode([CLI, ...args, '--data-dir', dataDir, '--json'], {
      env,
      timeoutMs: 30_000,
    });
    if (code !== 0) throw new HarnessError(`messagejs-relay ${args.join(' ')} failed (${code}):\n${stderr || stdout}`);
    return JSON.parse(stdout);
  };

  log(`  relay: init + raise limits in ${dataDir}`);
  const demo = await cli('init');
  const limits = await cli(
    'limits',
    'set',
    '--project',
    demo.projectId,
    '--per-key-per-hour',
    String(RAISED_LIMIT),
    '--per-ip-per-minute',
    String(RAISED_LIMIT),
    '--per-recipient-per-10-minutes',
    String(RAISED_LIMIT),
    '--per-prefix-per-hour',
    String(RAISED_LIMIT),
    '--per-project-per-day',
    String(RAISED_LIMIT),
  );

  const port = await freePort();
  const logFile = path.join(TMP, 'bench-relay.log');
  const profDir = path.join(TMP, 'prof');
  // Run the relay as its bin does: with the node flags of its shebang (`#!/usr/bin/env -S node …`).
  const shebang = fs.readFileSync(CLI, 'utf8').split('\n', 1)[0];
  const binArgs = shebang
    .replace(/^#!\S+\s+(-S\s+)?node\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
  const nodeArgs = [...binArgs, ...s.relayNodeArgs];
  if (s.cpuProf) {
    fs.rmSync(profDir, { recursive: true, force: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profDir);
  }
  const child = spawnNode([...nodeArgs, CLI, 'start', '--port', String(port), '--data-dir', dataDir], { env, logFile });
  const base = `http://${HOST}:${port}`;
  let stopped = null;
  let rss = null;
  try {
    await waitForHttp(`${base}/healthz`, { child, logFile });
    rss = sampleRss(child.pid, 100);
    const collector = idCollector();
    const request = {
      url: `${base}/v1/messages`,
      method: 'POST',
      headers: { authorization: `Bearer ${demo.publicKey}`, origin: ORIGIN, 'content-type': 'application/json' },
      body: BODY,
      connections: s.connections,
      pipelining: s.pipelining,
      onBody: collector.onBody,
    };
    const result = await hammer({ label: 'relay', pid: child.pid, request, rss }, s, log);
    const hwmAfterLoadKb = procStatus(child.pid)?.VmHWM ?? null;

    // Let the worker deliver the backlog (bounded), watching the database read-only.
    const Database = relayRequire('better-sqlite3');
    const dbFile = path.join(dataDir, 'messagejs.db');
    const statusCounts = (db) =>
      Object.fromEntries(
        db
          .prepare('SELECT status, count(*) AS n FROM messages GROUP BY status')
          .all()
          .map((r) => [r.status, r.n]),
      );
    const pendingOf = (counts) =>
      Object.entries(counts).reduce((n, [status, c]) => n + (PENDING.has(status) ? c : 0), 0);
    const watch = new Database(dbFile, { readonly: true, fileMustExist: true });
    let atEndOfLoad;
    let drain;
    try {
      atEndOfLoad = statusCounts(watch);
      const drainStart = Date.now();
      let counts = atEndOfLoad;
      log(
        `  relay: waiting for the worker to deliver ${fmtInt(pendingOf(counts))} pending messages (≤ ${s.drainTimeoutS} s)`,
      );
      while (pendingOf(counts) > 0 && Date.now() - drainStart < s.drainTimeoutS * 1000) {
        await delay(250);
        counts = statusCounts(watch);
      }
      drain = { seconds: (Date.now() - drainStart) / 1000, pendingLeft: pendingOf(counts) };
    } finally {
      watch.close();
    }
    const hwmKb = procStatus(child.pid)?.VmHWM ?? null;

    log('  relay: graceful stop (SIGTERM)');
    const stopStart = Date.now();
    stopped = await stopChild(child, { signal: 'SIGTERM', timeoutMs: 15_000 });
    stopped.ms = Date.now() - stopStart;
    const rssSamples = rss.stop();
    rss = null;
    // A relay that ignores SIGTERM is a finding, not a harness error: it was SIGKILLed, and the
    // durability check below (which requires a clean exit) reports it.
    if (stopped.forced) log(`  relay: did not exit within 15 s of SIGTERM; killed${logTail(logFile, 5)}`);

    // Durability: reopen the file after the process is gone.
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    let durability;
    try {
      const stored = db.prepare('SELECT count(*) AS n FROM messages').get().n;
      const byStatus = statusCounts(db);
      const has = db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck();
      let missing = 0;
      const missingSample = [];
      for (const id of collector.ids) {
        if (!has.get(id)) {
          missing++;
          if (missingSample.length < 5) missingSample.push(id);
        }
      }
      const clientAccepted = result.warmup['2xx'] + result.run['2xx'];
      const logged202 = await countLogged202(logFile);
      durability = {
        stored,
        byStatus,
        delivered: byStatus.delivered ?? 0,
        deliveredAtEndOfLoad: atEndOfLoad.delivered ?? 0,
        storedAtEndOfLoad: Object.values(atEndOfLoad).reduce((a, b) => a + b, 0),
        drain,
        autocannon2xx: { warmup: result.warmup['2xx'], run: result.run['2xx'], total: clientAccepted },
        idsCollected: collector.ids.size,
        duplicateIds: collector.duplicates,
        unparsedBodies: collector.unparsed,
        missing,
        missingSample,
        // Requests the relay answered 202 to (and stored) whose answer autocannon never read:
        // at the end of each phase it destroys its sockets with up to one request in flight each.
        cutOffInFlight: stored - collector.ids.size,
        relayLogged202: logged202,
      };
    } finally {
      db.close();
    }

    let profile = null;
    if (s.cpuProf) {
      const files = fs.existsSync(profDir) ? fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
      if (files.length) {
        const file = path.join(profDir, files.sort().at(-1));
        profile = { file: path.relative(ROOT, file), summary: summariseCpuProfile(file) };
      }
    }

    return {
      ...result,
      rssPeakKb: hwmKb,
      rssPeakAfterLoadKb: hwmAfterLoadKb,
      rssSampledMaxKb: rssSamples.maxKb,
      rssSamples: rssSamples.samples,
      // VmRSS once a second (MB) from the first sample, to tell growth from a plateau.
      rssTimelineMB: rssSamples.series.filter((_, i) => i % 10 === 0).map(([, kb]) => Number(kbToMB(kb).toFixed(1))),
      exit: stopped,
      durability,
      limits,
      profile,
      dataDir: s.keep ? dataDir : null,
      logFile: path.relative(ROOT, logFile),
    };
  } finally {
    rss?.stop();
    if (!stopped) await stopChild(child, { timeoutMs: 5000 });
    if (!s.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    unregister();
  }
}

/** The number of `POST /v1/messages` answered 202 according to the relay's own request log. */
async function countLogged202(logFile) {
  if (!fs.existsSync(logFile)) return null;
  let n = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(logFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines)
    if (line.includes('"msg":"request"') && line.includes('"path":"/v1/messages","status":202')) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the benchmark. Resolves `{ checks, lines, json }`; throws only on a harness error.
 * `log` gets progress lines.
 */
export async function run({ log = console.log } = {}) {
  const s = settings();
  if (s.cpuProf) log('  BENCH_CPU_PROF=1: the relay runs under --cpu-prof; its figures are slowed by the profiler.');
  if (s.relayNodeArgs.length)
    log(
      `  BENCH_RELAY_NODE_ARGS: the relay runs with node ${s.relayNodeArgs.join(' ')} (an experiment, not the default).`,
    );
  const bare = await benchBare(s, log);
  const relay = await benchRelay(s, log);

  const ratio = relay.run.reqPerSecAvg / bare.run.reqPerSecAvg;
  const d = relay.durability;
  const relayClean =
    relay.run.non2xx === 0 &&
    relay.run.errors === 0 &&
    relay.run.timeouts === 0 &&
    relay.warmup.non2xx === 0 &&
    relay.warmup.errors === 0;
  const durable =
    relay.exit.code === 0 &&
    d.missing === 0 &&
    d.duplicateIds === 0 &&
    d.unparsedBodies === 0 &&
    d.idsCollected === d.autocannon2xx.total &&
    (d.relayLogged202 === null || d.relayLogged202 === d.stored);
  const rssMB = kbToMB(relay.rssPeakKb);

  const checks = [
    {
      name: 'relay req/s ≥ 0.5× bare',
      target: `≥ ${TARGETS.minRatio}×`,
      value: `${fmtNum(ratio, 2)}×`,
      pass: ratio >= TARGETS.minRatio,
    },
    {
      name: 'relay p99 latency',
      target: `≤ ${TARGETS.maxP99Ms} ms`,
      value: `${fmtNum(relay.run.latencyMs.p99, 0)} ms`,
      pass: relay.run.latencyMs.p99 <= TARGETS.maxP99Ms,
    },
    {
      name: 'relay peak RSS (VmHWM)',
      target: `≤ ${TARGETS.maxRssMB} MB`,
      value: `${fmtNum(rssMB, 1)} MB`,
      pass: rssMB <= TARGETS.maxRssMB,
    },
    {
      name: 'every accepted message stored',
      target: 'all 202 ids in SQLite',
      value: `${fmtInt(d.idsCollected - d.missing)}/${fmtInt(d.idsCollected)} ids; rows ${fmtInt(d.stored)} ${d.relayLogged202 === d.stored ? '=' : '≠'} relay 202s ${fmtInt(d.relayLogged202)}`,
      pass: durable,
    },
    {
      name: 'relay answered every request 2xx',
      target: '0 non-2xx / errors',
      value: `${fmtInt(relay.run.non2xx + relay.warmup.non2xx)} non-2xx, ${fmtInt(relay.run.errors + relay.warmup.errors)} errors`,
      pass: relayClean,
    },
  ];

  const mb = (kb) => fmtNum(kbToMB(kb), 1);
  const lines = [
    table(
      ['', 'bare express 5', 'relay'],
      [
        ['req/s (avg of 1 s samples)', fmtInt(bare.run.reqPerSecAvg), fmtInt(relay.run.reqPerSecAvg)],
        [
          'req/s stddev / min',
          `${fmtInt(bare.run.reqPerSecStddev)} / ${fmtInt(bare.run.reqPerSecMin)}`,
          `${fmtInt(relay.run.reqPerSecStddev)} / ${fmtInt(relay.run.reqPerSecMin)}`,
        ],
        ['latency p50 (ms)', fmtNum(bare.run.latencyMs.p50, 0), fmtNum(relay.run.latencyMs.p50, 0)],
        ['latency p99 (ms)', fmtNum(bare.run.latencyMs.p99, 0), fmtNum(relay.run.latencyMs.p99, 0)],
        [
          'latency avg / max (ms)',
          `${fmtNum(bare.run.latencyMs.avg, 2)} / ${fmtInt(bare.run.latencyMs.max)}`,
          `${fmtNum(relay.run.latencyMs.avg, 2)} / ${fmtInt(relay.run.latencyMs.max)}`,
        ],
        [
          '2xx in the run (warm-up)',
          `${fmtInt(bare.run['2xx'])} (${fmtInt(bare.warmup['2xx'])})`,
          `${fmtInt(relay.run['2xx'])} (${fmtInt(relay.warmup['2xx'])})`,
        ],
        [
          'non-2xx / errors / timeouts',
          `${bare.run.non2xx} / ${bare.run.errors} / ${bare.run.timeouts}`,
          `${relay.run.non2xx} / ${relay.run.errors} / ${relay.run.timeouts}`,
        ],
        [
          'CPU during run: server / autocannon',
          `${fmtInt(bare.serverCpuPercent)}% / ${fmtInt(bare.harnessCpuPercent)}%`,
          `${fmtInt(relay.serverCpuPercent)}% / ${fmtInt(relay.harnessCpuPercent)}%`,
        ],
        [
          'server write(2) calls / KB per response',
          `${fmtNum(bare.ioPerResponse.writeSyscalls, 1)} / ${fmtNum(bare.ioPerResponse.writeKB, 1)}`,
          `${fmtNum(relay.ioPerResponse.writeSyscalls, 1)} / ${fmtNum(relay.ioPerResponse.writeKB, 1)}`,
        ],
        [
          'CPU used by other processes (noise)',
          `${fmtInt(bare.otherCpuPercent)}%`,
          `${fmtInt(relay.otherCpuPercent)}%`,
        ],
        ['peak RSS, VmHWM (MB)', mb(bare.rssPeakKb), mb(relay.rssPeakKb)],
        ['  VmRSS sampled max / during run (MB)', '', `${mb(relay.rssSampledMaxKb)} / ${mb(relay.rssPeakDuringRunKb)}`],
        ['ratio relay / bare (req/s)', '', `${fmtNum(ratio, 3)}×`],
        [
          'stored rows / 202s seen by autocannon',
          '',
          `${fmtInt(d.stored)} / ${fmtInt(d.autocannon2xx.total)} (+${fmtInt(d.cutOffInFlight)} cut off in flight)`,
        ],
        ['202s in the relay log', '', fmtInt(d.relayLogged202)],
        [
          'graceful stop (SIGTERM)',
          '',
          relay.exit.forced
            ? 'did not exit in 15 s: SIGKILLed'
            : `exit ${relay.exit.code ?? relay.exit.signal} after ${fmtInt(relay.exit.ms)} ms`,
        ],
        [
          'delivered at end of load / after drain',
          '',
          `${fmtInt(d.deliveredAtEndOfLoad)} / ${fmtInt(d.delivered)} (drain ${fmtNum(d.drain.seconds, 1)} s, ${fmtInt(d.drain.pendingLeft)} left)`,
        ],
      ],
    ),
    '',
    `  autocannon: ${s.connections} connections, ${s.durationS} s (after ${s.warmupS} s warm-up), pipelining ${s.pipelining}; loopback ${HOST}; relay log: ${relay.logFile}`,
    `  stored counts all rows: warm-up + run 202s seen by autocannon, plus requests answered 202 after autocannon stopped reading (≤ ${s.connections} per phase).`,
    `  status after graceful stop: ${Object.entries(d.byStatus)
      .map(([k, v]) => `${k} ${fmtInt(v)}`)
      .join(', ')}`,
    '',
    table(
      ['target', 'wanted', 'measured', 'result'],
      checks.map((c) => [c.name, c.target, c.value, c.pass ? 'PASS' : 'MISSED']),
      ['l', 'l', 'r', 'l'],
    ),
  ];
  const noisy = Math.max(bare.otherCpuPercent ?? 0, relay.otherCpuPercent ?? 0);
  if (noisy > 15) {
    lines.push(
      '',
      `  WARNING: other processes used up to ${fmtInt(noisy)}% of a core during a measured run (of ${machine().cores} cores); the figures are skewed. Re-run on a quiet machine.`,
    );
  }
  if (relay.profile) lines.push('', ...relay.profile.summary);

  const json = {
    benchmark: 'http',
    at: new Date().toISOString(),
    machine: machine(),
    settings: s,
    targets: TARGETS,
    ratio,
    bare,
    relay: { ...relay, profile: relay.profile && { file: relay.profile.file } },
    checks,
  };
  const file = writeJson('bench-http.json', json);
  lines.push('', `  written: ${path.relative(ROOT, file)}`);
  return { checks, lines, json };
}
