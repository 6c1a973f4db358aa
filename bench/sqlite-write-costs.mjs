// What each piece of the SQLite send path's write costs: `messages.enqueue` of 20,000 messages
// (50 at a time, group-committed as the relay does) on a fresh store, then their deliveries
// recorded (claims of 50, each completed, group-committed as the worker does), with the triggers
// on `messages` and `message_attempts` (rollups, event log) and the retention index
// `messages(created_at)` each dropped in turn, and the fold that counts them in the rollups (SQLite migration 019). Run after `pnpm build`: `node bench/sqlite-write-costs.mjs` (prints the CPU
// µs per message of each phase for each case, three rounds).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, relayRequire } from './lib.mjs';

const { createSqliteStore } = await import(path.join(ROOT, 'packages/relay/dist/store/sqlite/index.js'));
const Database = relayRequire('better-sqlite3');
const N = 20_000;

const project = {
  id: 'prj_x',
  name: 'x',
  accountId: null,
  allowedOrigins: [],
  allowedCountries: ['MA'],
  defaultCountry: null,
  development: false,
  allowedNumberTypes: ['mobile'],
  limits: {},
  prices: null,
  fallbacks: {},
  createdAt: 1,
};
const message = (i, now) => ({
  id: `msg_${String(i).padStart(27, '0')}`,
  projectId: 'prj_x',
  keyId: 'key_x',
  channel: 'sms',
  to: '+212612345678',
  country: 'MA',
  operator: 'IAM',
  template: 'order_update',
  subject: null,
  body: 'Hello there',
  html: null,
  status: 'queued',
  segments: 1,
  encoding: 'GSM-7',
  costEur: 0.05,
  costMad: 0.5,
  cascade: [],
  providerMessageId: null,
  connectorId: null,
  errorCode: null,
  errorMessage: null,
  createdAt: now,
  updatedAt: now,
  scheduledAt: null,
  sentAt: null,
  deliveredAt: null,
});

/** µs per message of the enqueues, then of the deliveries recorded (claims of 50, each completed), with `drop` applied. */
async function run(drop, foldFirst = false) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-write-costs-'));
  let store = createSqliteStore(dir);
  await store.projects.create(project);
  await store.close();
  const db = new Database(path.join(dir, 'messagejs.db'));
  for (const statement of drop) db.exec(statement);
  db.close();
  store = createSqliteStore(dir);
  let next = 0;
  const now = Date.now();
  // CPU time, not elapsed: the completions' group commit waits up to 2 ms for more.
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  let started = cpu();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < N) await store.messages.enqueue({ message: message(next++, now), dueAt: 0 });
    }),
  );
  const enqueue = (cpu() - started) / N;
  started = cpu();
  // The worker folds every 2 s: messages still queued then are counted before their delivery.
  if (foldFirst) await store.analytics.settle();
  const foldBefore = (cpu() - started) / N;
  started = cpu();
  for (;;) {
    const jobs = await store.outbox.claim(now + 1, 50, 60_000, 'w1');
    if (jobs.length === 0) break;
    await Promise.all(
      jobs.map((job) =>
        store.outbox.complete(job, {
          attempt: {
            messageId: job.messageId,
            channel: 'sms',
            connectorId: 'con_x',
            connectorType: 'console',
            providerMessageId: `pm_${job.messageId}`,
            status: 'delivered',
            errorCode: null,
            at: now + 5,
            latencyMs: 3,
          },
          status: 'delivered',
          at: now + 5,
        }),
      ),
    );
  }
  const complete = (cpu() - started) / N;
  started = cpu();
  await store.analytics.settle();
  const fold = (cpu() - started) / N;
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { enqueue, complete, fold: fold + foldBefore };
}

const triggers = ['messages_written', 'messages_changed'];
const cases = {
  'as shipped': { drop: [] },
  'as shipped, folded between send and delivery': { drop: [], foldFirst: true },
  'without the triggers on messages': { drop: triggers.map((t) => `DROP TRIGGER ${t}`) },
  'without messages(created_at)': { drop: ['DROP INDEX messages_created'] },
  'without all of them': { drop: [...triggers.map((t) => `DROP TRIGGER ${t}`), 'DROP INDEX messages_created'] },
};
for (let round = 1; round <= 3; round++) {
  for (const [name, { drop, foldFirst }] of Object.entries(cases)) {
    const { enqueue, complete, fold } = await run(drop, foldFirst);
    console.log(
      `round ${round}  ${name}: enqueue ${enqueue.toFixed(1)}, delivery recorded ${complete.toFixed(1)}, ` +
        `fold ${fold.toFixed(1)} µs/message`,
    );
  }
}
