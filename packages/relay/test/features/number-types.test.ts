import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTemplate, setNumberTypes } from '@messagejs/relay';
import { call, DEMO_ORIGIN, startRelay, waitForIdle, type TestRelay } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';

// SMS pumping sends to numbers that pay whoever holds them: premium-rate, shared-cost, personal
// and fixed-line ranges. Each number below was classified with libphonenumber-js (max metadata).
const refused = {
  '+449098790000': 'premium_rate', // GB 09
  '+33899123456': 'premium_rate', // FR 089
  '+19005551234': 'premium_rate', // US 1-900
  '+448712345678': 'premium_rate', // GB 0871
  '+447012345678': 'personal_number', // GB 070
  '+33123456789': 'fixed_line', // FR
  '+212522123456': 'fixed_line', // MA
} as const;
const accepted = {
  '+212612345678': 'mobile',
  '+33612345678': 'mobile',
  '+12015550123': 'fixed_line_or_mobile', // the NANP cannot tell mobiles from fixed lines
} as const;

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

const sendText = (to: string, channel: string) =>
  call(t, 'POST', '/v1/messages', { key: t.demo.secretKey, body: { to, text: 'Hello', channel } });
const verify = (to: string, channel = 'sms') =>
  call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to, channel } });

/** Runs `request` and returns its answer, asserting it wrote nothing. */
async function writesNothing(request: () => Promise<Awaited<ReturnType<typeof call>>>) {
  await waitForIdle(t);
  const before = await snapshot(t.location);
  const res = await request();
  expect(await snapshot(t.location)).toEqual(before);
  return res;
}

describe('number types', () => {
  it('refuses premium-rate, personal and fixed-line numbers for SMS, WhatsApp and verification by default, naming the type', async () => {
    for (const [to, type] of Object.entries(refused)) {
      for (const request of [
        () => sendText(to, 'sms'),
        () => sendText(to, 'whatsapp'),
        () => verify(to),
        () => verify(to, 'whatsapp'),
      ]) {
        const res = await writesNothing(request);
        expect(res.status, to).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'number_type_not_allowed', field: 'to', numberType: type });
        expect(res.body.error.message).toContain(type);
      }
    }
  });

  it('refuses them to public-key template sends too', async () => {
    const res = await writesNothing(() =>
      call(t, 'POST', '/v1/messages', {
        key: t.demo.publicKey,
        origin: DEMO_ORIGIN,
        body: { template: 'order_update', to: '+449098790000', params: { order: 'A-1', eta: 'soon' } },
      }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'number_type_not_allowed', field: 'to', numberType: 'premium_rate' });
  });

  it('accepts mobiles, and fixed-line-or-mobile numbers where the numbering plan cannot tell', async () => {
    for (const to of Object.keys(accepted)) {
      expect((await sendText(to, 'sms')).status, to).toBe(202);
      expect((await sendText(to, 'whatsapp')).status, to).toBe(202);
      expect((await verify(to)).status, to).toBe(202);
    }
  });

  it('leaves Telegram, email and console recipients alone', async () => {
    expect((await sendText('123456789', 'telegram')).status).toBe(202);
    expect((await sendText('owner@example.com', 'email')).status).toBe(202);
    expect((await sendText('owner', 'console')).status).toBe(202);
  });

  it('refuses a fixed template recipient of a refused type when the template is saved', async () => {
    const template = {
      name: 'hotline',
      channel: 'sms',
      recipient: { mode: 'fixed', to: '+33899123456' },
      body: 'Call me',
    };
    await expect(saveTemplate(t.relay.store, t.demo.projectId, template, Date.now())).rejects.toMatchObject({
      code: 'number_type_not_allowed',
      field: 'recipient.to',
      detail: { numberType: 'premium_rate' },
    });
  });

  it('reports the same type names in POST /v1/recipients/analyze, and whether the project would send to each', async () => {
    const numbers = [...Object.keys(refused), ...Object.keys(accepted)];
    const res = await call(t, 'POST', '/v1/recipients/analyze', { key: t.demo.secretKey, body: { numbers } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { type: string }) => r.type)).toEqual([
      ...Object.values(refused),
      ...Object.values(accepted),
    ]);
    expect(res.body.results.map((r: { allowed: boolean }) => r.allowed)).toEqual(numbers.map((n) => n in accepted));
  });

  it('sends to more types once the project allows them', async () => {
    try {
      const project = await setNumberTypes(
        t.relay.store,
        t.demo.projectId,
        ['mobile', 'fixed_line_or_mobile', 'fixed-line'],
        Date.now(),
      );
      expect(project.allowedNumberTypes).toEqual(['mobile', 'fixed_line_or_mobile', 'fixed_line']);
      expect((await sendText('+33123456789', 'sms')).status).toBe(202);
      expect((await verify('+33123456789')).status).toBe(202);
      const premium = await sendText('+33899123456', 'sms');
      expect(premium.status).toBe(403);
      expect(premium.body.error.numberType).toBe('premium_rate');
    } finally {
      await setNumberTypes(t.relay.store, t.demo.projectId, ['mobile', 'fixed_line_or_mobile'], Date.now());
    }
  });

  it('refuses unknown type names and an empty list with validation_failed', async () => {
    await expect(
      setNumberTypes(t.relay.store, t.demo.projectId, ['mobile', 'premium'], Date.now()),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      field: 'allowedNumberTypes',
      message: expect.stringContaining('`premium` is not a number type'),
    });
    await expect(setNumberTypes(t.relay.store, t.demo.projectId, [], Date.now())).rejects.toMatchObject({
      code: 'validation_failed',
      field: 'allowedNumberTypes',
    });
    expect((await t.relay.store.projects.get(t.demo.projectId))!.allowedNumberTypes).toEqual([
      'mobile',
      'fixed_line_or_mobile',
    ]);
  });
});
