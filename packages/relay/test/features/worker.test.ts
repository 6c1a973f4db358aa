import { afterEach, describe, expect, it } from 'vitest';
import { addConnector } from '@messagejs/relay';
import { call, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { snapshot, write } from '../helpers/store-snapshot.js';
import { scriptedServer } from '../helpers/scripted-server.js';

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
  t = await startRelay({
    deps: {
      now: () => now,
      worker: { pollMs: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, maxAttemptsPerConnector: 3, random: () => 0.5 },
    },
  });
  return { t, advance: (ms: number) => (now += ms), now: () => now };
}

async function useWebhookFor(t: TestRelay, channels: Array<'sms' | 'whatsapp'>, statuses: number[], priority = 1) {
  receiver = await scriptedServer(statuses);
  return addConnector(
    t.relay.store,
    t.relay.sealer,
    {
      projectId: t.demo.projectId,
      type: 'webhook',
      channels,
      config: { url: receiver.url },
      credentials: { secret: SECRET },
      priority,
    },
    Date.now(),
  );
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
    // The provider holds the answer 2 s: long enough to read the message in the worker's hands on a loaded machine.
    receiver = await scriptedServer([200], { delayMs: 2000 });
    await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        projectId: t.demo.projectId,
        type: 'webhook',
        channels: ['sms'],
        config: { url: receiver.url },
        credentials: { secret: SECRET },
        priority: 1,
      },
      Date.now(),
    );
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    await waitForMessage(t, body.id, (m) => m.status === 'sending');
    expect(receiver.requests).toHaveLength(1);
    // The lease alone says so: no status write per claim.
    expect((await t.relay.store.messages.get(body.id))!.status).toBe('queued');
    const sent = await waitForMessage(t, body.id, (m) => m.status === 'sent');
    expect(sent.attempts).toHaveLength(1);
  });

  it('hands a claimed job the stored message, every field as it was written', async () => {
    t = await startRelay({ env: { MESSAGEJS_WORKER: 'off' } });
    const { body } = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    const sent = (await t.relay.store.messages.get(body.id))!;
    // A message with no field left null, so a column read into the wrong field shows.
    const { leaseUntil: _l, ...fields } = sent;
    const full = {
      ...fields,
      id: `${sent.id.slice(0, -4)}full`,
      country: 'FR',
      operator: 'Orange',
      template: 'order_update',
      subject: 'Subject',
      html: '<p>Hi</p>',
      segments: 2,
      encoding: 'UCS-2' as const,
      costEur: 0.07,
      costMad: 0.75,
      cascade: ['whatsapp' as const, 'email' as const],
      sensitive: true,
      fallbackAfterMs: 60_000,
      providerMessageId: 'SM123',
      connectorId: 'con_x',
      errorCode: 'provider_unavailable',
      errorMessage: 'try later',
      scheduledAt: sent.createdAt + 1,
      sentAt: sent.createdAt + 2,
      deliveredAt: sent.createdAt + 3,
    };
    await t.relay.store.messages.enqueue({ message: full, dueAt: 0 });
    // What only deliveries write (provider, errors, times), set by hand.
    await write(
      t.location,
      `UPDATE messages SET provider_message_id = 'SM123', connector_id = 'con_x', error_code = 'provider_unavailable',
         error_message = 'try later', sent_at = @sentAt, delivered_at = @deliveredAt WHERE id = @id`,
      { id: full.id, sentAt: full.sentAt, deliveredAt: full.deliveredAt },
    );
    const jobs = await t.relay.store.outbox.claim(Date.now(), 10, 30_000, 'worker_test');
    expect(jobs.map((j) => j.messageId)).toEqual([full.id, sent.id]);
    expect(jobs[0]).toMatchObject({ attempts: 1, kind: 'send', owner: 'worker_test' });
    const { leaseUntil, ...stored } = (await t.relay.store.messages.get(full.id))!;
    expect(leaseUntil).toBe(jobs[0]!.leaseUntil);
    expect(jobs[0]!.message).toEqual(stored);
    expect(stored).toEqual(full);
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
    expect(message.attempts.map((a: { connector: string }) => a.connector)).toEqual([
      'webhook',
      'webhook',
      'webhook',
      'console',
    ]);
  });

  it('skips a connector whose circuit breaker is open while another can send', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    t = await startRelay({
      deps: {
        now: () => now,
        worker: {
          pollMs: 10,
          maxAttemptsPerConnector: 3,
          breakerThreshold: 3,
          breakerCooldownMs: 60_000,
          random: () => 0.5,
        },
      },
    });
    await useWebhookFor(t, ['sms'], [503], 1);
    const first = await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: sms });
    for (let i = 0; i < 3; i++) {
      await settle();
      now += 10_000;
    }
    await waitForMessage(t, first.body.id, (m) => m.status === 'delivered');
    expect(receiver!.requests).toHaveLength(3);
    // The breaker is open: the next message goes straight to the console connector.
    const second = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { ...sms, to: '+33612345679' },
    });
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
    const { body } = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { ...sms, channel: 'whatsapp', channels: ['whatsapp', 'sms'] },
    });
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
    const { body } = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { ...sms, channel: 'whatsapp', channels: ['whatsapp', 'sms'], fallbackAfter: 30 },
    });
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
    const { body } = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { ...sms, channel: 'whatsapp', channels: ['whatsapp', 'sms'], fallbackAfter: 30 },
    });
    await waitForMessage(t, body.id, (m) => m.status === 'sent');
    // What a provider status callback does (tested end to end in delivery-status.test.ts).
    await t.relay.store.status.applyProviderStatus({
      messageId: body.id,
      status: 'delivered',
      errorCode: null,
      at: now(),
    });
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
    const res = await call(t, 'POST', '/v1/verify/send', {
      key: t.demo.secretKey,
      body: { to: '+33612345678', channel: 'sms' },
    });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    const rows = (await snapshot(t.location)).messages as Array<{ template: string; body: string; status: string }>;
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
    t = await startRelay({ location: first.location, demo });
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
    expect(await t.relay.worker!.runOnce()).toBe(0);
    advance(30_001);
    expect(await t.relay.worker!.runOnce()).toBe(1);
    const message = await waitForMessage(t, body.id, (m) => m.status === 'delivered');
    expect(message.attempts).toHaveLength(1);
    // The dead worker waking up late cannot overwrite the result.
    await t.relay.store.outbox.fail(claimed[0]!, { attempt: null, errorCode: 'late', errorMessage: 'late', at: now() });
    expect((await waitForMessage(t, body.id, () => true)).status).toBe('delivered');
  });

  describe('hand-off (messages stored leased to the in-process worker)', () => {
    async function slowRelay(options: { concurrency: number; delayMs: number; leaseMs?: number }) {
      t = await startRelay({
        deps: {
          worker: {
            pollMs: 20,
            concurrency: options.concurrency,
            ...(options.leaseMs && { leaseMs: options.leaseMs }),
          },
        },
      });
      receiver = await scriptedServer([200], { delayMs: options.delayMs });
      await addConnector(
        t.relay.store,
        t.relay.sealer,
        {
          projectId: t.demo.projectId,
          type: 'webhook',
          channels: ['sms'],
          config: { url: receiver.url },
          credentials: { secret: SECRET },
          priority: 1,
        },
        Date.now(),
      );
      return t;
    }
    const textOf = (request: { body: string }) => (JSON.parse(request.body) as { text: string }).text;

    it('delivers in the order messages were accepted, with a backlog in the outbox', async () => {
      // One slot and two hand-offs: the rest of the burst waits in the outbox.
      const t = await slowRelay({ concurrency: 1, delayMs: 40 });
      const ids: string[] = [];
      // Eight recipients: the per-recipient limit (5 per 10 minutes) is not what this is about.
      for (let i = 0; i < 8; i++)
        ids.push(
          (
            await call(t, 'POST', '/v1/messages', {
              key: t.demo.secretKey,
              body: { ...sms, to: `+3361234567${i}`, text: `m${i}` },
            })
          ).body.id,
        );
      for (const id of ids) await waitForMessage(t, id, (m) => m.status === 'sent');
      expect(receiver!.requests.map(textOf)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      // Once the backlog is gone, new messages are handed off again (leased as they are stored).
      const late = (
        await call(t, 'POST', '/v1/messages', {
          key: t.demo.secretKey,
          body: { ...sms, to: '+33612345679', text: 'late' },
        })
      ).body.id;
      await waitForMessage(t, late, (m) => m.status === 'sent');
      expect(receiver!.requests.map(textOf).at(-1)).toBe('late');
      expect((await waitForMessage(t, late, () => true)).attempts).toHaveLength(1);
    });

    it('gives hand-offs not yet started back to the outbox when the relay stops', async () => {
      // `a` holds the one slot for 2 s: long enough to be seen `sending` by a poll on a loaded
      // machine (300 ms was not, with two test forks), and for `b` to be handed off behind it.
      const first = await slowRelay({ concurrency: 1, delayMs: 2000 });
      const a = (await call(first, 'POST', '/v1/messages', { key: first.demo.secretKey, body: { ...sms, text: 'a' } }))
        .body.id;
      await waitForMessage(first, a, (m) => m.status === 'sending');
      const b = (await call(first, 'POST', '/v1/messages', { key: first.demo.secretKey, body: { ...sms, text: 'b' } }))
        .body.id;
      await first.close(); // waits for `a`; `b` was waiting for the slot
      const db = await snapshot(first.location);
      expect(db.outbox).toEqual([
        expect.objectContaining({ message_id: b, lease_owner: null, lease_until: 0, attempts: 0 }),
      ]);
      // The next start sends it at once, not after the 30 s lease (a loaded machine may take seconds).
      t = await startRelay({ location: first.location, demo: first.demo });
      const started = Date.now();
      const message = await waitForMessage(t, b, (m) => m.status === 'sent', 15_000);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(message.attempts).toHaveLength(1);
      expect(receiver!.requests.map(textOf)).toEqual(['a', 'b']);
    });

    it('sends each message once when hand-offs wait for a slot longer than their lease', async () => {
      // 4 slots, a 150 ms provider and 500 ms leases: the last of 20 hand-offs wait ~600 ms.
      const t = await slowRelay({ concurrency: 4, delayMs: 150, leaseMs: 500 });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push(
          (
            await call(t, 'POST', '/v1/messages', {
              key: t.demo.secretKey,
              body: { ...sms, to: `+336123456${String(i).padStart(2, '0')}`, text: `m${i}` },
            })
          ).body.id,
        );
      }
      for (const id of ids) await waitForMessage(t, id, (m) => m.status === 'sent', 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver!.requests.map(textOf).sort()).toEqual(ids.map((_, i) => `m${i}`).sort());
      for (const id of ids) expect((await waitForMessage(t, id, () => true)).attempts).toHaveLength(1);
    });

    it('does not send a hand-off whose lease another worker took over while it waited, and keeps the lease of the one it sends', async () => {
      // Leases shorter than the provider's answer: `b`'s lease runs out while `a` is sent, and
      // `a`'s would too, but the worker renews the lease of the job it is running.
      const t = await slowRelay({ concurrency: 1, delayMs: 1500, leaseMs: 600 });
      const a = (await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, text: 'a' } })).body.id;
      await waitForMessage(t, a, (m) => m.status === 'sending');
      const b = (await call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { ...sms, text: 'b' } })).body.id;
      await new Promise((r) => setTimeout(r, 700));
      // Another worker finds `b`'s lease expired and takes it; `a` is still this worker's.
      const taken = await t.relay.store.outbox.claim(Date.now(), 10, 60_000, 'other-worker');
      expect(taken.map((j) => j.messageId)).toEqual([b]);
      // This worker records `a`'s answer, and does not send `b`.
      expect((await waitForMessage(t, a, (m) => m.status === 'sent')).attempts).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver!.requests.map(textOf)).toEqual(['a']);
      const outbox = (await snapshot(t.location)).outbox as Array<{ message_id: string; lease_owner: string }>;
      expect(outbox.map((r) => [r.message_id, r.lease_owner])).toEqual([[b, 'other-worker']]);
    });
  });
});
