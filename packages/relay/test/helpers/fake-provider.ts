import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake provider received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** The body parsed as x-www-form-urlencoded. */
  form: URLSearchParams;
}

/** What the fake provider answers. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  /** Waits this long before answering (timeouts). */
  delayMs?: number;
}

/** A local HTTP server on port 0 standing in for a provider API: it records requests and answers as told. */
export interface FakeProvider {
  /** `http://127.0.0.1:<port>`, to pass as a connector's `baseUrl`. */
  url: string;
  requests: RecordedRequest[];
  /** How many TCP connections the clients opened (keep-alive reuse shows as fewer connections than requests). */
  connections(): number;
  /** The most recent request (throws when none came). */
  last(): RecordedRequest;
  /** Sets how the next requests are answered. */
  reply(handler: FakeReply | ((request: RecordedRequest) => FakeReply)): void;
  close(): Promise<void>;
}

/** Starts a fake provider; answers `200 {}` until told otherwise. */
export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  let handler: (request: RecordedRequest) => FakeReply = () => ({ status: 200, body: {} });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json,
        form: new URLSearchParams(body),
      };
      requests.push(recorded);
      const reply = handler(recorded);
      const send = () => {
        if (res.destroyed) return;
        const isText = typeof reply.body === 'string';
        res.writeHead(reply.status ?? 200, {
          'content-type': isText ? 'text/plain' : 'application/json',
          ...reply.headers,
        });
        res.end(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    last() {
      const request = requests.at(-1);
      if (!request) throw new Error('The fake provider received no request');
      return request;
    },
    reply(next) {
      handler = typeof next === 'function' ? next : () => next;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A send context with a signal that never fires, for tests that do not test timeouts. */
export function sendContext(extra: { statusCallbackUrl?: string; signal?: AbortSignal } = {}) {
  return {
    signal: extra.signal ?? new AbortController().signal,
    ...(extra.statusCallbackUrl ? { statusCallbackUrl: extra.statusCallbackUrl } : {}),
  };
}

/** Resolves with what `promise` rejected with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}
