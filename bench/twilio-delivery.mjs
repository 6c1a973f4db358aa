// The Twilio delivery benchmark: the relay's outbox worker delivering queued SMS through the
// `twilio` connector to a local fake Twilio API, against a plain loop calling the same fake with
// the `twilio` client at the same concurrency.
//
// Three child processes, so that none shares an event loop with another (this file is all three:
// `node bench/twilio-delivery.mjs --role fake|reference|relay`; `run()` is the harness side):
//
//   fake       node:http on 127.0.0.1 answering POST /2010-04-01/Accounts/:sid/Messages.json with
//              201 and a Twilio-like JSON body (`sid: SM…`, `status: queued`) after a fixed delay
//              (BENCH_TWILIO_LATENCY_MS, default 5 ms); it counts requests and keeps the sids it
//              issued. GET /__stats and POST /__reset are for the harness, between phases only.
//   reference  `twilio(accountSid, authToken, { httpClient })`, the package's own RequestClient
//              (keep-alive) with the API base rewritten to the fake, as the connector does;
//              N loops (the concurrency) calling `client.messages.create({ to, from, body })`.
//   relay      the relay from packages/relay/dist (createRelay, worker on, concurrency N): demo
//              project, a `twilio` SMS connector with priority 1, limits raised; the messages are
//              accepted through the relay's own POST /v1/messages (secret key, free text) on a
//              server of this child's, with the worker stopped; then the HTTP server is closed and
//              the time from `worker.start()` until every message has its final status committed
//              is measured. This child runs with the node flags of the relay bin's shebang (the
//              heap ceiling), as bench/relay-http.mjs runs the relay.
//
// Both sides first send BENCH_TWILIO_WARMUP messages (default 500) that are not counted (JIT
// warm-up; on the relay this also loads the lazily-required `twilio` package), then the measured
// BENCH_TWILIO_MESSAGES (default 5,000), every message to a distinct French or Moroccan mobile.
// After the relay child exits, the harness opens its SQLite file read-only and checks that every
// accepted message is `sent` through the twilio connector with a provider id the fake issued.
//
// A measured phase lasts only 2–3 s, and on a small VM one side's figure moves by ±15 % between
// runs; so the harness runs BENCH_TWILIO_ROUNDS rounds (default 5), odd ones the reference then
// the relay, even ones the other way round (fresh child processes and data directory each time),
// and checks the ratio of the medians.
//
// Knobs (environment): BENCH_TWILIO_MESSAGES (default 5000), BENCH_TWILIO_WARMUP (default 500;
// 0 = none), BENCH_TWILIO_ROUNDS (default 5), BENCH_TWILIO_CONCURRENCY (both sides, default 32,
// the worker's default), BENCH_TWILIO_LATENCY_MS (the fake's answer delay, default 5; 0 = answer
// at once), BENCH_TWILIO_DEADLINE (s allowed for each measured phase, default 120),
// BENCH_QUIET_WAIT (s to wait for an idle machine before each side, default 60, 0 = don't),
// BENCH_CPU_PROF=1 (profile the measured phase of both children with the inspector into
// .tmp/prof-twilio/ and print the hottest frames of round 1; the figures of such a run are not
// the benchmark's), BENCH_KEEP=1 (keep the relay's data directories).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  relayRequire,
  runNode,
  spawnNode,
  stopChild,
  summariseCpuProfile,
  table,
  waitForHttp,
  waitForQuiet,
  writeJson,
} from './lib.mjs';

export const name = 'twilio';
export const title = 'Twilio delivery — relay worker vs plain twilio-client loop';

/** The target from the issue. */
export const TARGETS = { minRatio: 0.8 };

const SELF = fileURLToPath(import.meta.url);
const RELAY_DIST = path.join(ROOT, 'packages/relay/dist/index.js');
const RELAY_CLI = path.join(ROOT, 'packages/relay/dist/cli.js');

