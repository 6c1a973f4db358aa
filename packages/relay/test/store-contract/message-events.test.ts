import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEventRecord, NewMessageEvent, ProviderCallback, Store } from '../../src/store/types/index.js';
import { MAX_EVENT_TEXT } from '../../src/store/message-event-rows.js';
import { backends, type OpenedStore } from './backends.js';
import { at, attempt, message, project } from './fixtures.js';

const event = (messageId: string, overrides: Partial<NewMessageEvent> = {}): NewMessageEvent => ({
  messageId,
  at: at + 1000,
  type: 'retry',
  channel: 'sms',
  connectorId: 'con_a',
  status: null,
  errorCode: 'provider_unavailable',
  detail: { retryAt: at + 2000, providerCode: '503', errorMessage: 'Service Unavailable' },
  ...overrides,
});

/** `e` as the store reads it back, standing after `afterAttempts` attempts of its message. */
const stored = (e: NewMessageEvent, afterAttempts: number): MessageEventRecord => ({ ...e, afterAttempts });

const callback = (overrides: Partial<ProviderCallback> = {}): ProviderCallback => ({
  connectorId: 'con_a',
  providerMessageId: 'SM1',
  providerStatus: 'delivered',
  receivedAt: at + 5000,
  reportedAt: null,
  ...overrides,
});

