import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isMessageJSError } from '@messagejs/client';
import { startRelay, waitForMessage, type TestRelay } from '../../relay/test/helpers/start-relay.js';

// The real client against a real relay on an ephemeral port with a real SQLite file.
let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

describe('client against a real relay', () => {
  it('sends free text with a secret key and reads the status until delivered', async () => {
    const relay = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url });
    const sent = await relay.messages.send({ to: '+212612345678', text: 'Your parcel is here', channel: 'sms' });
    expect(sent).toMatchObject({ status: 'queued', channel: 'sms', segments: 1 });
    await waitForMessage(t, sent.id, (m) => m.status === 'delivered');
    expect((await relay.messages.get(sent.id)).status).toBe('delivered');
  });

  it('stores one message for two sends with the same Idempotency-Key', async () => {
    const relay = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url });
    const before = await t.relay.store.messages.count();
    const body = { template: 'order_update', to: '+212612345670', params: { order: 'A-1001', eta: 'tomorrow' } };
    const first = await relay.send(body, { idempotencyKey: 'order-A-1001' });
    const second = await relay.send(body, { idempotencyKey: 'order-A-1001' });
    expect(second.id).toBe(first.id);
    expect(await t.relay.store.messages.count()).toBe(before + 1);
  });

  it('rejects the same Idempotency-Key with another body as idempotency_conflict', async () => {
    const relay = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url });
    await relay.send({ to: '+212612345671', text: 'one', channel: 'sms' }, { idempotencyKey: 'conflict-1' });
    const error = await relay
      .send({ to: '+212612345671', text: 'two', channel: 'sms' }, { idempotencyKey: 'conflict-1' })
      .catch((e: unknown) => e);
    expect(isMessageJSError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'idempotency_conflict', status: 409, field: 'Idempotency-Key' });
  });

  it('maps a relay refusal to MessageJSError with its code, field and request id', async () => {
    const relay = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url });
    const error = await relay
      .send({ template: 'order_update', to: '+212612345672', params: { order: 'lowercase', eta: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'MessageJSError',
      code: 'validation_failed',
      status: 400,
      field: 'params.order',
    });
    expect((error as { requestId: string }).requestId).toMatch(/^req_/);
  });

  it('carries the number type the relay refused a recipient for', async () => {
    const relay = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url });
    const error = await relay.send({ to: '+449098790000', text: 'Hello', channel: 'sms' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'number_type_not_allowed',
      status: 403,
      field: 'to',
      numberType: 'premium_rate',
    });
  });
});
