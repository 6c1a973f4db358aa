// The webhook delivery benchmark (issue 15): 10,000 delivered messages with three endpoints
// subscribed to `message.delivered` (30,000 webhook deliveries) to a local receiver, against a
// plain loop posting the same signed payloads with the same concurrency. Target: the relay
// delivers at ≥ 0.8× the loop's rate, every event once.
//
// Three child processes, none sharing an event loop (`node bench/webhook-delivery.mjs --role …`):
//   receiver   node:http on 127.0.0.1 answering 204 to any POST; counts requests and distinct
//              (path, webhook-id) pairs; keeps the requests of the relay's phase so the reference
//              posts exactly those. GET /__stats, POST /__reset, POST /__dump?file= (harness only).
//   relay      packages/relay/dist (createRelay, worker on): demo project, limits raised, three
//              endpoints on the receiver (/a, /b, /c) for `message.delivered`. It accepts the
//              messages through its own POST /v1/messages with the webhook dispatcher stopped,
//              lets the worker deliver them (console connector: 30,000 deliveries wait in the
//              event log), then measures from starting the dispatcher until the receiver counted
//              every delivery.
//   reference  reads the relay phase's requests and posts them again, the same headers and bodies,
//              with `fetch` (keep-alive), 16 at a time per endpoint as the dispatcher does (its
//              `perTarget`; 48 in all, under its overall 64).
// Rounds alternate which side runs first. Knobs: BENCH_WEBHOOK_MESSAGES (default 10000),
// BENCH_WEBHOOK_ROUNDS (default 3), BENCH_QUIET_WAIT (default 30 s, 0 = don't wait).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  HOST,
  HarnessError,
  ROOT,
  TMP,
  delay,
  envNumber,
  fmtInt,
  fmtNum,
  freePort,
  onCleanup,
  procCpuSeconds,
  runNode,
  spawnNode,
  stopChild,
  table,
  waitForHttp,
  waitForQuiet,
} from './lib.mjs';

export const name = 'webhooks';
export const title = 'Webhook delivery — relay dispatcher vs plain fetch loop (30,000 deliveries)';
export const TARGETS = { minRatio: 0.8 };

const SELF = fileURLToPath(import.meta.url);
const DIST = path.join(ROOT, 'packages/relay/dist');
const PATHS = ['/a', '/b', '/c'];
const PER_TARGET = 16;
const RAISED = 1_000_000_000;

const args = (argv) => {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
};

// ---------------------------------------------------------------------------------------------
// Child: the receiver

function runReceiver(a) {
  let total = 0;
  const seen = new Set();
  let kept = [];
  let keep = true;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/__stats') return res.end(JSON.stringify({ total, unique: seen.size }));
      if (req.url.startsWith('/__reset')) {
        total = 0;
        seen.clear();
        keep = new URL(req.url, 'http://x').searchParams.get('keep') !== '0';
        return res.end('{}');
      }
      if (req.url.startsWith('/__dump')) {
        fs.writeFileSync(new URL(req.url, 'http://x').searchParams.get('file'), JSON.stringify(kept));
        kept = [];
        return res.end('{}');
      }
      if (req.url.startsWith('/__nokeep')) {
        keep = false;
        return res.end('{}');
      }
      total++;
      seen.add(`${req.url} ${req.headers['webhook-id']}`);
      if (keep) {
        const h = req.headers;
        kept.push({
          path: req.url,
          headers: {
            'content-type': h['content-type'],
            'webhook-id': h['webhook-id'],
            'webhook-timestamp': h['webhook-timestamp'],
            'webhook-signature': h['webhook-signature'],
          },
          body: Buffer.concat(chunks).toString('utf8'),
        });
      }
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(a.port), HOST);
}

const receiverStats = async (port) => (await fetch(`http://${HOST}:${port}/__stats`)).json();

// ---------------------------------------------------------------------------------------------
// Child: the relay

