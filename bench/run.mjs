// `pnpm bench` (= `pnpm -s build && node bench/run.mjs`): runs every benchmark in BENCHES, one
// after the other, in this process tree, and prints each one's figures and targets.
//   node bench/run.mjs            all of them
//   node bench/run.mjs http       only those named
//   BENCH_DURATION=3 node bench/run.mjs http     a quick try (see bench/relay-http.mjs for knobs)
//
// A benchmark is either
//   - a module exporting `run({ log })` → `{ checks: [{ name, target, value, pass }], lines }`
//     (progress goes to `log`, the report is `lines`; it throws only on a harness error), or
//   - a plain script whose stdout is the report (run as `node <script>`; non-zero exit = error).
// Entries whose file does not exist are skipped with a note, so a benchmark can be listed
// before it lands.
//
// Exit code: 0 when every benchmark ran, missed targets included (they print MISSED);
// 1 on a harness error (a server that does not start, a crash, a timeout…).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HarnessError, ROOT, envNumber, machine, runNode } from './lib.mjs';

const BENCHES = [
  { name: 'http', title: 'HTTP — relay POST /v1/messages vs bare Express 5', module: 'bench/relay-http.mjs' },
  {
    name: 'twilio',
    title: 'Twilio delivery — relay worker vs plain twilio-client loop',
    module: 'bench/twilio-delivery.mjs',
  },
  { name: 'sizes', title: 'Client bundle sizes', script: 'bench/sizes.mjs' },
  {
    name: 'admin',
    title: 'Admin HTTP — GET /v1/auth/me and a 50-item list, Bearer',
    module: 'bench/admin-http.mjs',
  },
  {
    name: 'history',
    title: 'History — pages and export over 1,000,000 messages, SQLite and PostgreSQL',
    module: 'bench/history.mjs',
  },
  {
    name: 'webhooks',
    title: 'Webhook delivery — relay dispatcher vs plain fetch loop (30,000 deliveries)',
    module: 'bench/webhook-delivery.mjs',
  },
  {
    name: 'inbound',
    title: 'Inbound — signed Twilio webhooks, relay vs bare Express 5',
    module: 'bench/inbound.mjs',
  },
  {
    name: 'bulk',
    title: 'Bulk — POST /v1/messages/bulk with 10,000 messages, SQLite and PostgreSQL',
    module: 'bench/bulk.mjs',
  },
  {
    name: 'imports',
    title: 'Contacts CSV import — 100,000 rows, SQLite and PostgreSQL',
    module: 'bench/imports.mjs',
  },
  {
    name: 'scale',
    title: 'Scale-out — PostgreSQL and Redis, one and two relays / workers, beside SQLite',
    module: 'bench/scale-out.mjs',
  },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(1);
}
const selected = BENCHES.filter((b) => wanted.length === 0 || wanted.includes(b.name));

// Nothing here should take long; a hung run is a harness error, never a silent wait.
const watchdogS = envNumber('BENCH_TIMEOUT', 600);
setTimeout(() => {
  console.error(`\nbench: still running after ${watchdogS} s (BENCH_TIMEOUT); giving up`);
  process.exit(1); // lib.mjs kills the children on exit
}, watchdogS * 1000).unref();

const m = machine();
console.log(`MessageJS benchmarks — Node ${m.node}, ${m.cpu} × ${m.cores}, ${m.platform}`);

const outcomes = [];
for (const bench of selected) {
  const file = path.join(ROOT, bench.module ?? bench.script);
  console.log(`\n== ${bench.title} (${bench.name}) ==`);
  if (!fs.existsSync(file)) {
    console.log(`  skipped: ${path.relative(ROOT, file)} does not exist`);
    outcomes.push({ bench, status: 'skipped' });
    continue;
  }
  const started = Date.now();
  try {
    if (bench.module) {
      const mod = await import(pathToFileURL(file).href);
      const { checks = [], lines = [] } = await mod.run({ log: (line) => console.log(line) });
      console.log(`\n${lines.join('\n')}`);
      outcomes.push({ bench, status: 'ran', checks });
    } else {
      const { code, stdout, stderr } = await runNode([file], { timeoutMs: 120_000 });
      if (stdout.trim()) console.log(stdout.trimEnd());
      if (code !== 0)
        throw new HarnessError(`${bench.script} exited with ${code}${stderr ? `:\n${stderr.trimEnd()}` : ''}`);
      if (stderr.trim()) console.error(stderr.trimEnd());
      outcomes.push({ bench, status: 'ran', checks: [] });
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(
      `\n  HARNESS ERROR in ${bench.name}: ${error instanceof HarnessError ? error.message : (error?.stack ?? error)}`,
    );
    outcomes.push({ bench, status: 'error', error });
  }
}

console.log('\n== Summary ==');
for (const o of outcomes) {
  if (o.status !== 'ran') {
    console.log(`  ${o.bench.name}: ${o.status === 'error' ? 'HARNESS ERROR' : 'skipped'}`);
    continue;
  }
  const missed = o.checks.filter((c) => !c.pass);
  if (o.checks.length === 0) console.log(`  ${o.bench.name}: ran (no targets)`);
  else if (missed.length === 0) console.log(`  ${o.bench.name}: PASS (${o.checks.length}/${o.checks.length} targets)`);
  else {
    console.log(`  ${o.bench.name}: MISSED ${missed.length} of ${o.checks.length} targets`);
    for (const c of missed) console.log(`    MISSED  ${c.name}: wanted ${c.target}, measured ${c.value}`);
  }
}
process.exitCode = outcomes.some((o) => o.status === 'error') ? 1 : 0;
