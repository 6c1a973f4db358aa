import type { ClientOptions } from './client-options.js';
import { resolveOptions } from './client-options.js';
import { clientFrom, type MessageJSClient } from './create-client.js';

/** The default instance: a client configured once with `init`, like EmailJS. */
export interface MessageJS extends MessageJSClient {
  /**
   * Configures the default instance; call it once, before the other methods. Throws a
   * `TypeError` that says how to fix bad options.
   * @example
   * ```ts
   * messagejs.init({ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' });
   * messagejs.init('pk_…', { relayUrl: 'https://relay.example.com' });
   * ```
   */
  init(options: ClientOptions): void;
  init(publicKey: string, options: Omit<ClientOptions, 'publicKey' | 'secretKey'>): void;
}

let client: MessageJSClient | undefined;

const use = (): MessageJSClient => {
  if (!client) {
    throw new TypeError(
      "MessageJS is not set up yet: call messagejs.init({ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' }) first",
    );
  }
  return client;
};

/**
 * The default instance. Importing it touches no browser global; `init` it once, then send.
 *
 * @example
 * ```ts
 * import messagejs from '@messagejs/client';
 *
 * messagejs.init({ publicKey: 'pk_…', relayUrl: 'https://relay.example.com' });
 * const { id } = await messagejs.send({ template: 'order_update', to: '+212612345678', params: { order: 'A-1001' } });
 * ```
 */
export const messagejs: MessageJS = {
  init(keyOrOptions: ClientOptions | string, options?: Omit<ClientOptions, 'publicKey' | 'secretKey'>) {
    client = clientFrom(
      resolveOptions(
        typeof keyOrOptions === 'string' ? { ...options!, publicKey: keyOrOptions } : keyOrOptions,
        'init',
      ),
    );
  },
  send: async (...args) => use().send(...args),
  sendForm: async (...args) => use().sendForm(...args),
  status: async (...args) => use().status(...args),
  messages: {
    send: async (...args) => use().messages.send(...args),
    get: async (...args) => use().messages.get(...args),
  },
  verify: {
    start: async (...args) => use().verify.start(...args),
    check: async (...args) => use().verify.check(...args),
  },
};
