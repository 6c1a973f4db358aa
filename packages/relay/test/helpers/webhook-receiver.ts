import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a receiver answers: a status (and body), after an optional delay. */
export interface Answer {
  status: number;
  body?: string;
  delayMs?: number;
}

/**
 * A developer's app receiving webhooks, on 127.0.0.1: it keeps every request and answers with
 * `answer` (204 by default). `verified` checks signatures with the `standardwebhooks` library
 * (the specification's reference implementation), never the relay's own code.
 */
export async function startReceiver() {
  const received: Received[] = [];
  let answer: (r: Received) => Answer = () => ({ status: 204 });
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      for (const w of waiters.splice(0)) w();
      const a = answer(r);
      const send = () => {
        res.statusCode = a.status;
        res.end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    answer(fn: (r: Received) => Answer) {
      answer = fn;
    },
    /** The events received (parsed bodies), optionally only those at `path`. */
    events(path?: string) {
      return received
        .filter((r) => path === undefined || r.path === path)
        .map((r) => JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: Record<string, any> });
    },
    /** Resolves once `predicate` holds over what was received (polled on each request, and every 50 ms). */
    async until(predicate: (received: Received[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met in ${timeoutMs} ms (${received.length} received)`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    /** The request's body parsed, after the `standardwebhooks` library verified its signature with `secret`. */
    verified(r: Received, secret: string) {
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(r.headers[h])]),
      );
      return new Webhook(secret).verify(r.body, headers) as { id: string; type: string; data: Record<string, any> };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
