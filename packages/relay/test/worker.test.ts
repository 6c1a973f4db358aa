import { afterEach, describe, expect, it } from 'vitest';
import { addConnector } from '@messagejs/relay';
import { call, snapshotDatabase, startRelay, waitForMessage, type TestRelay } from './helpers/start-relay.js';
import { scriptedServer } from './helpers/scripted-server.js';

const SECRET = 'a-webhook-secret-of-some-length';
let t: TestRelay | null = null;
let receiver: Awaited<ReturnType<typeof scriptedServer>> | null = null;
afterEach(async () => {
  await t?.cleanup();
  await receiver?.close();
  t = null;
  receiver = null;
});

/** A relay whose clock the test moves by hand, so retries come due without waiting. */
async function relayWithClock() {
  let now = Date.parse('2026-03-01T12:00:00Z');
  t = await startRelay({ deps: { now: () => now, worker: { pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, maxAttemptsPerConnector: 3, random: () => 0.5 } } });
  return { t, advance: (ms: number) => (now += ms), now: () => now };
}

async function useWebhookFor(t: TestRelay, channels: Array<'sms' | 'whatsapp'>, statuses: number[], priority = 1) {
  receiver = await scriptedServer(statuses);
  return addConnector(t.relay.store, t.relay.sealer, { projectId: t.demo.projectId, type: 'webhook', channels, config: { url: receiver.url }, credentials: { secret: SECRET }, priority }, Date.now());
}

