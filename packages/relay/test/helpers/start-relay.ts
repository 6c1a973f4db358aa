import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createRelay, loadConfig, type DemoCredentials, type Relay, type RelayDeps } from '@messagejs/relay';
import { openApiCheckerFor } from './openapi-check.js';
import { borrowDatabase } from './postgres.js';
import { expectProjectStored, type StoreLocation } from './store-snapshot.js';

export interface TestRelay {
  relay: Relay;
  url: string;
  demo: DemoCredentials;
  /** The relay's data directory (master key file; the SQLite database when on SQLite). */
  dataDir: string;
  /** Where the relay stores its data, for `test/helpers/store-snapshot.ts` and to restart it. */
  location: StoreLocation;
  /** Everything the console connector printed. */
  console: string[];
  /** Every log line, parsed. */
  logs: () => Array<Record<string, unknown>>;
  /** The raw log text. */
  logText: () => string;
  /** Stops the relay (the data directory and database stay until `cleanup`). */
  close: () => Promise<void>;
  cleanup: () => Promise<void>;
}

/** A temporary data directory, removed by the returned function. */
export function tempDir(prefix = 'messagejs-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The backend the relay suites run on: PostgreSQL when `MESSAGEJS_TEST_BACKEND=postgres` (the
 * `postgres` vitest project sets it), else SQLite.
 */
export const testBackend: 'sqlite' | 'postgres' =
  process.env.MESSAGEJS_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** The databases made for data directories in this test file, so a restart finds its own again. */
const databases = new Map<string, { url: string; drop: () => Promise<void> }>();

/**
 * The storage of a relay keeping its data in `dataDir`: on SQLite, the file in it; on PostgreSQL,
 * a fresh database made on the first call for that directory and the same one on every later
 * call (a restart), until `dropStorage`. `env` is what a relay process needs to use it
 * (`MESSAGEJS_DATABASE_URL`; nothing on SQLite): pass it to `runCli`/`spawnRelay` too.
 */
export async function storageFor(dataDir: string): Promise<{ location: StoreLocation; env: Record<string, string> }> {
  if (testBackend === 'sqlite') return { location: { dataDir }, env: {} };
  let database = databases.get(dataDir);
  if (!database) {
    const { url, giveBack } = await borrowDatabase();
    database = { url, drop: giveBack };
    databases.set(dataDir, database);
  }
  return { location: { dataDir, databaseUrl: database.url }, env: { MESSAGEJS_DATABASE_URL: database.url } };
}

/** Drops the PostgreSQL database made for `dataDir`, if any (the directory itself stays). */
export async function dropStorage(dataDir: string): Promise<void> {
  const database = databases.get(dataDir);
  databases.delete(dataDir);
  await database?.drop();
}

/** Drops every database a test left behind (run after each file by `test/helpers/postgres-setup.ts`). */
export async function dropLeftoverStorage(): Promise<string[]> {
  const left = [...databases.keys()];
  for (const dataDir of left) await dropStorage(dataDir);
  return left;
}

/**
 * Starts a real relay on an ephemeral port with a real database — SQLite in a temporary data
 * directory, or a fresh PostgreSQL database (`testBackend`) — and the demo project, capturing logs
 * and console deliveries. A restart passes the first relay's `location` (or its `dataDir`) and
 * `demo`: it finds the same data.
 */
export async function startRelay(
  options: {
    env?: Record<string, string>;
    deps?: RelayDeps;
    dataDir?: string;
    location?: StoreLocation;
    demo?: DemoCredentials;
  } = {},
): Promise<TestRelay> {
  const dataDir = options.location?.dataDir ?? options.dataDir ?? tempDir();
  const made = testBackend === 'postgres' && !options.location?.databaseUrl && !databases.has(dataDir);
  const storage = options.location?.databaseUrl
    ? { location: options.location, env: { MESSAGEJS_DATABASE_URL: options.location.databaseUrl } }
    : await storageFor(dataDir);
  const lines: string[] = [];
  const consoleOut: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ MESSAGEJS_DATA_DIR: dataDir, ...storage.env, LOG_LEVEL: 'info', ...options.env });
  let relay: Relay | undefined;
  let demo: DemoCredentials | null | undefined;
  let url: string;
  try {
    relay = await createRelay(config, {
      logDestination,
      consoleWrite: (text) => consoleOut.push(text),
      // The worker's periodic settling of the rollups (a background write, as key last-used
      // flushes are) would race the suites' "writes nothing" snapshots: off here, and tested on
      // its own (analytics.test.ts); every analytics read still settles first.
      worker: { pollMs: 20, settle: { everyMs: Infinity } },
      cacheTtlMs: 0,
      ...options.deps,
    });
    demo = options.demo ?? (await relay.ensureDemo());
    if (!demo) throw new Error('pass the demo credentials when reopening a data directory');
    // A relay that ignored MESSAGEJS_DATABASE_URL fails here, not in vacuous snapshot comparisons.
    if (storage.location.databaseUrl) await expectProjectStored(storage.location, demo.projectId);
    ({ url } = await relay.listen(0, '127.0.0.1'));
  } catch (error) {
    // No test will clean up a relay it did not get: close it, and drop the database made for it.
    await relay?.close().catch(() => {});
    if (made) await dropStorage(dataDir).catch(() => {});
    throw error;
  }
  const started = relay;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await started.close();
  };
  return {
    relay: started,
    url,
    demo,
    dataDir,
    location: storage.location,
    console: consoleOut,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    logText: () => lines.join('\n'),
    close,
    cleanup: async () => {
      await close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      await dropStorage(dataDir);
    },
  };
}