/** The node flags of the relay bin's shebang (`#!/usr/bin/env -S node …`), as bench/relay-http.mjs reads them. */
function relayBinArgs() {
  if (!fs.existsSync(RELAY_CLI)) return [];
  const shebang = fs.readFileSync(RELAY_CLI, 'utf8').split('\n', 1)[0];
  return shebang
    .replace(/^#!\S+\s+(-S\s+)?node\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
}
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'bench-auth-token';
const FROM = '+15005550006';
/** What a Twilio message sid looks like (the fake issues these). */
const MESSAGE_SID = /^SM[0-9a-f]{32}$/;
/** High enough that no limit is reached during a run. */
const RAISED_LIMIT = 1_000_000_000;

/** The i-th recipient (distinct for every i below 10⁶): French and Moroccan mobiles alternately. */
const recipient = (i) => (i % 2 === 0 ? `+3361${String(i).padStart(7, '0')}` : `+212612${String(i).padStart(6, '0')}`);
/** The i-th text: one GSM-7 segment, like the demo's `order_update`. */
const text = (i) => `Order A-${i} is on its way, arriving tomorrow.`;
/** Messages [from, from + count). Warm-up and measured messages never share a recipient. */
const batch = (from, count) =>
  Array.from({ length: count }, (_, k) => ({ to: recipient(from + k), body: text(from + k) }));

/** A count from the environment where 0 is allowed (envNumber rejects it). */
const envCount = (name, fallback) => (process.env[name] === '0' ? 0 : envNumber(name, fallback));

function settings() {
  const messages = envNumber('BENCH_TWILIO_MESSAGES', 5000);
  const warmup = envCount('BENCH_TWILIO_WARMUP', 500);
  const rounds = envNumber('BENCH_TWILIO_ROUNDS', 5);
  if (!Number.isInteger(messages) || !Number.isInteger(warmup) || messages + warmup >= 1_000_000) {
    throw new HarnessError('BENCH_TWILIO_MESSAGES and BENCH_TWILIO_WARMUP must be whole numbers, together under 10⁶');
  }
  const concurrency = envNumber('BENCH_TWILIO_CONCURRENCY', 32);
  if (!Number.isInteger(rounds) || !Number.isInteger(concurrency))
    throw new HarnessError('BENCH_TWILIO_ROUNDS and BENCH_TWILIO_CONCURRENCY must be whole numbers');
  return {
    messages,
    warmup,
    rounds,
    concurrency,
    latencyMs: envCount('BENCH_TWILIO_LATENCY_MS', 5),
    deadlineS: envNumber('BENCH_TWILIO_DEADLINE', 120),
    quietWaitS: envCount('BENCH_QUIET_WAIT', 60),
    cpuProf: envFlag('BENCH_CPU_PROF'),
    keep: envFlag('BENCH_KEEP'),
  };
}

// =============================================================================================
// Child: the fake Twilio API

function twilioMessage(accountSid, form, sid, now) {
  const date = new Date(now).toUTCString().replace('GMT', '+0000');
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: form.get('Body') ?? '',
    date_created: date,
    date_sent: null,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: form.get('From'),
    messaging_service_sid: form.get('MessagingServiceSid'),
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: uri.replace('.json', '/Media.json') },
    to: form.get('To'),
    uri,
  };
}

