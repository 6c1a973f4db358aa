// Shared helpers for the benchmarks in bench/: child processes that are always cleaned up,
// free loopback ports, readiness polling, autocannon, RSS sampling from /proc, CPU-profile
// summaries and plain-text tables. Nothing here is specific to one benchmark.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where benchmarks write their machine-readable results and logs (git-ignored). */
export const TMP = path.join(ROOT, '.tmp');
/** Everything binds and connects to this address only. */
export const HOST = '127.0.0.1';

/** The environment a relay child gets: ours minus any relay settings, plus loopback and `logLevel`. */
export function relayEnv(logLevel = 'info') {
  const env = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith('MESSAGEJS_') || key === 'PORT' || key === 'HOST' || key === 'LOG_LEVEL') delete env[key];
  return { ...env, HOST, LOG_LEVEL: logLevel };
}

/** Resolves a package the way packages/relay does (express, better-sqlite3 live there). */
export const relayRequire = createRequire(path.join(ROOT, 'packages/relay/package.json'));
export const rootRequire = createRequire(path.join(ROOT, 'package.json'));

// ---------------------------------------------------------------------------------------------
// Environment knobs

/** A positive number from the environment, or the fallback; throws on garbage. */
export function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new HarnessError(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return value;
}

export const envFlag = (name) => ['1', 'true', 'yes', 'on'].includes(String(process.env[name] ?? '').toLowerCase());

/** An error in the harness itself (as opposed to a missed target): the run exits non-zero. */
export class HarnessError extends Error {
  name = 'HarnessError';
}

// ---------------------------------------------------------------------------------------------
// Child processes: tracked, and killed whatever way this process ends.

const children = new Set();
const cleanups = new Set();

/** Registers a synchronous cleanup (e.g. removing a temp dir) run on exit; returns an unregister function. */
export function onCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function killAll(signal = 'SIGKILL') {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}

process.on('exit', () => killAll());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    killAll();
    process.exit(130);
  });
}

/**
 * Spawns `node <args>` (this Node binary) with stdout+stderr appended to `logFile` (or ignored),
 * tracked so it is killed when the harness exits. Resolves the `exited` promise with
 * `{ code, signal }`.
 */
export function spawnNode(args, { env, logFile, cwd = ROOT } = {}) {
  let out = 'ignore';
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    out = fs.openSync(logFile, 'w');
  }
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', out, out] });
  if (typeof out === 'number') fs.closeSync(out);
  children.add(child);
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  child.once('error', () => children.delete(child));
  return child;
}

/** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs. Resolves `{ code, signal, forced }`. */
export async function stopChild(child, { signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null)
    return { code: child.exitCode, signal: child.signalCode, forced: false };
  child.kill(signal);
  const timer = delay(timeoutMs).then(() => 'timeout');
  const outcome = await Promise.race([child.exited, timer]);
  if (outcome !== 'timeout') return { ...outcome, forced: false };
  child.kill('SIGKILL');
  return { ...(await child.exited), forced: true };
}

