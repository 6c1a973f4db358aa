import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector, setFallbacks, setPrices } from '@messagejs/relay';
import { call, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { scriptedServer } from '../helpers/scripted-server.js';

let t: TestRelay;
let receiver: Awaited<ReturnType<typeof scriptedServer>>;
beforeAll(async () => {
  t = await startRelay();
  receiver = await scriptedServer([400]);
});
afterAll(async () => {
  await t.cleanup();
  await receiver.close();
});

const send = (body: unknown) => call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body });

describe('project price table', () => {
  it('estimates SMS cost per segment in EUR and MAD from the default table', async () => {
    const res = await send({ to: '+212612345678', text: 'x'.repeat(200), channel: 'sms' });
    const message = await waitForMessage(t, res.body.id, () => true);
    expect(message.segments).toBe(2);
    expect(message.cost.eur).toBeGreaterThan(0);
    expect(message.cost.mad).toBeGreaterThan(message.cost.eur);
  });

  it("uses the project's own table, by country with a * fallback", async () => {
    await setPrices(t.relay.store, t.demo.projectId, {
      sms: { MA: { eur: 0.05, mad: 0.5 }, '*': { eur: 0.1, mad: 1 } },
    });
    const ma = await send({ to: '+212612345679', text: 'x'.repeat(200), channel: 'sms' });
    const fr = await send({ to: '+33612345679', text: 'hello', channel: 'sms' });
    expect((await waitForMessage(t, ma.body.id, () => true)).cost).toEqual({ eur: 0.1, mad: 1 });
    expect((await waitForMessage(t, fr.body.id, () => true)).cost).toEqual({ eur: 0.1, mad: 1 });
  });

  it('refuses a malformed table naming the field', async () => {
    await expect(
      setPrices(t.relay.store, t.demo.projectId, { sms: { Morocco: { eur: 1, mad: 1 } } }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      setPrices(t.relay.store, t.demo.projectId, { sms: { MA: { eur: -1, mad: 1 } } }),
    ).rejects.toMatchObject({ code: 'validation_failed', field: 'sms.MA.eur' });
  });
});

describe('project channel fallbacks', () => {
  it('cascades a message that names no channels along the project fallback', async () => {
    await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        projectId: t.demo.projectId,
        type: 'webhook',
        channels: ['whatsapp'],
        config: { url: receiver.url },
        credentials: { secret: 'fallback-test-secret-123' },
        priority: 1,
      },
      Date.now(),
    );
    await setFallbacks(t.relay.store, t.demo.projectId, 'whatsapp', ['sms']);
    const res = await send({ to: '+33612345670', text: 'hi', channel: 'whatsapp' });
    const message = await waitForMessage(t, res.body.id, (m) => m.status === 'delivered');
    expect(message.attempts.map((a: { channel: string; status: string }) => [a.channel, a.status])).toEqual([
      ['whatsapp', 'failed'],
      ['sms', 'delivered'],
    ]);
  });

  it('is overridden by the channels a message names', async () => {
    const res = await send({ to: '+33612345671', text: 'hi', channel: 'whatsapp', channels: ['whatsapp'] });
    const message = await waitForMessage(t, res.body.id, (m) => m.status === 'failed');
    expect(message.attempts).toHaveLength(1);
  });

  it('refuses a channel falling back to itself', async () => {
    await expect(setFallbacks(t.relay.store, t.demo.projectId, 'sms', ['sms'])).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