function runFake({ port, latencyMs }) {
  const MESSAGES = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;
  let stats;
  const reset = () => {
    stats = { requests: 0, created: 0, rejected: 0, sids: [] };
  };
  reset();
  const send = (res, status, value) => {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://fake');
    if (url.pathname === '/__stats') {
      const { sids, ...counts } = stats;
      return send(res, 200, url.searchParams.has('sids') ? { ...counts, sids } : counts);
    }
    if (url.pathname === '/__reset' && req.method === 'POST') {
      reset();
      return send(res, 200, { ok: true });
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      const match = MESSAGES.exec(url.pathname);
      if (req.method !== 'POST' || !match) {
        stats.rejected++;
        return send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      }
      if (!/^Basic /.test(req.headers.authorization ?? '')) {
        stats.rejected++;
        return send(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (!form.get('To') || !form.get('Body')) {
        stats.rejected++;
        return send(res, 400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
      }
      const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
      stats.created++;
      stats.sids.push(sid);
      const answer = () => send(res, 201, twilioMessage(match[1], form, sid, Date.now()));
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, HOST, () => console.log(`fake twilio on http://${HOST}:${port}, latency ${latencyMs} ms`));
}

// =============================================================================================
// Children: what both measuring sides share

/** Starts measuring this process (CPU, event loop, the machine, the fake server's CPU). */
function startMeter(fakePid) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const busy0 = machineBusySeconds();
  const fake0 = procCpuSeconds(fakePid);
  return () => {
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const busy = machineBusySeconds();
    const fake = procCpuSeconds(fakePid);
    const selfS = (cpu.user + cpu.system) / 1e6;
    const fakeS = fake !== null && fake0 !== null ? fake - fake0 : null;
    return {
      ms,
      cpuPercent: (100 * selfS * 1000) / ms,
      cpuMsPerMessage: null, // filled in by the caller
      cpuS: selfS,
      eventLoopUtilization: elu.utilization,
      fakeCpuPercent: fakeS === null ? null : (100 * fakeS * 1000) / ms,
      // Busy CPU of the whole machine minus this process and the fake, in % of one core.
      otherCpuPercent:
        busy0 === null || fakeS === null ? null : Math.max(0, (100 * (busy - busy0 - selfS - fakeS) * 1000) / ms),
    };
  };
}

/**
 * Lets the process settle before a measured phase: a short pause, then a full GC (the children
 * run with --expose-gc), so that neither side starts with the garbage of its preparation.
 */
async function settle() {
  await delay(200);
  globalThis.gc?.();
  await delay(50);
}

/** Profiles the current process through the inspector (only the measured phase), when asked. */
async function maybeProfiler(file) {
  if (!file) return { stop: async () => null };
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

/** Runs `fn(item)` over `items` with `concurrency` loops; resolves with the results in order. */
async function pool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const loop = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, loop));
  return results;
}

function childArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

// =============================================================================================
// Child: the reference loop

async function runReference(a) {
  const twilio = relayRequire('twilio');
  const baseUrl = a.base;
  // The connector's URI rewrite (packages/relay/src/connectors/twilio.ts, `rebase`), nothing else.
  class BenchRequestClient extends twilio.RequestClient {
    constructor() {
      super({ keepAlive: true });
    }

    request(options) {
      const target = new URL(options.uri);
      return super.request({ ...options, uri: `${baseUrl}${target.pathname}${target.search}` });
    }
  }
  const client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: new BenchRequestClient() });
  const concurrency = Number(a.concurrency);
  let errors = 0;
  let firstError = null;
  const send = async ({ to, body }) => {
    try {
      const created = await client.messages.create({ to, from: FROM, body });
      return created.sid;
    } catch (error) {
      errors++;
      firstError ??= String(error?.stack ?? error);
      return null;
    }
  };

  const warmup = batch(0, Number(a.warmup));
  const measured = batch(warmup.length, Number(a.messages));
  await pool(warmup, concurrency, send);
  const warmupErrors = errors;
  errors = 0;
  await settle();

  const profiler = await maybeProfiler(a.profile);
  const stop = startMeter(Number(a['fake-pid']));
  const sids = await pool(measured, concurrency, send);
  const meter = stop();
  const profile = await profiler.stop();
  meter.cpuMsPerMessage = (meter.cpuS * 1000) / measured.length;
  const result = {
    side: 'reference',
    messages: measured.length,
    warmup: warmup.length,
    concurrency,
    msgsPerSec: (measured.length * 1000) / meter.ms,
    ...meter,
    errors,
    warmupErrors,
    firstError,
    sids,
    profile,
  };
  fs.writeFileSync(a.out, JSON.stringify(result));
}

// =============================================================================================
// Child: the relay's worker

