import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector, loadConfig } from '@messagejs/relay';
import type { MessageAttemptRecord } from '../../src/store/types.js';
import {
  call,
  DEMO_ORIGIN,
  fetchChecked,
  startRelay,
  testBackend,
  waitForMessage,
  type TestRelay,
} from '../helpers/start-relay.js';
import { createEndpoint, sendTestEvent } from '../../src/features/webhooks/endpoints.js';
import { parseTargetPolicy } from '../../src/features/webhooks/target-policy.js';
import { scriptedServer } from '../helpers/scripted-server.js';
import { messageRecord } from '../helpers/store-records.js';
import { parseScrape, type Scrape } from '../helpers/prometheus.js';

const TOKEN = 'metrics-token-0123456789-abcdef';
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** A scrape of the relay's own port with `token`, parsed by an independent parser. */
async function scrape(t: TestRelay, token = TOKEN): Promise<Scrape> {
  const res = await fetchChecked(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return parseScrape(await res.text());
}

/** Buckets are cumulative and end at the count. */
function expectWellFormed(histogram: { buckets: Map<string, number>; count: number; sum: number } | undefined) {
  expect(histogram).toBeDefined();
  const counts = [...histogram!.buckets.values()];
  for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
  expect(histogram!.buckets.get('+Inf')).toBe(histogram!.count);
  expect(histogram!.sum).toBeGreaterThan(0);
}

describe('GET /metrics with MESSAGEJS_METRICS_TOKEN', () => {
  let t: TestRelay;
  let receiver: Awaited<ReturnType<typeof scriptedServer>>;
  let webhookId: string;
  /** Every attempt the worker recorded, as it handed it to the store. */
  const attempts: MessageAttemptRecord[] = [];
  const ids = { sms: [] as string[], failed: '', retrying: '' };

  beforeAll(async () => {
    t = await startRelay({
      env: {
        MESSAGEJS_METRICS_TOKEN: TOKEN,
        MESSAGEJS_METRICS_PORT: '0',
        MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
        MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on',
      },
      // One transient failure opens a breaker; its retry waits ten minutes (still `later` when scraped).
      deps: { worker: { pollMs: 20, breakerThreshold: 1, backoffBaseMs: 600_000, backoffMaxMs: 600_000 } },
    });
    const { outbox } = t.relay.store;
    for (const name of ['complete', 'retry', 'fail'] as const) {
      const write = outbox[name] as (job: unknown, result: { attempt: MessageAttemptRecord | null }) => Promise<void>;
      (outbox as unknown as Record<string, unknown>)[name] = (
        job: unknown,
        result: { attempt: MessageAttemptRecord | null },
      ) => {
        if (result.attempt) attempts.push(result.attempt);
        return write(job, result);
      };
    }
    // WhatsApp goes through a webhook that refuses the first message for good, then fails transiently.
    receiver = await scriptedServer([400, 503]);
    const webhook = await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        projectId: t.demo.projectId,
        type: 'webhook',
        channels: ['whatsapp'],
        config: { url: receiver.url },
        credentials: { secret: 'a-webhook-secret-of-some-length' },
        // Before the demo's console connector.
        priority: 1,
      },
      Date.now(),
    );
    webhookId = webhook.id;
    // Five public-key sends to one recipient pass; the sixth is refused on the recipient dimension.
    const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };
    for (let i = 0; i < 6; i++) {
      const res = await call(t, 'POST', '/v1/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN, body: order });
      expect(res.status).toBe(i < 5 ? 202 : 429);
      if (res.status === 202) ids.sms.push(res.body.id);
    }
    for (let i = 0; i < 3; i++) {
      const res = await call(t, 'POST', '/v1/messages', {
        key: t.demo.secretKey,
        body: { to: `+3361234567${i}`, text: 'Hello', channel: 'sms' },
      });
      ids.sms.push(res.body.id);
    }
    for (const id of ids.sms) await waitForMessage(t, id, (m) => m.status === 'delivered');
    const whatsapp = { to: '+33612345678', text: 'Hello', channel: 'whatsapp' };
    ids.failed = (await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: whatsapp })).body.id;
    await waitForMessage(t, ids.failed, (m) => m.status === 'failed');
    ids.retrying = (await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: whatsapp })).body.id;
    await waitForMessage(t, ids.retrying, (m) => m.status === 'queued' && m.attempts?.length === 1);
    expect((await call(t, 'GET', '/v1/nowhere/msg_not_a_route')).status).toBe(404);
  });
  afterAll(async () => {
    await t.cleanup();
    await receiver.close();
  });

  it('counts requests by method, route pattern (never the URL) and status, with latency histograms', async () => {
    const m = await scrape(t);
    expect(m.families.get('messagejs_http_requests_total')?.type).toBe('COUNTER');
    expect(m.families.get('messagejs_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const requests = (route: string, status: string, method = 'POST') =>
      m.value('messagejs_http_requests_total', { method, route, status });
    expect(requests('/v1/messages', '202')).toBe(10);
    expect(requests('/v1/messages', '429')).toBe(1);
    expect(requests('/v1/messages/:id', '200', 'GET')).toBeGreaterThanOrEqual(10);
    expect(requests('(other)', '404', 'GET')).toBe(1);
    const routes = m.labelSets('messagejs_http_requests_total').map((labels) => labels.route!);
    expect(routes.filter((route) => /msg_|nowhere/.test(route))).toEqual([]);
    const sends = m.histogram('messagejs_http_request_duration_seconds', { method: 'POST', route: '/v1/messages' });
    expectWellFormed(sends);
    expect(sends!.count).toBe(11);
    expect([...sends!.buckets.keys()]).toEqual([
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
  });

  it('counts messages accepted, sent, delivered and failed by channel and connector, and rate-limit refusals', async () => {
    const m = await scrape(t);
    expect(m.value('messagejs_messages_accepted_total', { channel: 'sms' })).toBe(8);
    expect(m.value('messagejs_messages_accepted_total', { channel: 'whatsapp' })).toBe(2);
    expect(m.value('messagejs_messages_sent_total', { channel: 'sms', connector: 'console' })).toBe(8);
    expect(m.value('messagejs_messages_delivered_total', { channel: 'sms', connector: 'console' })).toBe(8);
    expect(m.value('messagejs_messages_failed_total', { channel: 'whatsapp', connector: 'webhook' })).toBe(1);
    expect(m.value('messagejs_messages_sent_total', { channel: 'whatsapp', connector: 'webhook' })).toBeUndefined();
    expect(m.value('messagejs_rate_limit_refusals_total', { dimension: 'recipient' })).toBe(1);
    expect(m.labelSets('messagejs_rate_limit_refusals_total')).toEqual([{ dimension: 'recipient' }]);
  });

  it('times each provider call by connector and outcome, and gives every recorded attempt its latency', async () => {
    const m = await scrape(t);
    const calls = (connector: string, outcome: string) =>
      m.histogram('messagejs_provider_call_duration_seconds', { connector, outcome });
    expect(calls('console', 'ok')?.count).toBe(8);
    expectWellFormed(calls('webhook', 'permanent'));
    expect(calls('webhook', 'permanent')?.count).toBe(1);
    expect(calls('webhook', 'transient')?.count).toBe(1);
    expect(attempts).toHaveLength(10);
    for (const attempt of attempts) {
      expect(attempt.latencyMs).toEqual(expect.any(Number));
      expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
    }
    // The webhook's two answers went over HTTP: they took some time.
    const overHttp = attempts.filter((a) => a.connectorType === 'webhook');
    expect(overHttp.map((a) => a.status)).toEqual(['failed', 'failed']);
    for (const attempt of overHttp) expect(attempt.latencyMs).toBeGreaterThan(0);
  });

  it('reads the outbox, the worker and the circuit breakers when scraped', async () => {
    const m = await scrape(t);
    expect(m.value('messagejs_outbox_rows', { state: 'later' })).toBe(1);
    expect(m.value('messagejs_outbox_rows', { state: 'due' })).toBe(0);
    expect(m.value('messagejs_outbox_rows', { state: 'leased' })).toBe(0);
    expect(m.value('messagejs_outbox_oldest_due_age_seconds')).toBe(0);
    expect(m.value('messagejs_worker_in_flight')).toBe(0);
    expect(m.value('messagejs_worker_waiting')).toBe(0);
    expect(m.value('messagejs_worker_concurrency')).toBe(32);
    expect(m.histogram('messagejs_worker_claim_duration_seconds')?.count).toBeGreaterThan(0);
    expect(m.value('messagejs_circuit_breaker_open', { connector_id: webhookId, connector: 'webhook' })).toBe(1);
    const consoleBreaker = m.labelSets('messagejs_circuit_breaker_open').find((l) => l.connector === 'console');
    expect(consoleBreaker).toBeDefined();
    expect(m.value('messagejs_circuit_breaker_open', consoleBreaker)).toBe(0);
    expect(m.value('messagejs_relay_info', { version: VERSION, backend: testBackend })).toBe(1);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(m.families.has(name), name).toBe(true);
  });

  it('times each webhook attempt by what it left its delivery, and reads the deliveries waiting', async () => {
    const hooks = await scriptedServer([204]);
    try {
      const { store, sealer } = t.relay;
      const policy = parseTargetPolicy({ allowPrivateTargets: '127.0.0.1', allowHttp: true });
      const made = await createEndpoint({ store, sealer, policy, now: Date.now }, t.demo.projectId, {
        url: hooks.url,
        events: ['webhook.test'],
      });
      await sendTestEvent({ store, sealer, policy, now: Date.now }, t.demo.projectId, made.endpoint.id);
      t.relay.worker?.webhooks?.wake();
      await expect.poll(() => hooks.requests.length).toBe(1);
      await expect.poll(() => store.webhooks.pending()).toBe(0);
      const m = await scrape(t);
      expect(m.histogram('messagejs_webhook_attempt_duration_seconds', { outcome: 'delivered' })?.count).toBe(1);
      expect(m.value('messagejs_webhook_deliveries_pending')).toBe(0);
    } finally {
      await hooks.close();
    }
  });

  it('answers 401 in the API’s error shape without the token, with another token or a project key', async () => {
    for (const key of [undefined, 'metrics-token-0123456789-abcdeX', t.demo.secretKey]) {
      const res = await call(t, 'GET', '/metrics', key === undefined ? {} : { key });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'unauthorized', requestId: expect.any(String) });
    }
  });

  it('serves the metrics port too, asking it for the token, and nothing else there', async () => {
    const url = await t.relay.listenMetrics();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(parseScrape(await ok.text()).value('messagejs_messages_accepted_total', { channel: 'sms' })).toBe(8);
    for (const [path, method] of [
      ['/v1/messages', 'GET'],
      ['/healthz', 'GET'],
      ['/metrics', 'POST'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('shows how long the oldest due row has waited once no worker takes it (the last test: it stops the worker)', async () => {
    await t.relay.worker!.stop();
    const hourAgo = Date.now() - 3_600_000;
    const message = messageRecord('msg_0000000000000000000000waiting', t.demo.projectId, 'key_test', {
      createdAt: hourAgo,
      updatedAt: hourAgo,
    });
    await t.relay.store.messages.enqueue({ message, dueAt: hourAgo });
    const m = await scrape(t);
    expect(m.value('messagejs_outbox_rows', { state: 'due' })).toBe(1);
    expect(m.value('messagejs_outbox_oldest_due_age_seconds')).toBeGreaterThanOrEqual(3_600);
    expect(m.value('messagejs_outbox_oldest_due_age_seconds')).toBeLessThan(3_660);
  });
});

describe('GET /metrics without a token', () => {
  it('is 404 on the relay’s port with neither a token nor a metrics port, and nothing listens for it', async () => {
    const t = await startRelay();
    try {
      const res = await call(t, 'GET', '/metrics');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(await t.relay.listenMetrics()).toBeNull();
      const document = (await call(t, 'GET', '/v1/openapi.json')).body;
      expect(document.paths['/metrics']).toBeUndefined();
    } finally {
      await t.cleanup();
    }
  });

  it('with MESSAGEJS_METRICS_PORT alone: served there to anyone who reaches it, 404 on the relay’s port', async () => {
    const t = await startRelay({ env: { MESSAGEJS_METRICS_PORT: '0' } });
    try {
      await call(t, 'POST', '/v1/messages', {
        key: t.demo.secretKey,
        body: { to: '+33612345670', text: 'Hello', channel: 'sms' },
      });
      expect((await call(t, 'GET', '/metrics', { key: TOKEN })).status).toBe(404);
      const url = await t.relay.listenMetrics();
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      const m = parseScrape(await res.text());
      expect(m.value('messagejs_messages_accepted_total', { channel: 'sms' })).toBe(1);
      expect(m.value('messagejs_http_requests_total', { method: 'POST', route: '/v1/messages', status: '202' })).toBe(
        1,
      );
      await t.close();
      await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    } finally {
      await t.cleanup();
    }
  });
});

describe('metrics settings', () => {
  it('are off by default, bind the metrics port to 127.0.0.1, and refuse a short or spaced token at start', () => {
    expect(loadConfig({}).metrics).toEqual({ token: null, port: null, host: '127.0.0.1' });
    expect(loadConfig({ MESSAGEJS_METRICS_PORT: '9464', MESSAGEJS_METRICS_HOST: '10.0.0.5' }).metrics).toEqual({
      token: null,
      port: 9464,
      host: '10.0.0.5',
    });
    for (const token of ['too-short', 'a token with spaces in it']) {
      expect(() => loadConfig({ MESSAGEJS_METRICS_TOKEN: token })).toThrow(/MESSAGEJS_METRICS_TOKEN: must be 16/);
    }
    expect(() => loadConfig({ MESSAGEJS_METRICS_PORT: '70000' })).toThrow(/MESSAGEJS_METRICS_PORT/);
  });
});