export const DEMO_ORIGIN = 'http://localhost:8787';

/** What `call` sends, and what it lets an answer be. */
export interface CallOptions {
  key?: string;
  body?: unknown;
  rawBody?: string;
  origin?: string;
  headers?: Record<string, string>;
  /**
   * The test expects a designed 5xx (`503 captcha_unavailable`, `503` from `/readyz`): without it,
   * any 5xx answer fails the test. A `500 internal_error` fails it always.
   */
  serverError?: boolean;
}

/**
 * A JSON request against the relay. Every answer is checked against the relay's OpenAPI document
 * (`helpers/openapi-check.ts`): an undocumented route or status, or a body that does not match its
 * schema, fails the test; so does any 5xx the test did not ask for.
 */
export async function call(
  t: Pick<TestRelay, 'url'>,
  method: string,
  route: string,
  options: CallOptions = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.origin) headers.origin = options.origin;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${t.url}${route}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  checkAnswer(
    method,
    route,
    { status: res.status, body: parsed, contentType: res.headers.get('content-type') },
    {
      problems: (await openApiCheckerFor(t.url)).check(
        method,
        route,
        res.status,
        parsed,
        res.headers.get('content-type'),
      ),
      serverError: options.serverError === true,
    },
  );
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * `fetch` against a relay, for the requests `call` cannot make (raw bodies of other types, HEAD,
 * files): the answer is checked against the relay's OpenAPI document as `call` checks it, and
 * returned unread. A HEAD answer is checked for its status only (it has no body).
 */
export async function fetchChecked(
  url: string,
  init: RequestInit = {},
  options: Pick<CallOptions, 'serverError'> = {},
): Promise<Response> {
  const res = await fetch(url, init);
  const { origin, pathname, search } = new URL(url);
  const method = (init.method ?? 'GET').toUpperCase();
  const contentType = res.headers.get('content-type');
  const text = method === 'HEAD' ? '' : await res.clone().text();
  let parsed: unknown = text;
  if (contentType?.startsWith('application/json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON after all: checked as text
    }
  }
  const route = `${pathname}${search}`;
  const checker = await openApiCheckerFor(origin);
  checkAnswer(
    method,
    route,
    { status: res.status, body: parsed, contentType },
    {
      problems: checker
        .check(method === 'HEAD' ? 'GET' : method, route, res.status, parsed, contentType)
        .filter((problem) => method !== 'HEAD' || !/got|body/.test(problem)),
      serverError: options.serverError === true,
    },
  );
  return res;
}

/** Fails the test for an answer the document does not describe, or a 5xx it did not expect. */
function checkAnswer(
  method: string,
  route: string,
  answer: { status: number; body: unknown; contentType: string | null },
  verdict: { problems: string[]; serverError: boolean },
): void {
  const where = `${method} ${route} answered ${answer.status}`;
  if (verdict.problems.length > 0) {
    throw new Error(`${where}, which the OpenAPI document does not describe:\n${verdict.problems.join('\n')}`);
  }
  if (answer.status === 500 || (answer.status >= 500 && !verdict.serverError)) {
    throw new Error(`${where}: no route may answer a 5xx the test does not expect (${JSON.stringify(answer.body)})`);
  }
}

/** Polls a message until `predicate` holds (or throws after `timeoutMs`). */
export async function waitForMessage(
  t: TestRelay,
  id: string,
  predicate: (m: any) => boolean,
  timeoutMs = 5000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(t, 'GET', `/v1/messages/${id}`, { key: t.demo.secretKey });
    if (res.status === 200 && predicate(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`message ${id} did not settle: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the worker has nothing left to deliver, so a snapshot is not raced by deliveries. */
export async function waitForIdle(t: TestRelay, timeoutMs = 5000): Promise<void> {
  // performance.now: a test may have frozen Date.
  const deadline = performance.now() + timeoutMs;
  while ((await t.relay.store.outbox.pending()) > 0) {
    if (performance.now() > deadline) throw new Error('the worker did not finish delivering');
    await new Promise((r) => setTimeout(r, 10));
  }
  // The last completion may still be in its group commit.
  await new Promise((r) => setTimeout(r, 20));
}