async function runRelayWorker(a) {
  const relayApi = await import(pathToFileURL(RELAY_DIST).href);
  const { createRelay, loadConfig, addConnector, setLimits } = relayApi;
  const concurrency = Number(a.concurrency);
  const deadlineMs = Number(a['deadline-s']) * 1000;
  const config = loadConfig({
    MESSAGEJS_DATA_DIR: a['data-dir'],
    LOG_LEVEL: 'warn',
    MESSAGEJS_WORKER: 'on',
    MESSAGEJS_WORKER_CONCURRENCY: String(concurrency),
    MESSAGEJS_CONNECTOR_BASE_URLS: JSON.stringify({ twilio: a.base }),
  });
  const relay = await createRelay(config);
  const { store, worker } = relay;
  if (!worker) throw new Error('the relay was built without a worker');

  const demo = await relay.ensureDemo();
  if (!demo) throw new Error(`the data directory ${a['data-dir']} is not fresh`);
  const connector = await addConnector(
    store,
    relay.sealer,
    {
      projectId: demo.projectId,
      type: 'twilio',
      name: 'Twilio (bench fake)',
      channels: ['sms'],
      config: { from: FROM },
      credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      priority: 1,
    },
    Date.now(),
  );
  await setLimits(store, demo.projectId, {
    perKeyPerHour: RAISED_LIMIT,
    perIpPerMinute: RAISED_LIMIT,
    perRecipientPer10Minutes: RAISED_LIMIT,
    perPrefixPerHour: RAISED_LIMIT,
    perProjectPerDay: RAISED_LIMIT,
  });
  relay.invalidateCaches();

  // Our own server on the relay's app: `relay.listen()` would start the worker as well.
  const server = http.createServer(relay.handler);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const api = `http://${HOST}:${server.address().port}/v1/messages`;
  const headers = { authorization: `Bearer ${demo.secretKey}`, 'content-type': 'application/json' };
  const accept = (messages) =>
    pool(messages, 16, async ({ to, body }) => {
      const res = await fetch(api, {
        method: 'POST',
        headers,
        body: JSON.stringify({ to, channel: 'sms', text: body }),
      });
      const answer = await res.json();
      if (res.status !== 202) throw new Error(`POST /v1/messages answered ${res.status}: ${JSON.stringify(answer)}`);
      return answer.id;
    });

  // Counts messages whose outcome is final and committed: the worker calls store.outbox.complete
  // (or .fail), and the wrapper below counts once its group commit has resolved. A pending() poll
  // every 100 ms backs this up, and
  // the deadline bounds the wait.
  const outbox = store.outbox;
  const claims = { transactions: 0, rows: 0 };
  const claim = outbox.claim;
  outbox.claim = async (...args) => {
    const jobs = await claim.apply(outbox, args);
    claims.transactions++;
    claims.rows += jobs.length;
    return jobs;
  };
  let finals = 0;
  let failed = 0;
  let target = Infinity;
  let done = () => {};
  for (const method of ['complete', 'fail']) {
    const original = outbox[method];
    outbox[method] = async (...args) => {
      await original.apply(outbox, args);
      if (method === 'fail') failed++;
      if (++finals >= target) done(false);
    };
  }
  /** Resolves `{ timedOut }` as soon as `count` messages are final (or the outbox is empty). */
  const drain = (count) =>
    new Promise((resolve) => {
      finals = 0;
      failed = 0;
      target = count;
      const started = performance.now();
      const timer = setInterval(async () => {
        if (performance.now() - started > deadlineMs) done(true);
        else if ((await outbox.pending()) === 0) done(false);
      }, 100);
      done = (timedOut) => {
        clearInterval(timer);
        target = Infinity;
        done = () => {};
        resolve({ timedOut });
      };
    });

  const warmupIds = await accept(batch(0, Number(a.warmup)));
  let warmupDrain = null;
  if (warmupIds.length) {
    worker.start();
    const { timedOut } = await drain(warmupIds.length);
    await worker.stop();
    warmupDrain = { finals, failed, timedOut, pendingLeft: await outbox.pending() };
    if (warmupDrain.pendingLeft > 0)
      throw new Error(
        `the worker left ${warmupDrain.pendingLeft} warm-up messages undelivered (deadline ${a['deadline-s']} s)`,
      );
  }
  const ids = await accept(batch(warmupIds.length, Number(a.messages)));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const queued = await outbox.pending();
  await settle();

  const profiler = await maybeProfiler(a.profile);
  const stop = startMeter(Number(a['fake-pid']));
  claims.transactions = 0;
  claims.rows = 0;
  worker.start();
  const { timedOut } = await drain(ids.length);
  const meter = stop();
  const claimed = { ...claims };
  const profile = await profiler.stop();
  const outcome = { finals, failed, timedOut };
  await worker.stop();
  outcome.pendingLeft = await outbox.pending();
  await relay.close();
  meter.cpuMsPerMessage = (meter.cpuS * 1000) / ids.length;

  const result = {
    side: 'relay',
    messages: ids.length,
    warmup: warmupIds.length,
    concurrency,
    queuedBeforeStart: queued,
    // The worker's outbox.claim calls (one write transaction each) during the measured phase.
    claims: claimed,
    msgsPerSec: (outcome.finals * 1000) / meter.ms,
    ...meter,
    ...outcome,
    warmupDrain,
    projectId: demo.projectId,
    connectorId: connector.id,
    ids,
    warmupIds,
    profile,
  };
  fs.writeFileSync(a.out, JSON.stringify(result));
}

// =============================================================================================
// Harness side

const fakeUrl = (port, p) => `http://${HOST}:${port}${p}`;

