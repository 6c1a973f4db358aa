// What each piece of the SQLite send path's write costs: `messages.enqueue` of 20,000 messages
// (50 at a time, group-committed as the relay does) on a fresh store, with the analytics insert
// trigger, the event-log insert trigger and the retention index `messages(created_at)` each
// dropped in turn. Run after `pnpm build`: `node bench/sqlite-write-costs.mjs` (prints µs per
// message for each case, three rounds).
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

async function run(drop) {
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
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < N) await store.messages.enqueue({ message: message(next++, now), dueAt: 0 });
    }),
  );
  const ms = performance.now() - started;
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return (ms * 1000) / N;
}

const cases = {
  'as shipped': [],
  'without the analytics insert trigger': ['DROP TRIGGER messages_stats_insert'],
  'without the event-log insert trigger': ['DROP TRIGGER messages_event_insert'],
  'without messages(created_at)': ['DROP INDEX messages_created'],
  'without all three': [
    'DROP TRIGGER messages_stats_insert',
    'DROP TRIGGER messages_event_insert',
    'DROP INDEX messages_created',
  ],
};
for (let round = 1; round <= 3; round++) {
  for (const [name, drop] of Object.entries(cases))
    console.log(`round ${round}  ${name}: ${(await run(drop)).toFixed(1)} µs/message`);
}
