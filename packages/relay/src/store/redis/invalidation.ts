import crypto from 'node:crypto';
import type { Redis } from 'ioredis';

/** Cache invalidation between relays, over one pub/sub channel. */
export interface Invalidation {
  /** Publishes "forget your caches" to the other relays; resolves once sent, never throws. */
  announce(): Promise<void>;
  /** Calls `listener` on another relay's announcement, and after each (re)subscription. */
  onInvalidate(listener: () => void): void;
}

/**
 * Every relay subscribes to `channel` on its subscriber connection and publishes its own id there
 * after a change (its own messages are ignored). After each reconnection it subscribes again and
 * forgets everything, since announcements may have been missed while it was away. Announcements
 * made in one turn of the event loop go out as one message.
 */
export function redisInvalidation(options: {
  client: Redis;
  subscriber: Redis;
  channel: string;
  onFailure: (error: unknown) => void;
}): Invalidation {
  const { client, subscriber, channel, onFailure } = options;
  const id = crypto.randomBytes(8).toString('hex');
  const listeners: Array<() => void> = [];
  const notify = () => {
    for (const listener of listeners) listener();
  };
  subscriber.on('message', (from: string, message: string) => {
    if (from === channel && message !== id) notify();
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(notify, (error: unknown) => {
      onFailure(error);
      // Not subscribed on a live connection: reconnect, which subscribes again.
      subscriber.disconnect(true);
    });
  });
  let next: Promise<void> | null = null;
  return {
    announce() {
      next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // A change made from here on needs a message of its own.
        next = null;
        return client.publish(channel, id).then(() => undefined, onFailure);
      });
      return next;
    },
    onInvalidate(listener) {
      listeners.push(listener);
    },
  };
}