async function fakeStats(port, { sids = false, reset = false } = {}) {
  if (reset) {
    const res = await fetch(fakeUrl(port, '/__reset'), { method: 'POST', signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
  }
  const res = await fetch(fakeUrl(port, `/__stats${sids ? '?sids' : ''}`), { signal: AbortSignal.timeout(5000) });
  return res.json();
}

/** Runs one measuring child to completion and reads its result file. */
async function runSide(role, round, s, extra, log) {
  const out = path.join(TMP, `bench-twilio-${role}.result.json`);
  const logFile = path.join(TMP, `bench-twilio-${role}-${round}.log`);
  fs.rmSync(out, { force: true });
  const quiet = await waitForQuiet({ maxS: s.quietWaitS });
  if (quiet.quiet === false)
    log(
      `  ${role}: the machine is still busy after ${fmtInt(quiet.waitedS)} s (${fmtInt(quiet.lastBusyPercent)}% of a core); measuring anyway`,
    );
  else if (quiet.waitedS > 5) log(`  ${role}: waited ${fmtInt(quiet.waitedS)} s for the machine to be quiet`);
  // The relay side runs with the node flags its bin runs with (e.g. the heap ceiling).
  const nodeFlags = role === 'relay' ? relayBinArgs() : [];
  const args = [
    ...nodeFlags,
    '--expose-gc',
    SELF,
    '--role',
    role,
    '--out',
    out,
    '--messages',
    String(s.messages),
    '--warmup',
    String(s.warmup),
    '--concurrency',
    String(s.concurrency),
    '--deadline-s',
    String(s.deadlineS),
  ];
  for (const [key, value] of Object.entries(extra)) args.push(`--${key}`, String(value));
  if (s.cpuProf) args.push('--profile', path.join(TMP, 'prof-twilio', `${role}-${round}.cpuprofile`));
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('MESSAGEJS_') || key === 'LOG_LEVEL') delete env[key];
  const { code, stdout, stderr } = await runNode(args, { env, timeoutMs: (s.deadlineS + 120) * 1000 });
  fs.mkdirSync(TMP, { recursive: true });
  fs.writeFileSync(logFile, `${stdout}${stderr ? `\n--- stderr ---\n${stderr}` : ''}`);
  if (code !== 0 || !fs.existsSync(out))
    throw new HarnessError(`the ${role} child exited with ${code}${logTail(logFile)}`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  return { ...result, round, nodeFlags, quietBefore: quiet, logFile: path.relative(ROOT, logFile) };
}

/** Reads the relay's SQLite file (after the child exited) and checks every message's final state. */
function verifyRelay(dataDir, relay, issuedSids) {
  const Database = relayRequire('better-sqlite3');
  const db = new Database(path.join(dataDir, 'messagejs.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(
      'SELECT status, provider_message_id AS pid, connector_id AS cid, sent_at AS sentAt FROM messages WHERE id = ?',
    );
    const attempts = db.prepare('SELECT count(*) AS n FROM message_attempts WHERE message_id = ?').pluck();
    const issued = new Set(issuedSids);
    const seen = new Set();
    const byStatus = {};
    let sentWithId = 0;
    let missing = 0;
    let otherConnector = 0;
    let notIssued = 0;
    let duplicates = 0;
    let attemptsTotal = 0;
    for (const id of relay.ids) {
      const m = row.get(id);
      if (!m) {
        missing++;
        continue;
      }
      byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
      attemptsTotal += attempts.get(id);
      if (m.cid !== null && m.cid !== relay.connectorId) otherConnector++;
      if (m.pid) {
        if (seen.has(m.pid)) duplicates++;
        seen.add(m.pid);
        if (!issued.has(m.pid)) notIssued++;
      }
      if (m.status === 'sent' && m.pid && MESSAGE_SID.test(m.pid) && m.sentAt !== null) sentWithId++;
    }
    const outboxLeft = db.prepare('SELECT count(*) FROM outbox').pluck().get();
    const ok =
      !relay.timedOut &&
      sentWithId === relay.ids.length &&
      missing === 0 &&
      otherConnector === 0 &&
      notIssued === 0 &&
      duplicates === 0 &&
      outboxLeft === 0;
    return {
      ok,
      accepted: relay.ids.length,
      sentWithId,
      byStatus,
      missing,
      otherConnector,
      notIssued,
      duplicates,
      outboxLeft,
      attempts: attemptsTotal,
    };
  } finally {
    db.close();
  }
}

const median = (values) => {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/**
 * One round: the reference loop and the relay, each against a freshly reset fake. Odd rounds run
 * the reference first, even rounds the relay first, so a machine whose speed drifts over a round
 * (this VM's moves by ±15 % between phases) favours neither side.
 */
async function runRound(round, s, fake, port, log) {
  const base = `http://${HOST}:${port}`;
  const total = s.warmup + s.messages;
  const tag = s.rounds > 1 ? ` [round ${round}/${s.rounds}]` : '';

  const runReferenceSide = async () => {
    await fakeStats(port, { reset: true });
    const reference = await runSide('reference', round, s, { base, 'fake-pid': fake.pid }, log);
    const refFake = await fakeStats(port, { sids: true });
    if (reference.errors || reference.warmupErrors)
      throw new HarnessError(
        `the reference loop got ${reference.errors + reference.warmupErrors} errors: ${reference.firstError}`,
      );
    if (refFake.created !== total || refFake.rejected)
      throw new HarnessError(
        `the fake saw ${refFake.created} messages (${refFake.rejected} rejected) from the reference, not ${total}`,
      );
    const refIssued = new Set(refFake.sids);
    if (!reference.sids.every((sid) => refIssued.has(sid)))
      throw new HarnessError('the reference got sids the fake did not issue');
    log(`  reference${tag}: ${fmtInt(reference.msgsPerSec)} msgs/s`);
    return { reference, refFake };
  };

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-twilio-'));
  const unregister = onCleanup(() => s.keep || fs.rmSync(dataDir, { recursive: true, force: true }));
  const runRelaySide = async () => {
    await fakeStats(port, { reset: true });
    const relay = await runSide('relay', round, s, { base, 'fake-pid': fake.pid, 'data-dir': dataDir }, log);
    const relayFake = await fakeStats(port, { sids: true });
    if (relay.queuedBeforeStart !== s.messages)
      throw new HarnessError(
        `the relay had ${relay.queuedBeforeStart} outbox rows before the worker started, not ${s.messages}`,
      );
    const verify = verifyRelay(dataDir, relay, relayFake.sids);
    log(
      `  relay${tag}: ${fmtInt(relay.msgsPerSec)} msgs/s${relay.timedOut ? ` (timed out after ${s.deadlineS} s)` : ''}, ${fmtInt(verify.sentWithId)}/${fmtInt(verify.accepted)} sent${s.keep ? `; data kept in ${dataDir}` : ''}`,
    );
    return { relay, relayFake, verify };
  };
  try {
    const relayFirst = round % 2 === 0;
    let referenceSide;
    let relaySide;
    if (relayFirst) {
      relaySide = await runRelaySide();
      referenceSide = await runReferenceSide();
    } else {
      referenceSide = await runReferenceSide();
      relaySide = await runRelaySide();
    }
    const { reference, refFake } = referenceSide;
    const { relay, relayFake, verify } = relaySide;
    const strip = ({ sids, ids, warmupIds, ...rest }) => rest;
    return {
      round,
      order: relayFirst ? 'relay, reference' : 'reference, relay',
      ratio: relay.msgsPerSec / reference.msgsPerSec,
      reference: strip(reference),
      relay: strip(relay),
      fake: { reference: strip(refFake), relay: strip(relayFake) },
      verify,
      dataDir: s.keep ? dataDir : null,
    };
  } finally {
    if (!s.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    unregister();
  }
}

/**
 * Runs the benchmark. Resolves `{ checks, lines, json }`; throws only on a harness error.
 * `log` gets progress lines.
 */
export async function run({ log = console.log } = {}) {
  const s = settings();
  if (!fs.existsSync(RELAY_DIST))
    throw new HarnessError(`${path.relative(ROOT, RELAY_DIST)} is missing: run \`pnpm build\` first`);
  if (s.cpuProf) {
    log('  BENCH_CPU_PROF=1: both children profile their measured phase; their figures are slowed by the profiler.');
    fs.rmSync(path.join(TMP, 'prof-twilio'), { recursive: true, force: true });
  }
  log(
    `  ${s.rounds} round(s) of: reference loop, then relay worker; ${fmtInt(s.warmup)} warm-up + ${fmtInt(s.messages)} messages each, concurrency ${s.concurrency}, fake Twilio latency ${s.latencyMs} ms`,
  );

  const port = await freePort();
  const fakeLog = path.join(TMP, 'bench-twilio-fake.log');
  const fake = spawnNode([SELF, '--role', 'fake', '--port', String(port), '--latency-ms', String(s.latencyMs)], {
    logFile: fakeLog,
  });
  const rounds = [];
  try {
    await waitForHttp(fakeUrl(port, '/__stats'), { child: fake, logFile: fakeLog });
    for (let round = 1; round <= s.rounds; round++) rounds.push(await runRound(round, s, fake, port, log));
  } finally {
    await stopChild(fake, { timeoutMs: 5000 });
  }

  const med = (side, key) => median(rounds.map((r) => r[side][key]));
  const refRate = med('reference', 'msgsPerSec');
  const relayRate = med('relay', 'msgsPerSec');
  const ratio = relayRate / refRate;
  const allRecorded = rounds.every((r) => r.verify.ok);
  const sentTotal = rounds.reduce((n, r) => n + r.verify.sentWithId, 0);
  const acceptedTotal = rounds.reduce((n, r) => n + r.verify.accepted, 0);
  const outboxLeft = rounds.reduce((n, r) => n + r.verify.outboxLeft, 0);
  const checks = [
    {
      name: `relay msgs/s ≥ ${TARGETS.minRatio}× reference`,
      target: `≥ ${TARGETS.minRatio}×`,
      value: `${fmtNum(ratio, 2)}×`,
      pass: ratio >= TARGETS.minRatio,
    },
    {
      name: 'every message’s final status recorded',
      target: `all sent + provider id`,
      value: `${fmtInt(sentTotal)}/${fmtInt(acceptedTotal)} sent, outbox ${fmtInt(outboxLeft)}`,
      pass: allRecorded,
    },
  ];

  const pct = (v) => (v === null || v === undefined ? 'n/a' : `${fmtInt(v)}%`);
  const claimTx = median(rounds.map((r) => r.relay.claims.transactions));
  const claimsLine = `${fmtInt(claimTx)} (${fmtNum(median(rounds.map((r) => r.relay.claims.rows / r.relay.claims.transactions)), 1)})`;
  const each = (side, key, fmt) => rounds.map((r) => fmt(r[side][key])).join(' / ');
  const both = (label, key, fmt) => [label, fmt(med('reference', key)), fmt(med('relay', key))];
  const perRound = s.rounds > 1;
  const lines = [
    table(
      ['', 'reference loop', 'relay worker'],
      [
        both(perRound ? `msgs/s (median of ${s.rounds} rounds)` : 'msgs/s', 'msgsPerSec', fmtInt),
        ...(perRound
          ? [['  each round', each('reference', 'msgsPerSec', fmtInt), each('relay', 'msgsPerSec', fmtInt)]]
          : []),
        both(`time for ${fmtInt(s.messages)} messages (s)`, 'ms', (v) => fmtNum(v / 1000, 2)),
        both('CPU per message (ms)', 'cpuMsPerMessage', (v) => fmtNum(v, 3)),
        both('CPU of the process (% of a core)', 'cpuPercent', pct),
        both('event-loop utilisation', 'eventLoopUtilization', (v) => fmtNum(v, 2)),
        both('fake Twilio CPU (% of a core)', 'fakeCpuPercent', pct),
        [
          'CPU used by other processes (noise), max',
          pct(Math.max(...rounds.map((r) => r.reference.otherCpuPercent ?? 0))),
          pct(Math.max(...rounds.map((r) => r.relay.otherCpuPercent ?? 0))),
        ],
        [`ratio relay / reference (msgs/s${perRound ? ', medians' : ''})`, '', `${fmtNum(ratio, 3)}×`],
        ...(perRound ? [['  ratio in each round', '', rounds.map((r) => `${fmtNum(r.ratio, 2)}×`).join(' / ')]] : []),
        [
          'requests the fake answered, incl. warm-up',
          rounds.map((r) => fmtInt(r.fake.reference.requests)).join(' / '),
          rounds.map((r) => fmtInt(r.fake.relay.requests)).join(' / '),
        ],
        ['worker claim transactions (rows per claim)', '', claimsLine],
        ['sent with a provider id / accepted', '', `${fmtInt(sentTotal)} / ${fmtInt(acceptedTotal)}`],
        [
          'attempts recorded / outbox rows left',
          '',
          `${fmtInt(rounds.reduce((n, r) => n + r.verify.attempts, 0))} / ${fmtInt(outboxLeft)}`,
        ],
      ],
    ),
    '',
    `  ${fmtInt(s.messages)} messages after ${fmtInt(s.warmup)} warm-up per side and round, concurrency ${s.concurrency} on both sides, fake Twilio latency ${s.latencyMs} ms, loopback ${HOST}.`,
    `  the relay child runs with its bin's node flags: ${rounds[0].relay.nodeFlags.join(' ') || '(none)'}; both children with --expose-gc (one full GC before measuring).`,
    perRound
      ? '  Figures are medians over the rounds (odd rounds: reference, then relay; even rounds: relay first); the checked ratio is median relay ÷ median reference.'
      : null,
  ].filter((l) => l !== null);
  for (const r of rounds) {
    const v = r.verify;
    const problems = v.missing || v.otherConnector || v.notIssued || v.duplicates;
    lines.push(
      `  ${perRound ? `round ${r.round}: ` : ''}relay statuses: ${
        Object.entries(v.byStatus)
          .map(([k, n]) => `${k} ${fmtInt(n)}`)
          .join(', ') || 'none'
      }` +
        (problems
          ? `; missing ${v.missing}, other connector ${v.otherConnector}, id not issued by the fake ${v.notIssued}, duplicate ids ${v.duplicates}`
          : '; all through the twilio connector, every provider id issued by the fake and distinct') +
        (r.relay.timedOut ? `; TIMED OUT after ${s.deadlineS} s` : ''),
    );
  }
  lines.push(
    `  logs: .tmp/bench-twilio-{reference,relay}-<round>.log, ${path.relative(ROOT, fakeLog)}`,
    '',
    table(
      ['target', 'wanted', 'measured', 'result'],
      checks.map((c, i) => [c.name, c.target, c.value, c.pass ? 'PASS' : i === 0 ? 'MISSED' : 'FAIL']),
      ['l', 'l', 'r', 'l'],
    ),
  );
  const noisy = Math.max(...rounds.flatMap((r) => [r.reference.otherCpuPercent ?? 0, r.relay.otherCpuPercent ?? 0]));
  if (noisy > 15)
    lines.push(
      '',
      `  WARNING: other processes used up to ${fmtInt(noisy)}% of a core during a measured phase (of ${machine().cores} cores); the figures are skewed. Re-run on a quiet machine.`,
    );
  const fakeBusy = Math.max(...rounds.flatMap((r) => [r.reference.fakeCpuPercent ?? 0, r.relay.fakeCpuPercent ?? 0]));
  if (fakeBusy > 80)
    lines.push(
      '',
      `  WARNING: the fake Twilio server used up to ${fmtInt(fakeBusy)}% of a core; it may be what limits the figures.`,
    );
  if (s.cpuProf) {
    for (const side of ['reference', 'relay']) {
      const file = rounds[0][side].profile;
      if (file && fs.existsSync(file))
        lines.push(
          '',
          `  ${side}, measured phase of round 1:`,
          ...summariseCpuProfile(file, { limit: 20 }).map((l) => `  ${l}`),
        );
    }
  }

  const json = {
    benchmark: 'twilio',
    at: new Date().toISOString(),
    machine: machine(),
    settings: s,
    targets: TARGETS,
    ratio,
    medians: { referenceMsgsPerSec: refRate, relayMsgsPerSec: relayRate },
    rounds,
    checks,
  };
  const file = writeJson('bench-twilio.json', json);
  lines.push('', `  written: ${path.relative(ROOT, file)}`);
  return { checks, lines, json };
}

// =============================================================================================
// Child entry point

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const a = childArgs(process.argv.slice(2));
  const roles = {
    fake: () => runFake({ port: Number(a.port), latencyMs: Number(a['latency-ms']) }),
    reference: () => runReference(a),
    relay: () => runRelayWorker(a),
  };
  const role = roles[a.role];
  if (!role) {
    console.error(
      `usage: node bench/twilio-delivery.mjs --role fake|reference|relay … (run it through node bench/run.mjs ${name})`,
    );
    process.exit(2);
  }
  Promise.resolve(role()).then(
    () => {
      if (a.role !== 'fake') process.exit(0);
    },
    (error) => {
      console.error(error?.stack ?? error);
      process.exit(1);
    },
  );
}