describe.each(backends)('message events ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at + 3_600_000 });
  });
  afterEach(() => opened?.dispose());

  it('lists a message’s events oldest first, those at the same time in the order written, as given', async () => {
    const late = event('msg_1', { at: at + 9000, type: 'failed', status: 'failed', detail: {} });
    const first = event('msg_1');
    const sameTime = event('msg_1', {
      type: 'fallback',
      channel: 'whatsapp',
      connectorId: null,
      errorCode: 'fallback_timeout',
      detail: { to: 'sms', errorMessage: 'No delivery report on whatsapp in time.' },
    });
    for (const e of [late, first, sameTime, event('msg_2')]) await store.messageEvents.add(e);
    expect(await store.messageEvents.list('msg_1')).toStrictEqual([first, sameTime, late].map((e) => stored(e, 0)));
    expect(await store.messageEvents.list('msg_2')).toStrictEqual([stored(event('msg_2'), 0)]);
    expect(await store.messageEvents.list('msg_unknown')).toEqual([]);
    expect(await store.messageEvents.list('msg_1\u0000')).toEqual([]);
  });

  it('keeps the detail small: provider text is cut', async () => {
    await store.messageEvents.add(event('msg_1', { detail: { errorMessage: 'x'.repeat(5000) } }));
    const [cut] = await store.messageEvents.list('msg_1');
    expect(cut!.detail.errorMessage).toBe(`${'x'.repeat(MAX_EVENT_TEXT)}…`);
  });

  it('records each provider callback with the status it applies, applied or ignored', async () => {
    const [job] = await store.outbox.claim(at, 1, 30_000, 'w');
    await store.outbox.complete(job!, { attempt: attempt('msg_1'), status: 'sent', at: at + 1000 });
    const apply = (status: 'delivered' | 'sent' | 'read', cb: ProviderCallback, errorCode: string | null = null) =>
      store.status.applyProviderStatus({
        messageId: 'msg_1',
        status,
        errorCode,
        at: cb.reportedAt ?? cb.receivedAt,
        callback: cb,
      });
    expect(await apply('delivered', callback({ reportedAt: at + 4000 }))).toBe(true);
    expect(await apply('sent', callback({ providerStatus: 'queued', receivedAt: at + 6000 }))).toBe(false);
    expect(await apply('delivered', callback({ receivedAt: at + 7000 }), '0')).toBe(false);
    // Without a callback (the worker's tests, embedders), nothing is recorded.
    expect(await store.status.applyProviderStatus({ messageId: 'msg_1', status: 'read', errorCode: null, at })).toBe(
      true,
    );
    expect(await store.messages.get('msg_1')).toMatchObject({ status: 'read', deliveredAt: at + 4000 });
    const base = {
      messageId: 'msg_1',
      type: 'callback',
      channel: 'sms',
      connectorId: 'con_a',
      afterAttempts: 1,
    } as const;
    expect(await store.messageEvents.list('msg_1')).toStrictEqual([
      {
        ...base,
        at: at + 5000,
        status: 'delivered',
        errorCode: null,
        detail: { providerStatus: 'delivered', providerMessageId: 'SM1', reportedAt: at + 4000, applied: true },
      },
      {
        ...base,
        at: at + 6000,
        status: 'sent',
        errorCode: null,
        detail: { providerStatus: 'queued', providerMessageId: 'SM1', applied: false },
      },
      {
        ...base,
        at: at + 7000,
        status: 'delivered',
        errorCode: '0',
        detail: { providerStatus: 'delivered', providerMessageId: 'SM1', applied: false },
      },
    ]);
    // An unknown message records nothing.
    expect(
      await store.status.applyProviderStatus({
        messageId: 'msg_x',
        status: 'read',
        errorCode: null,
        at,
        callback: callback(),
      }),
    ).toBe(false);
    expect(await store.messageEvents.list('msg_x')).toEqual([]);
  });

  it('puts a late callback on the channel of the attempt that got its provider id', async () => {
    const [job] = await store.outbox.claim(at, 1, 30_000, 'w');
    await store.outbox.complete(job!, {
      attempt: attempt('msg_1'),
      status: 'sent',
      at: at + 1000,
      fallbackAt: at + 2000,
    });
    const [check] = await store.outbox.claim(at + 2000, 1, 30_000, 'w');
    const onWhatsApp = attempt('msg_1', {
      channel: 'whatsapp',
      connectorId: 'con_b',
      providerMessageId: 'wamid.2',
      at: at + 3000,
    });
    await store.outbox.complete(check!, { attempt: onWhatsApp, status: 'sent', at: at + 3000 });
    await store.status.applyProviderStatus({
      messageId: 'msg_1',
      status: 'undelivered',
      errorCode: '30003',
      at: at + 4000,
      callback: callback({ providerStatus: 'undelivered', receivedAt: at + 4000 }),
    });
    await store.status.applyProviderStatus({
      messageId: 'msg_1',
      status: 'delivered',
      errorCode: null,
      at: at + 4500,
      // No attempt got this id on this connector: the message's channel stands in.
      callback: callback({ connectorId: 'con_c', providerMessageId: 'other', receivedAt: at + 4500 }),
    });
    const events = await store.messageEvents.list('msg_1');
    expect(events.map((e) => [e.channel, e.connectorId, e.detail.applied, e.afterAttempts])).toEqual([
      ['sms', 'con_a', true, 2],
      ['whatsapp', 'con_c', false, 2],
    ]);
  });

  it('records why a job goes on or ends in the outbox write itself, and nothing for a lease taken over', async () => {
    const [job] = await store.outbox.claim(at, 1, 30_000, 'w');
    const failed = attempt('msg_1', { status: 'failed', errorCode: '503', providerMessageId: null });
    const retryEvent = event('msg_1');
    const { messageId: _, at: when, ...fields } = retryEvent;
    await store.outbox.retry(job!, {
      attempt: failed,
      dueAt: at + 2000,
      errorCode: 'provider_unavailable',
      errorMessage: 'Service Unavailable',
      at: when,
      event: fields,
    });
    const [again] = await store.outbox.claim(at + 2000, 1, 30_000, 'w');
    // A worker whose lease expired and was taken over writes nothing, its event neither.
    const [taken] = await store.outbox.claim(at + 40_000, 1, 30_000, 'other');
    const failedEvent = event('msg_1', {
      at: at + 3000,
      type: 'failed',
      status: 'failed',
      errorCode: 'provider_rejected',
      detail: { errorMessage: 'no' },
    });
    const { messageId: __, at: failedAt, ...failedFields } = failedEvent;
    const stale = {
      attempt: attempt('msg_1', { status: 'failed', errorCode: '400', providerMessageId: null, at: failedAt }),
      errorCode: 'provider_rejected',
      errorMessage: 'no',
      at: failedAt,
      event: failedFields,
    };
    await store.outbox.fail(again!, stale);
    expect(await store.messageEvents.list('msg_1')).toStrictEqual([stored(retryEvent, 1)]);
    await store.outbox.fail(taken!, stale);
    // Each event stands after the attempt written with it.
    expect(await store.messageEvents.list('msg_1')).toStrictEqual([stored(retryEvent, 1), stored(failedEvent, 2)]);
    expect(await store.messages.get('msg_1')).toMatchObject({ status: 'failed', errorCode: 'provider_rejected' });
  });
});