const sms = { to: '+33612345678', text: 'Hello', channel: 'sms' };
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('worker', () => {
  it('retries a transient failure with exponential backoff, then records the success', async () => {
    const { t, advance } = await relayWithClock();
    await useWebhookFor(t, ['sms'], [503, 503, 200]);
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    await settle();
    expect(receiver!.requests).toHaveLength(1);
    expect((await waitForMessage(t, body.id, () => true)).status).toBe('queued');
    advance(700); // first backoff: 1000 ms with equal jitter at 0.5 → 750 ms
    await settle();
    expect(receiver!.requests).toHaveLength(1);
    advance(100);
    await settle();
    expect(receiver!.requests).toHaveLength(2);
    advance(1500); // second: 2000 ms → 1500 ms
    await settle();
    const message = await waitForMessage(t, body.id, (m) => m.status === 'sent');
    expect(receiver!.requests).toHaveLength(3);
    expect(message.providerMessageId).toBe('rcv_3');
    expect(message.attempts.map((a: { status: string; errorCode: string }) => [a.status, a.errorCode])).toEqual([
      ['failed', '503'],
      ['failed', '503'],
      ['sent', null],
    ]);
  });

  it('reads as `sending` while a worker holds the message, then as what the provider answered', async () => {
    t = await startRelay();
    receiver = await scriptedServer([200], { delayMs: 400 });
    await addConnector(t.relay.store, t.relay.sealer, { projectId: t.demo.projectId, type: 'webhook', channels: ['sms'], config: { url: receiver.url }, credentials: { secret: SECRET }, priority: 1 }, Date.now());
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    await waitForMessage(t, body.id, (m) => m.status === 'sending');
    expect(receiver.requests).toHaveLength(1);
    // The lease alone says so: no status write per claim.
    expect((await t.relay.store.messages.get(body.id))!.status).toBe('queued');
    const sent = await waitForMessage(t, body.id, (m) => m.status === 'sent');
    expect(sent.attempts).toHaveLength(1);
  });

  it('fails a permanent error at once with the provider code', async () => {
    const { t } = await relayWithClock();
    await useWebhookFor(t, ['sms'], [400]);
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    const message = await waitForMessage(t, body.id, (m) => m.status === 'failed');
    expect(message.errorCode).toBe('provider_rejected');
    expect(receiver!.requests).toHaveLength(1);
    expect(await t.relay.store.outbox.pending()).toBe(0);
  });

  it('fails over to the next connector of the channel when the first keeps failing', async () => {
    const { t, advance } = await relayWithClock();
    await useWebhookFor(t, ['sms'], [503], 1); // before the demo console connector (priority 100)
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    for (let i = 0; i < 3; i++) {
      await settle();
      advance(10_000);
    }
    const message = await waitForMessage(t, body.id, (m) => m.status === 'delivered');
    expect(receiver!.requests).toHaveLength(3);
    expect(message.attempts.map((a: { connector: string }) => a.connector)).toEqual(['webhook', 'webhook', 'webhook', 'console']);
  });

  it('skips a connector whose circuit breaker is open while another can send', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    t = await startRelay({ deps: { now: () => now, worker: { pollMs: 10, maxAttemptsPerConnector: 3, breakerThreshold: 3, breakerCooldownMs: 60_000, random: () => 0.5 } } });
    await useWebhookFor(t, ['sms'], [503], 1);
    const first = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    for (let i = 0; i < 3; i++) {
      await settle();
      now += 10_000;
    }
    await waitForMessage(t, first.body.id, (m) => m.status === 'delivered');
    expect(receiver!.requests).toHaveLength(3);
    // The breaker is open: the next message goes straight to the console connector.
    const second = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, to: '+33612345679' } });
    const message = await waitForMessage(t, second.body.id, (m) => m.status === 'delivered');
    expect(message.attempts.map((a: { connector: string }) => a.connector)).toEqual(['console']);
    expect(receiver!.requests).toHaveLength(3);
    // After the cooldown the first connector is tried again.
    now += 61_000;
    await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, to: '+33612345670' } });
    await settle();
    expect(receiver!.requests).toHaveLength(4);
  });

  it('cascades to the next channel after a permanent failure', async () => {
    const { t } = await relayWithClock();
    await useWebhookFor(t, ['whatsapp'], [400], 1);
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, channel: 'whatsapp', channels: ['whatsapp', 'sms'] } });
    expect(body.channel).toBe('whatsapp');
    const message = await waitForMessage(t, body.id, (m) => m.status === 'delivered');
    expect(message.channel).toBe('sms');
    expect(message.attempts.map((a: { channel: string; status: string }) => [a.channel, a.status])).toEqual([
      ['whatsapp', 'failed'],
      ['sms', 'delivered'],
    ]);
  });

  it('falls back to the next channel when the first has not reported delivery within fallbackAfter', async () => {
    const { t, advance } = await relayWithClock();
    await useWebhookFor(t, ['whatsapp'], [200], 1);
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, channel: 'whatsapp', channels: ['whatsapp', 'sms'], fallbackAfter: 30 } });
    await waitForMessage(t, body.id, (m) => m.status === 'sent' && m.channel === 'whatsapp');
    advance(29_000);
    await settle();
    expect((await waitForMessage(t, body.id, () => true)).channel).toBe('whatsapp');
    advance(2_000);
    const message = await waitForMessage(t, body.id, (m) => m.status === 'delivered');
    expect(message.channel).toBe('sms');
    expect(message.attempts.map((a: { channel: string; status: string }) => [a.channel, a.status])).toEqual([
      ['whatsapp', 'sent'],
      ['sms', 'delivered'],
    ]);
    expect(await t.relay.store.outbox.pending()).toBe(0);
  });

  it('does not fall back when delivery is reported in time', async () => {
    const { t, advance, now } = await relayWithClock();
    await useWebhookFor(t, ['whatsapp'], [200], 1);
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, channel: 'whatsapp', channels: ['whatsapp', 'sms'], fallbackAfter: 30 } });
    await waitForMessage(t, body.id, (m) => m.status === 'sent');
    // What a provider status callback does (tested end to end in delivery-status.test.ts).
    await t.relay.store.status.applyProviderStatus({ messageId: body.id, status: 'delivered', errorCode: null, at: now() });
    advance(31_000);
    await settle();
    const message = await waitForMessage(t, body.id, () => true);
    expect(message).toMatchObject({ status: 'delivered', channel: 'whatsapp' });
    expect(message.attempts).toHaveLength(1);
    expect(await t.relay.store.outbox.pending()).toBe(0);
  });

  it('refuses fallbackAfter without a channel to fall back to', async () => {
    const { t } = await relayWithClock();
    const res = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, fallbackAfter: 30 } });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('fallbackAfter');
  });

  it('blanks the body of a verification message once it is delivered', async () => {
    t = await startRelay();
    const res = await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to: '+33612345678', channel: 'sms' } });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    const rows = snapshotDatabase(t.dataDir).messages as Array<{ template: string; body: string; status: string }>;
    const verification = rows.find((m) => m.template === 'verify')!;
    expect(verification.status).toBe('delivered');
    expect(verification.body).toBe('[redacted]');
    expect(t.console.join('')).toMatch(/\d{6} is your/);
  });

  it('delivers exactly once after a restart before delivery', async () => {
    t = await startRelay({ env: { MESSAGEJS_WORKER: 'off' } });
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    expect(body.status).toBe('queued');
    await t.close();
    const demo = t.demo;
    const first = t;
    t = await startRelay({ dataDir: first.dataDir, demo });
    const message = await waitForMessage(t, body.id, (m) => m.status === 'delivered');
    await settle();
    expect(message.attempts).toHaveLength(1);
    expect(t.console.join('').split(body.id).length - 1).toBe(1);
    expect(first.console).toHaveLength(0);
  });

  it('claims a row again when its lease expires (a worker that died mid-delivery)', async () => {
    const { t, advance, now } = await relayWithClock();
    await t.relay.worker!.stop();
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    // A worker claims the row and dies before finishing: the lease is all that is left of it.
    const claimed = await t.relay.store.outbox.claim(now(), 10, 30_000, 'dead-worker');
    expect(claimed.map((j) => j.messageId)).toEqual([body.id]);
    expect((await t.relay.worker!.runOnce())).toBe(0);
    advance(30_001);
    expect(await t.relay.worker!.runOnce()).toBe(1);
    const message = await waitForMessage(t, body.id, (m) => m.status === 'delivered');
    expect(message.attempts).toHaveLength(1);
    // The dead worker waking up late cannot overwrite the result.
    await t.relay.store.outbox.fail(claimed[0]!, { attempt: null, errorCode: 'late', errorMessage: 'late', at: now() });
    expect((await waitForMessage(t, body.id, () => true)).status).toBe('delivered');
  });
});