async function runRelay(a) {
  const api = await import(pathToFileURL(path.join(DIST, 'index.js')).href);
  const { createEndpoint } = await import(pathToFileURL(path.join(DIST, 'features/webhooks/endpoints.js')).href);
  const { parseTargetPolicy } = await import(pathToFileURL(path.join(DIST, 'features/webhooks/target-policy.js')).href);
  const messages = Number(a.messages);
  const receiver = `http://${HOST}:${a.port}`;
  const config = api.loadConfig({
    MESSAGEJS_DATA_DIR: a['data-dir'],
    LOG_LEVEL: 'warn',
    MESSAGEJS_ALLOW_PRIVATE_TARGETS: HOST,
    MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on',
  });
  const relay = await api.createRelay(config, { consoleWrite: () => {} });
  const { store, worker } = relay;
  const demo = await relay.ensureDemo();
  await api.setLimits(store, demo.projectId, {
    perKeyPerHour: RAISED,
    perIpPerMinute: RAISED,
    perRecipientPer10Minutes: RAISED,
    perPrefixPerHour: RAISED,
    perProjectPerDay: RAISED,
  });
  const policy = parseTargetPolicy({ allowPrivateTargets: HOST, allowHttp: true });
  for (const p of PATHS) {
    await createEndpoint({ store, sealer: relay.sealer, policy, now: Date.now }, demo.projectId, {
      url: `${receiver}${p}`,
      events: ['message.delivered'],
    });
  }
  relay.invalidateCaches();
  const server = http.createServer(relay.handler);
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const url = `http://${HOST}:${server.address().port}/v1/messages`;
  const headers = { authorization: `Bearer ${demo.secretKey}`, 'content-type': 'application/json' };
  // The messages are delivered with the dispatcher stopped: their webhooks wait in the event log.
  worker.start();
  await worker.webhooks.stop();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < messages) {
        const i = next++;
        const to = `+3361${String(i).padStart(7, '0')}`;
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ to, channel: 'sms', text: `m ${i}` }),
        });
        if (res.status !== 202) throw new Error(`send answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  server.close();
  const deadline = Date.now() + 120_000;
  while ((await store.outbox.pending()) > 0 || (await store.webhooks.pending()) < messages * PATHS.length) {
    if (Date.now() > deadline) throw new Error('the messages were not delivered in 120 s');
    await delay(50);
  }
  const cpu0 = procCpuSeconds(process.pid);
  const started = performance.now();
  worker.webhooks.start();
  const want = messages * PATHS.length;
  let stats;
  for (;;) {
    stats = await receiverStats(a.port);
    if (stats.unique >= want) break;
    if (performance.now() - started > 120_000) throw new Error(`only ${stats.unique} of ${want} deliveries in 120 s`);
    await delay(5);
  }
  const ms = performance.now() - started;
  const cpuS = procCpuSeconds(process.pid) - cpu0;
  while ((await store.webhooks.pending()) > 0) await delay(20);
  await relay.close();
  fs.writeFileSync(
    a.out,
    JSON.stringify({ side: 'relay', deliveries: want, ms, rate: (want * 1000) / ms, cpuS, ...stats }),
  );
}

// ---------------------------------------------------------------------------------------------
// Child: the reference loop

async function runReference(a) {
  const requests = JSON.parse(fs.readFileSync(a.requests, 'utf8'));
  const base = `http://${HOST}:${a.port}`;
  const byPath = new Map(PATHS.map((p) => [p, requests.filter((r) => r.path === p)]));
  const cpu0 = procCpuSeconds(process.pid);
  const started = performance.now();
  await Promise.all(
    [...byPath.values()].flatMap((list) => {
      let next = 0;
      return Array.from({ length: PER_TARGET }, async () => {
        while (next < list.length) {
          const r = list[next++];
          const res = await fetch(`${base}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
          await res.arrayBuffer();
          if (res.status !== 204) throw new Error(`receiver answered ${res.status}`);
        }
      });
    }),
  );
  const ms = performance.now() - started;
  const stats = await receiverStats(a.port);
  fs.writeFileSync(
    a.out,
    JSON.stringify({
      side: 'reference',
      deliveries: requests.length,
      ms,
      rate: (requests.length * 1000) / ms,
      cpuS: procCpuSeconds(process.pid) - cpu0,
      ...stats,
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Harness

async function side(role, extra, log) {
  const out = path.join(TMP, `webhooks-${role}-${process.pid}.json`);
  const flags = Object.entries(extra).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const { code, stderr } = await runNode([SELF, '--role', role, '--out', out, ...flags], { timeoutMs: 300_000 });
  if (code !== 0) throw new HarnessError(`the ${role} side failed (${code}):\n${stderr}`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  log(
    `    ${role}: ${fmtInt(result.deliveries)} deliveries in ${fmtNum(result.ms / 1000, 2)} s = ${fmtInt(result.rate)}/s (${result.unique} distinct of ${result.total} received)`,
  );
  return result;
}

export async function run({ log = console.log } = {}) {
  const messages = envNumber('BENCH_WEBHOOK_MESSAGES', 10_000);
  const rounds = envNumber('BENCH_WEBHOOK_ROUNDS', 3);
  const quietS = process.env.BENCH_QUIET_WAIT === '0' ? 0 : envNumber('BENCH_QUIET_WAIT', 30);
  fs.mkdirSync(TMP, { recursive: true });
  const port = await freePort();
  const receiver = spawnNode([SELF, '--role', 'receiver', '--port', String(port)]);
  onCleanup(() => stopChild(receiver));
  await waitForHttp(`http://${HOST}:${port}/__stats`, { child: receiver });
  const results = { relay: [], reference: [] };
  try {
    await runRounds(results);
  } finally {
    // The receiver goes now: a child left running would keep this process from ending.
    await stopChild(receiver);
  }
  return report(results);

  async function runRounds(results) {
    for (let round = 1; round <= rounds; round++) {
      log(`  round ${round}`);
      const dataDir = fs.mkdtempSync(path.join(TMP, 'webhooks-'));
      const requests = path.join(TMP, `webhooks-requests-${round}.json`);
      if (quietS) await waitForQuiet({ maxS: quietS });
      // The relay's phase comes first each round: the reference posts what it sent.
      await fetch(`http://${HOST}:${port}/__reset`, { method: 'POST' });
      const relay = await side('relay', { port, messages, 'data-dir': dataDir }, log);
      await fetch(`http://${HOST}:${port}/__dump?file=${encodeURIComponent(requests)}`, { method: 'POST' });
      if (relay.unique !== relay.deliveries)
        throw new HarnessError(`the relay delivered ${relay.unique} of ${relay.deliveries}`);
      await fetch(`http://${HOST}:${port}/__reset?keep=0`, { method: 'POST' });
      await fetch(`http://${HOST}:${port}/__nokeep`, { method: 'POST' });
      if (quietS) await waitForQuiet({ maxS: quietS });
      const reference = await side('reference', { port, requests }, log);
      results.relay.push(relay);
      results.reference.push(reference);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(requests, { force: true });
    }
  }
}

function report(results) {
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const relayRate = median(results.relay.map((r) => r.rate));
  const refRate = median(results.reference.map((r) => r.rate));
  const ratio = relayRate / refRate;
  const once = results.relay.every((r) => r.total === r.deliveries && r.unique === r.deliveries);
  const lines = [
    table(
      ['side', 'deliveries/s (median)', 'rounds'],
      [
        ['relay dispatcher', fmtInt(relayRate), results.relay.map((r) => fmtInt(r.rate)).join(', ')],
        ['plain fetch loop', fmtInt(refRate), results.reference.map((r) => fmtInt(r.rate)).join(', ')],
      ],
    ),
    `ratio relay ÷ loop: ${fmtNum(ratio, 3)}× (target ≥ ${TARGETS.minRatio}×); every event delivered once: ${once ? 'yes' : 'NO'}`,
  ];
  return {
    lines,
    checks: [
      {
        name: 'relay ÷ plain loop',
        target: `≥ ${TARGETS.minRatio}×`,
        value: `${fmtNum(ratio, 3)}×`,
        pass: ratio >= TARGETS.minRatio,
      },
      { name: 'every event delivered once', target: 'yes', value: once ? 'yes' : 'no', pass: once },
    ],
  };
}

const role = args(process.argv.slice(2)).role;
if (role === 'receiver') runReceiver(args(process.argv.slice(2)));
else if (role === 'relay') await runRelay(args(process.argv.slice(2)));
else if (role === 'reference') await runReference(args(process.argv.slice(2)));