/** Runs `node <args>` to completion with a time limit; resolves `{ code, stdout, stderr }`. */
export function runNode(args, { env = process.env, timeoutMs = 60_000, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HarnessError(`node ${args.join(' ')} took more than ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Network

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers (any HTTP status) or `timeoutMs` passes. Fails early if `child`
 * exits meanwhile, quoting the end of `logFile`.
 */
export async function waitForHttp(url, { timeoutMs = 15_000, child, logFile } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new HarnessError(
        `server exited (code ${child.exitCode}, signal ${child.signalCode}) before answering ${url}${logTail(logFile)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status;
    } catch (error) {
      lastError = error;
      await delay(100);
    }
  }
  throw new HarnessError(
    `${url} did not answer within ${timeoutMs} ms (${lastError?.message ?? 'no answer'})${logTail(logFile)}`,
  );
}

/** The last lines of a log file, for error messages. */
export function logTail(logFile, lines = 15) {
  if (!logFile || !fs.existsSync(logFile)) return '';
  const text = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return text ? `\n--- ${path.relative(ROOT, logFile)} (last ${lines} lines) ---\n${text}` : '';
}

// ---------------------------------------------------------------------------------------------
// Load generation

/**
 * Runs autocannon programmatically, bounded by `duration + graceMs`. `onBody(status, body)` is
 * called for every response (used to collect message ids); `setupRequest(request)` may change
 * each request before it is sent (a distinct, signed body per request).
 */
export async function cannon({
  url,
  method = 'POST',
  headers,
  body,
  connections,
  duration,
  pipelining = 1,
  onBody,
  setupRequest,
  graceMs = 20_000,
}) {
  const autocannon = rootRequire('autocannon');
  const request = { method, headers, body, ...(setupRequest && { setupRequest }) };
  if (onBody) request.onResponse = (status, resBody) => onBody(status, resBody);
  let instance;
  const run = new Promise((resolve, reject) => {
    instance = autocannon(
      { url, connections, duration, pipelining, timeout: 10, requests: [request] },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(
      () => {
        instance?.stop?.();
        reject(new HarnessError(`autocannon did not finish within ${duration}s + ${graceMs} ms`));
      },
      duration * 1000 + graceMs,
    );
  });
  try {
    return await Promise.race([run, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** The figures we keep from an autocannon result. */
export function summariseCannon(result) {
  return {
    reqPerSecAvg: result.requests.average,
    reqPerSecStddev: result.requests.stddev,
    reqPerSecMin: result.requests.min,
    latencyMs: {
      avg: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    totalResponses: result.requests.total,
    sent: result.requests.sent,
    '2xx': result['2xx'],
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
    ),
    errors: result.errors,
    timeouts: result.timeouts,
    resets: result.resets,
    durationS: result.duration,
  };
}

// ---------------------------------------------------------------------------------------------
// Memory

/** Reads fields (in kB) from /proc/<pid>/status; null when the process is gone. */
export function procStatus(pid, fields = ['VmRSS', 'VmHWM']) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const out = {};
  for (const field of fields) {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    out[field] = match ? Number(match[1]) : null;
  }
  return out;
}

/** Samples VmRSS of `pid` every `intervalMs`; `stop()` returns `{ maxKb, samples, series }`. */
export function sampleRss(pid, intervalMs = 100) {
  const series = [];
  let maxKb = 0;
  const take = () => {
    const status = procStatus(pid, ['VmRSS']);
    if (!status?.VmRSS) return;
    series.push([Date.now(), status.VmRSS]);
    if (status.VmRSS > maxKb) maxKb = status.VmRSS;
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    /** Marks the current sample index so a phase's peak can be computed later. */
    mark: () => series.length,
    peakSince: (index) => series.slice(index).reduce((max, [, kb]) => Math.max(max, kb), 0),
    stop() {
      clearInterval(timer);
      take();
      return { maxKb, samples: series.length, series };
    },
  };
}

/**
 * CPU seconds (user + system) used so far by `pid`, from /proc/<pid>/stat; null when gone.
 * Assumes the usual 100 clock ticks per second (USER_HZ).
 */
export function procCpuSeconds(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces; fields after it are space-separated.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** I/O counters of `pid` from /proc/<pid>/io (wchar/syscw count every write(2), sockets included). */
export function procIo(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    return Object.fromEntries(
      text
        .trim()
        .split('\n')
        .map((line) => {
          const [key, value] = line.split(':');
          return [key.trim(), Number(value)];
        }),
    );
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusySeconds() {
  try {
    const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / 100;
  } catch {
    return null;
  }
}

/**
 * Measures, over a phase, how much CPU the rest of the machine used: busy CPU of all cores
 * minus this process and the given child pids. `stop()` → `{ otherCpuPercent, loadavg }`
 * (percent of one core). Other benchmarks or builds running at the same time skew figures.
 */
export function noiseMeter(pids = []) {
  const t0 = Date.now();
  const busy0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const kids0 = pids.map((pid) => procCpuSeconds(pid) ?? 0);
  return {
    stop() {
      const wall = (Date.now() - t0) / 1000;
      const busy = machineBusySeconds() - busy0;
      const self = process.cpuUsage(self0);
      const kids = pids.reduce((sum, pid, i) => sum + ((procCpuSeconds(pid) ?? kids0[i]) - kids0[i]), 0);
      const other = busy - (self.user + self.system) / 1e6 - kids;
      return {
        otherCpuPercent: busy0 === null ? null : Math.max(0, (100 * other) / wall),
        harnessCpuPercent: (100 * (self.user + self.system)) / 1e6 / wall,
        loadavg1: os.loadavg()[0],
      };
    },
  };
}

/**
 * Waits (at most `maxS` seconds) until the machine has been quiet — under `thresholdPercent` of
 * one core busy — for `windowS` consecutive seconds. Call it while the servers are idle: on a
 * shared machine, a build or test run elsewhere skews the figures. Resolves
 * `{ quiet, waitedS, lastBusyPercent }`.
 */
export async function waitForQuiet({ maxS = 60, windowS = 3, thresholdPercent = 10 } = {}) {
  const started = Date.now();
  let calm = 0;
  let last = null;
  let previous = machineBusySeconds();
  if (previous === null || maxS <= 0) return { quiet: null, waitedS: 0, lastBusyPercent: null };
  while ((Date.now() - started) / 1000 < maxS) {
    await delay(1000);
    const now = machineBusySeconds();
    last = (now - previous) * 100;
    previous = now;
    calm = last < thresholdPercent ? calm + 1 : 0;
    if (calm >= windowS) return { quiet: true, waitedS: (Date.now() - started) / 1000, lastBusyPercent: last };
  }
  return { quiet: false, waitedS: (Date.now() - started) / 1000, lastBusyPercent: last };
}

export const kbToMB = (kb) => (kb * 1024) / 1e6;
export const kbToMiB = (kb) => kb / 1024;

// ---------------------------------------------------------------------------------------------
// CPU profiles (node --cpu-prof)

/**
 * Self time per function of a .cpuprofile (µs), keyed `name file` (no line: two builds of the
 * same code compare), idle left out.
 */
export function selfTimeByFunction(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map();
  for (const [id, us] of self) {
    const { functionName, url } = byId.get(id).callFrame;
    if (functionName === '(idle)') continue;
    const where = url
      .replace(/^file:\/\//, '')
      .replace(/.*node_modules\//, '')
      .replace(/.*\/(dist|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'}  ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  return byFunction;
}

/**
 * Summarises a .cpuprofile: the top `limit` functions by self time, and the top files/packages
 * by self time. Returns plain-text lines.
 */
export function summariseCpuProfile(file, { limit = 25 } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;

  const shortUrl = (url) => {
    if (!url) return '';
    const clean = url.replace(/^file:\/\//, '');
    const nm = clean.lastIndexOf('node_modules/');
    if (nm >= 0) return clean.slice(nm + 'node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
    return path.relative(ROOT, clean).startsWith('..') ? clean : path.relative(ROOT, clean);
  };
  const bucket = (url) => {
    if (!url) return '(native/V8/GC)';
    if (url.startsWith('node:')) return 'node: core';
    const s = shortUrl(url);
    const nm = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(s);
    if (url.includes('node_modules/') && nm) return nm[1];
    if (s.startsWith('packages/relay/')) return s;
    return s;
  };

  const fnTotals = new Map();
  const fileTotals = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const cf = node.callFrame;
    const name = cf.functionName || '(anonymous)';
    const key = cf.url ? `${name}  ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : name;
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
    const b = bucket(cf.url);
    fileTotals.set(b, (fileTotals.get(b) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [
    `profile ${path.relative(ROOT, file)}: ${(total / 1e6).toFixed(1)} s sampled`,
    '',
    'top functions by self time:',
  ];
  for (const [key, us] of [...fnTotals].sort((a, b) => b[1] - a[1]).slice(0, limit)) lines.push(`  ${pct(us)}  ${key}`);
  lines.push('', 'self time by package / file:');
  for (const [key, us] of [...fileTotals].sort((a, b) => b[1] - a[1]).slice(0, limit))
    lines.push(`  ${pct(us)}  ${key}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Output

/** A plain-text table; `align` per column: 'l' or 'r'. */
export function table(header, rows, align = header.map((_, i) => (i === 0 ? 'l' : 'r'))) {
  const cells = [header, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [fmt(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}

export const fmtInt = (n) =>
  n === null || n === undefined || Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en');
export const fmtNum = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));

/** Facts about the machine, recorded with every result. */
export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryGB: Math.round(os.totalmem() / 1e9),
  };
}

/** Writes `value` as pretty JSON under .tmp/ and returns the path. */
export function writeJson(name, value) {
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, name);
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/**
 * A PostgreSQL database of its own for one benchmark run (`CREATE DATABASE` on `adminUrl`'s
 * server): its URL, and `drop()`.
 */
export async function freshPostgresDatabase(adminUrl, prefix) {
  const pg = relayRequire('pg');
  const name = `${prefix}_${process.pid}_${Math.random().toString(16).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  return { url: url.toString(), drop };
}

/** Runs the relay's CLI (`packages/relay/dist/cli.js`) on `dataDir` with `--json`, `input` on stdin; resolves with its JSON answer. */
export function relayCli(dataDir, args, { env = relayEnv('warn'), input = '' } = {}) {
  const cli = path.join(ROOT, 'packages/relay/dist/cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--data-dir', dataDir, '--json'], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout))
        : reject(new HarnessError(`messagejs-relay ${args.join(' ')} failed (${code}):\n${stderr || stdout}`)),
    );
    child.stdin.end(input);
  });
}
