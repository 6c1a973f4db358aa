import type {
  MessageResponse,
  SendMessageRequest,
  SendMessageResponse,
  VerifyCheckRequest,
  VerifyCheckResponse,
  VerifyStartRequest,
  VerifyStartResponse,
} from '@messagejs/shared-types';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './client-options.js';
import { createIdempotencyKey } from './create-idempotency-key.js';
import { createTransport } from './create-transport.js';
import { readForm, type SendFormOptions } from './read-form.js';

/** Per-call options of the methods that `POST`. */
export interface RequestOptions {
  /**
   * The `Idempotency-Key` header: the relay answers a repeat of the same key with the first
   * answer instead of sending twice (for at least 24 h). Pass your own to make a send safe to
   * repeat across page reloads or process restarts, e.g. an order id.
   * @default a new random UUID per call, reused across that call's retries
   * @example `order-${order.id}-shipped`
   */
  idempotencyKey?: string;
}

/** Messages: send one, or read one back. */
export interface MessagesApi {
  /**
   * Sends a message: a template (any key) or free text (secret key only). Resolves as soon as
   * the relay has queued it (`202`), with its id and status.
   * @example
   * ```ts
   * await relay.messages.send({ to: '+212612345678', text: 'Your parcel is here', channel: 'sms' });
   * ```
   */
  send(message: SendMessageRequest, options?: RequestOptions): Promise<SendMessageResponse>;
  /**
   * Reads a message and its current status (`GET /v1/messages/:id`). A public key can read
   * only messages it sent; the recipient is masked for it.
   * @example
   * ```ts
   * const { status } = await relay.messages.get(id);
   * ```
   */
  get(id: string): Promise<MessageResponse>;
}

/** Phone (or address) verification with one-time codes. */
export interface VerifyApi {
  /**
   * Sends a one-time code to `to` (`POST /v1/verify/send`) and resolves with the session to
   * check it against.
   * @example
   * ```ts
   * const { sessionId } = await messagejs.verify.start({ to: '+212612345678', channel: 'sms' });
   * ```
   */
  start(request: VerifyStartRequest, options?: RequestOptions): Promise<VerifyStartResponse>;
  /**
   * Checks the code the user typed (`POST /v1/verify/check`). When `valid`, `token` is a
   * relay-signed JWT your backend can verify against the relay's JWKS.
   * @example
   * ```ts
   * const { valid, token } = await messagejs.verify.check({ sessionId, code: '123456' });
   * ```
   */
  check(request: VerifyCheckRequest, options?: RequestOptions): Promise<VerifyCheckResponse>;
}

/** A MessageJS client bound to one key and relay. Every method rejects only with `MessageJSError` or, for misuse, `TypeError`. */
export interface MessageJSClient {
  /**
   * Sends a message; the same as `messages.send`.
   * @example
   * ```ts
   * const { id, status } = await messagejs.send({ template: 'order_update', to: '+212612345678', params: { order: 'A-1001' } });
   * ```
   */
  send(message: SendMessageRequest, options?: RequestOptions): Promise<SendMessageResponse>;
  /**
   * Sends a template with a form's fields as its params (a field named `to` is the recipient
   * unless `options.to` is given; files are ignored). Rejects with a `TypeError`, sending
   * nothing, when no form matches the selector.
   * @example
   * ```ts
   * await messagejs.sendForm('#contact-form', { template: 'contact' });
   * ```
   */
  sendForm(
    form: HTMLFormElement | string,
    options: SendFormOptions,
    requestOptions?: RequestOptions,
  ): Promise<SendMessageResponse>;
  /**
   * Reads a message and its current status; the same as `messages.get`.
   * @example
   * ```ts
   * const { status } = await messagejs.status(id);
   * ```
   */
  status(id: string): Promise<MessageResponse>;
  /** Send and read messages. */
  messages: MessagesApi;
  /** One-time-code verification. */
  verify: VerifyApi;
}

/** Builds a client from validated options. */
export function clientFrom(options: ResolvedOptions): MessageJSClient {
  const request = createTransport(options);
  const post = <T>(path: string, expect: string, body: unknown, requestOptions?: RequestOptions) =>
    request<T>('POST', path, expect, body, requestOptions?.idempotencyKey || createIdempotencyKey());

  const send = (message: SendMessageRequest, requestOptions?: RequestOptions) =>
    post<SendMessageResponse>('/v1/messages', 'id', message, requestOptions);
  const status = async (id: string) => {
    if (typeof id !== 'string' || !id) {
      throw new TypeError(`Pass the id that send() resolved with: status(id), got ${JSON.stringify(id)}`);
    }
    return request<MessageResponse>('GET', `/v1/messages/${encodeURIComponent(id)}`, 'id');
  };

  return {
    send,
    sendForm: async (form, formOptions, requestOptions) => send(readForm(form, formOptions), requestOptions),
    status,
    messages: { send, get: status },
    verify: {
      start: (body, requestOptions) => post('/v1/verify/send', 'sessionId', body, requestOptions),
      check: (body, requestOptions) => post('/v1/verify/check', 'valid', body, requestOptions),
    },
  };
}

/**
 * Creates a client bound to one key and relay: for servers (with a secret key) or for more
 * than one project in a page (with public keys). Validates the options at once and throws a
 * `TypeError` that says how to fix them — including for a secret key in a web page.
 *
 * @example
 * ```ts
 * import { createClient } from '@messagejs/client';
 *
 * const relay = createClient({ secretKey: process.env.MESSAGEJS_SECRET_KEY, relayUrl: 'https://relay.example.com' });
 * await relay.messages.send({ to: '+212612345678', text: 'Your parcel is here', channel: 'sms' });
 * ```
 */
export function createClient(options: ClientOptions): MessageJSClient {
  return clientFrom(resolveOptions(options, 'createClient'));
}
