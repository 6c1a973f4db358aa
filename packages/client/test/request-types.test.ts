// A type-level test: `pnpm typecheck` (tsc over packages/*/test) fails if the client's request
// types stop accepting what the relay accepts, or start accepting what it refuses. At run time
// vitest only sees the `expectTypeOf` calls pass.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  MessageJSClient,
  SendMessageRequest,
  SendMessageResponse,
  TemplateMessageRequest,
  TextMessageRequest,
  VerifyStartRequest,
} from '@messagejs/client';

declare const client: MessageJSClient;

describe('the client request types', () => {
  it('accept `channels`, `fallbackAfter` and `captchaToken` on a template send', () => {
    const send = () =>
      client.send({
        template: 'order_update',
        to: '+212612345678',
        channels: ['whatsapp', 'sms'],
        fallbackAfter: 300,
        captchaToken: 'tok',
      });

    expectTypeOf(send).returns.resolves.toEqualTypeOf<SendMessageResponse>();
    expectTypeOf<TemplateMessageRequest['fallbackAfter']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TemplateMessageRequest['captchaToken']>().toEqualTypeOf<string | undefined>();
  });

  it('accept `channels` and `fallbackAfter` on a free-text send', () => {
    const send = () =>
      client.messages.send({
        to: '+212612345678',
        text: 'Hi',
        channel: 'whatsapp',
        channels: ['whatsapp', 'sms'],
        fallbackAfter: 60,
      });

    expectTypeOf(send).returns.resolves.toEqualTypeOf<SendMessageResponse>();
  });

  it('accept `captchaToken` and leave `channel` optional on verify.start', () => {
    const start = () => client.verify.start({ to: '+212612345678', captchaToken: 'tok' });

    expectTypeOf(start).toBeFunction();
    expectTypeOf<VerifyStartRequest['channel']>().toEqualTypeOf<
      'sms' | 'whatsapp' | 'telegram' | 'email' | 'console' | undefined
    >();
  });

  it('refuse what the relay refuses', () => {
    // @ts-expect-error: the relay's schema is strict, an unknown field is a 400.
    const unknownField: SendMessageRequest = { template: 'contact', fallbackAftr: 300 };
    // @ts-expect-error: `chat` is not a channel a code is sent on.
    const chatCode: VerifyStartRequest = { to: '+212612345678', channel: 'chat' };
    // @ts-expect-error: free text needs its channel.
    const noChannel: TextMessageRequest = { to: '+212612345678', text: 'Hi' };

    expectTypeOf([unknownField, chatCode, noChannel]).toBeArray();
  });
});
