// The inbound benchmark (issue 15): signed Twilio inbound-SMS webhooks under autocannon against
// the relay's `POST /v1/hooks/:connectorId` (signature checked, stored once, answered in TwiML),
// beside a bare Express 5 app answering the same form POST with an empty TwiML response
// (bench/bare-express.mjs). Target: the relay at ≥ 0.5× the bare app's rate, every inbound
// message stored once.
//
// Every request is a distinct message (its own MessageSid and sender), signed the way Twilio
// signs (`X-Twilio-Signature`, computed with the `twilio` package in the load generator, for both
// servers alike). After the relay's run, its SQLite file is read: as many inbound rows as 200
// answers, each provider id once.
//
// Knobs: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS
// (default 50), BENCH_QUIET_WAIT (s, default 30; 0 = don't wait), BENCH_CPU_PROF=1 (profile the
// relay and print its hottest frames; such a run's figures are not the benchmark's).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  HOST,
  HarnessError,
  ROOT,
  TMP,
  cannon,
  envNumber,
  fmtInt,
  fmtNum,
  freePort,
  onCleanup,
  relayEnv,
  relayRequire,
  spawnNode,
  stopChild,
  summariseCpuProfile,
  table,
  waitForHttp,
  waitForQuiet,
} from './lib.mjs';

export const name = 'inbound';
export const title = 'Inbound — signed Twilio webhooks, relay vs bare Express 5';
export const TARGETS = { minRatio: 0.5 };

const CLI = path.join(ROOT, 'packages/relay/dist/cli.js');
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'bench-inbound-auth-token-0123456789';

/** A request generator: each call signs a new inbound message for `url`. */
function signer(url) {
  const twilio = relayRequire('twilio');
  let n = 0;
  const prefix = Date.now().toString(16);
  return (request) => {
    n += 1;
    const params = {
      MessageSid: `SM${prefix}${String(n).padStart(32 - prefix.length, '0')}`,
      AccountSid: ACCOUNT_SID,
      From: `+2126${String(n % 100_000_000).padStart(8, '0')}`,
      To: '+15005550006',
      Body: `Hello ${n}`,
      NumMedia: '0',
      SmsStatus: 'received',
    };
    request.body = new URLSearchParams(params).toString();
    request.headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params),
    };
    return request;
  };
}

async function hammer(url, s) {
  const statuses = new Map();
  const onBody = (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  if (s.warmupS > 0) await cannon({ url, connections: s.connections, duration: s.warmupS, setupRequest: signer(url) });
  const result = await cannon({
    url,
    connections: s.connections,
    duration: s.durationS,
    setupRequest: signer(url),
    onBody,
  });
  return {
    rate: result.requests.average,
    p99: result.latency.p99,
    statuses: Object.fromEntries(statuses),
    non2xx: result.non2xx,
  };
}

async function runBare(s) {
  const port = await freePort();
  const child = spawnNode([path.join(ROOT, 'bench/bare-express.mjs'), '--port', String(port)], { env: relayEnv() });
  try {
    await waitForHttp(`http://${HOST}:${port}/healthz`, { child });
    return await hammer(`http://${HOST}:${port}/v1/hooks/con_bench`, s);
  } finally {
    await stopChild(child);
  }
}

async function runRelay(s) {
  if (!fs.existsSync(CLI)) throw new HarnessError('packages/relay/dist/cli.js is missing: run `pnpm build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-bench-inbound-'));
  onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = relayEnv('warn');
  const cli = (args, input) =>
    execFileSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { env, input, encoding: 'utf8' });
  const { projectId } = JSON.parse(cli(['init', '--json']));
  const added = cli(
    [
      'connectors',
      'add',
      '--project',
      projectId,
      '--type',
      'twilio',
      '--channels',
      'sms',
      '--priority',
      '1',
      '--config',
      JSON.stringify({ from: '+15005550006' }),
      '--credentials-stdin',
      '--json',
    ],
    JSON.stringify({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }),
  );
  const connectorId = /con_[0-9A-Za-z]{22}/.exec(added)?.[0];
  if (!connectorId) throw new HarnessError(`connectors add printed no id:\n${added}`);
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const profDir = path.join(TMP, 'prof-inbound');
  const prof = process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = spawnNode([...prof, CLI, 'start', '--data-dir', dataDir, '--port', String(port)], {
    env: { ...env, MESSAGEJS_PUBLIC_URL: base, HOST },
  });
  let result;
  try {
    await waitForHttp(`${base}/healthz`, { child });
    result = await hammer(`${base}/v1/hooks/${connectorId}`, s);
  } finally {
    await stopChild(child);
  }
  if (prof.length) {
    const file = fs
      .readdirSync(profDir)
      .map((f) => path.join(profDir, f))
      .sort()
      .at(-1);
    console.log(summariseCpuProfile(file, { limit: 30 }));
  }
  const Database = relayRequire('better-sqlite3');
  const db = new Database(path.join(dataDir, 'messagejs.db'), { readonly: true });
  const stored = db
    .prepare('SELECT count(*) AS n, count(DISTINCT provider_message_id) AS d FROM inbound_messages')
    .get();
  db.close();
  return { ...result, stored: stored.n, distinct: stored.d };
}

export async function run({ log = console.log } = {}) {
  const s = {
    durationS: envNumber('BENCH_DURATION', 10),
    warmupS: process.env.BENCH_WARMUP === '0' ? 0 : envNumber('BENCH_WARMUP', 2),
    connections: envNumber('BENCH_CONNECTIONS', 50),
    quietS: process.env.BENCH_QUIET_WAIT === '0' ? 0 : envNumber('BENCH_QUIET_WAIT', 30),
  };
  fs.mkdirSync(TMP, { recursive: true });
  if (s.quietS) await waitForQuiet({ maxS: s.quietS });
  const bare = await runBare(s);
  log(`  bare express: ${fmtInt(bare.rate)} req/s, p99 ${bare.p99} ms`);
  if (s.quietS) await waitForQuiet({ maxS: s.quietS });
  const relay = await runRelay(s);
  log(`  relay: ${fmtInt(relay.rate)} req/s, p99 ${relay.p99} ms, ${relay.stored} stored (${relay.distinct} distinct)`);
  const answered = relay.statuses[200] ?? 0;
  // The warm-up's messages are stored too: every 200 of both runs, once each.
  const once = relay.non2xx === 0 && relay.stored === relay.distinct && relay.stored >= answered;
  const ratio = relay.rate / bare.rate;
  return {
    lines: [
      table(
        ['server', 'req/s', 'p99 ms'],
        [
          ['bare Express 5 (parse, empty TwiML)', fmtInt(bare.rate), String(bare.p99)],
          ['relay (signature, store once, TwiML)', fmtInt(relay.rate), String(relay.p99)],
        ],
      ),
      `ratio relay ÷ bare: ${fmtNum(ratio, 3)}× (target ≥ ${TARGETS.minRatio}×); ${relay.stored} inbound rows, ${relay.distinct} distinct provider ids, ${relay.non2xx} non-2xx answers`,
    ],
    checks: [
      {
        name: 'relay ÷ bare Express',
        target: `≥ ${TARGETS.minRatio}×`,
        value: `${fmtNum(ratio, 3)}×`,
        pass: ratio >= TARGETS.minRatio,
      },
      { name: 'every inbound stored once', target: 'yes', value: once ? 'yes' : 'no', pass: once },
    ],
  };
}
