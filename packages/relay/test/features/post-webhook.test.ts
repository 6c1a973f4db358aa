import type dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postWebhook } from '../../src/features/webhooks/post-webhook.js';
import { checkTargetUrl, parseTargetPolicy, type LookupFn } from '../../src/features/webhooks/target-policy.js';
import { selfSignedCert } from '../helpers/self-signed-cert.js';

/** Local receivers are on 127.0.0.1 over http: allowed here, as an operator would for development. */
const local = parseTargetPolicy({ allowPrivateTargets: '127.0.0.1/32', allowHttp: true });
/** Only public addresses, http accepted so that a local receiver can be the target a check must refuse. */
const publicOnly = parseTargetPolicy({ allowHttp: true });

const event = JSON.stringify({ type: 'message.delivered', data: { id: 'msg_01' } });

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A receiver on 127.0.0.1 that records every connection and request, then lets `answer` respond. */
async function receiver(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const requests: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(req, res);
    });
  });
  server.on('connection', () => connections++);
  return { ...(await listening(server)), requests, connections: () => connections };
}

async function listening(server: http.Server | https.Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port };
}

/** A resolver answering `address` for any name, recording the names asked. */
const resolvingTo = (address: string) =>
  vi.fn<LookupFn>(async () => [{ address, family: address.includes(':') ? 6 : 4 } satisfies dns.LookupAddress]);

describe('postWebhook', () => {
  it('POSTs the body with the relay’s headers and the given ones, and answers a 2xx as ok', async () => {
    const r = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}'));
    const result = await postWebhook(
      {
        url: `http://127.0.0.1:${r.port}/hooks/in?project=p1`,
        headers: { 'webhook-id': 'msg_01', 'Webhook-Signature': 'v1,abc=', 'User-Agent': 'not-the-relay' },
        body: event,
      },
      { policy: local },
    );
    expect(result).toEqual({
      ok: true,
      status: 200,
      latencyMs: expect.any(Number),
      body: '{"ok":1}',
      error: null,
      retryable: false,
    });
    expect(r.requests).toHaveLength(1);
    const [received] = r.requests;
    expect(received).toMatchObject({ method: 'POST', url: '/hooks/in?project=p1', body: event });
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'MessageJS-Webhooks/1',
      'content-length': String(Buffer.byteLength(event)),
      'webhook-id': 'msg_01',
      'webhook-signature': 'v1,abc=',
      host: `127.0.0.1:${r.port}`,
    });
  });

  it('answers a 500 as retryable, with the receiver’s body', async () => {
    const r = await receiver((_req, res) => res.writeHead(500).end('database down'));
    const result = await postWebhook(
      { url: `http://127.0.0.1:${r.port}/`, headers: {}, body: event },
      { policy: local },
    );
    expect(result).toEqual({
      ok: false,
      status: 500,
      latencyMs: expect.any(Number),
      body: 'database down',
      error: null,
      retryable: true,
    });
  });

  it('never follows a redirect: a 302 is a retryable failure and its Location receives nothing', async () => {
    const elsewhere = await receiver((_req, res) => res.writeHead(200).end());
    const r = await receiver((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/stolen` }).end(),
    );
    const result = await postWebhook(
      { url: `http://127.0.0.1:${r.port}/`, headers: {}, body: event },
      { policy: local },
    );
    expect(result).toEqual({
      ok: false,
      status: 302,
      latencyMs: expect.any(Number),
      body: '',
      error: null,
      retryable: true,
    });
    expect(r.requests).toHaveLength(1);
    expect(elsewhere.connections()).toBe(0);
    expect(elsewhere.requests).toEqual([]);
  });

  it('reports a closed port as a retryable connection failure', async () => {
    const server = http.createServer();
    const { port } = await listening(server);
    await new Promise((resolve) => server.close(resolve));
    const result = await postWebhook({ url: `http://127.0.0.1:${port}/`, headers: {}, body: event }, { policy: local });
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'connection',
      retryable: true,
    });
  });

  it('cuts a receiver that sends its headers after 3 s at a 500 ms deadline', async () => {
    const r = await receiver((_req, res) => {
      const timer = setTimeout(() => res.writeHead(200).end('late'), 3000);
      res.on('close', () => clearTimeout(timer));
    });
    const result = await postWebhook(
      { url: `http://127.0.0.1:${r.port}/`, headers: {}, body: event },
      { policy: local, timeoutMs: 500 },
    );
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'timeout',
      retryable: true,
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(495);
    expect(result.latencyMs).toBeLessThan(1500);
    expect(r.requests).toHaveLength(1);
  });

  it('cuts a body trickled forever at the deadline, keeping the status and what came', async () => {
    let closed!: () => void;
    const receiverClosed = new Promise<void>((resolve) => (closed = resolve));
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('x');
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => {
        clearInterval(timer);
        closed();
      });
    });
    const result = await postWebhook(
      { url: `http://127.0.0.1:${r.port}/`, headers: {}, body: event },
      { policy: local, timeoutMs: 600 },
    );
    expect(result).toMatchObject({ ok: true, status: 200, error: null, retryable: false });
    expect(result.body).toMatch(/^x{2,13}$/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(595);
    expect(result.latencyMs).toBeLessThan(1500);
    await receiverClosed;
  });

  it('keeps the first 1 KB of a 10 MB body and returns without waiting for the rest', async () => {
    const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 'abcdefghijklmnopqrstuvwxyz');
    const r = await receiver((_req, res) =>
      res.writeHead(200, { 'content-length': String(tenMegabytes.length) }).end(tenMegabytes),
    );
    const result = await postWebhook(
      { url: `http://127.0.0.1:${r.port}/`, headers: {}, body: event },
      { policy: local },
    );
    expect(result).toEqual({
      ok: true,
      status: 200,
      latencyMs: expect.any(Number),
      body: tenMegabytes.subarray(0, 1024).toString(),
      error: null,
      retryable: false,
    });
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it('closes the connection of a receiver streaming an endless body once 1 KB is kept', async () => {
    // Ten megabytes could sit whole in the loopback's socket buffers; an endless body cannot.
    const chunk = Buffer.alloc(64 * 1024, '0123456789');
    let closed!: () => void;
    const receiverClosed = new Promise<void>((resolve) => (closed = resolve));
    const r = await receiver((_req, res) => {
      res.writeHead(200);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', closed);
      pump();
    });
    const result = await postWebhook(
      { url: `http://127.0.0.1:${r.port}/`, headers: {}, body: event },
      { policy: local },
    );
    expect(result).toEqual({
      ok: true,
      status: 200,
      latencyMs: expect.any(Number),
      body: chunk.subarray(0, 1024).toString(),
      error: null,
      retryable: false,
    });
    expect(result.latencyMs).toBeLessThan(2000);
    await receiverClosed;
  });

  it('keeps whole UTF-8 characters only, up to maxResponseBytes', async () => {
    const r = await receiver((_req, res) => res.writeHead(400).end('é'.repeat(600)));
    const url = `http://127.0.0.1:${r.port}/`;
    const even = await postWebhook({ url, headers: {}, body: event }, { policy: local, maxResponseBytes: 1024 });
    expect(even.body).toBe('é'.repeat(512));
    const odd = await postWebhook({ url, headers: {}, body: event }, { policy: local, maxResponseBytes: 7 });
    expect(odd.body).toBe('é'.repeat(3));
    expect(odd).toMatchObject({ ok: false, status: 400, error: null, retryable: true });
  });

  it('refuses a name rebound to 127.0.0.1 after the check at creation, sending nothing', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    const answers = ['93.184.215.14', '127.0.0.1'];
    const lookup = vi.fn<LookupFn>(async () => [{ address: answers.shift()!, family: 4 }]);
    const url = `http://rebind.example:${r.port}/hook`;
    expect((await checkTargetUrl(url, publicOnly, lookup)).href).toBe(url);
    const result = await postWebhook({ url, headers: {}, body: event }, { policy: publicOnly, lookup });
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'refused_address',
      retryable: false,
    });
    expect(lookup.mock.calls).toEqual([['rebind.example'], ['rebind.example']]);
    expect(r.connections()).toBe(0);
    expect(r.requests).toEqual([]);
  });

  it('refuses a name with one refused address among public ones', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    const lookup = vi.fn<LookupFn>(async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
    const result = await postWebhook(
      { url: `http://mixed.example:${r.port}/`, headers: {}, body: event },
      { policy: publicOnly, lookup },
    );
    expect(result).toMatchObject({ status: null, error: 'refused_address', retryable: false });
    expect(r.connections()).toBe(0);
  });

  it.each([['http://127.0.0.1:PORT/'], ['http://[::ffff:127.0.0.1]:PORT/'], ['http://2130706433:PORT/']])(
    'refuses the literal %s without connecting',
    async (template) => {
      const r = await receiver((_req, res) => res.writeHead(200).end());
      const lookup = resolvingTo('93.184.215.14');
      const url = template.replace('PORT', String(r.port));
      const result = await postWebhook({ url, headers: {}, body: event }, { policy: publicOnly, lookup });
      expect(result).toEqual({
        ok: false,
        status: null,
        latencyMs: expect.any(Number),
        body: '',
        error: 'refused_address',
        retryable: false,
      });
      expect(lookup).not.toHaveBeenCalled();
      expect(r.connections()).toBe(0);
    },
  );

  it('delivers to a private address through a host name the operator allows, with that name as Host', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    const policy = parseTargetPolicy({ allowPrivateTargets: 'receiver.internal', allowHttp: true });
    const lookup = resolvingTo('127.0.0.1');
    const result = await postWebhook(
      { url: `http://Receiver.Internal:${r.port}/in`, headers: {}, body: event },
      { policy, lookup },
    );
    expect(result).toEqual({
      ok: true,
      status: 204,
      latencyMs: expect.any(Number),
      body: '',
      error: null,
      retryable: false,
    });
    expect(lookup.mock.calls).toEqual([['receiver.internal']]);
    expect(r.requests.map((q) => q.headers.host)).toEqual([`receiver.internal:${r.port}`]);
  });

  it.each([
    ['a name that does not resolve', vi.fn<LookupFn>(async () => Promise.reject(new Error('getaddrinfo ENOTFOUND')))],
    ['a name with no address', vi.fn<LookupFn>(async () => [])],
  ])('reports %s as a retryable dns failure', async (_what, lookup) => {
    const result = await postWebhook(
      { url: 'https://gone.example/hook', headers: {}, body: event },
      { policy: publicOnly, lookup },
    );
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'dns',
      retryable: true,
    });
    expect(lookup.mock.calls).toEqual([['gone.example']]);
  });

  it.each([
    ['not a url', publicOnly],
    ['ftp://example.com/hook', publicOnly],
    ['https://user:secret@example.com/hook', publicOnly],
    ['http://example.com/hook', parseTargetPolicy({})],
  ])('refuses %j as an invalid URL, not retryable', async (url, policy) => {
    const lookup = resolvingTo('93.184.215.14');
    const result = await postWebhook({ url, headers: {}, body: event }, { policy, lookup });
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'invalid_url',
      retryable: false,
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('connects over TLS to the vetted address with the host name as SNI, and reports an untrusted certificate as tls', async () => {
    const servernames: string[] = [];
    const requests: string[] = [];
    const credentials = selfSignedCert('receiver.internal');
    const context = tls.createSecureContext(credentials);
    const SNICallback = (servername: string, callback: (error: Error | null, context: tls.SecureContext) => void) => {
      servernames.push(servername);
      callback(null, context);
    };
    const server = https.createServer({ ...credentials, SNICallback }, (req, res) => {
      requests.push(req.url!);
      res.end();
    });
    const { port } = await listening(server);
    const policy = parseTargetPolicy({ allowPrivateTargets: 'receiver.internal' });
    const result = await postWebhook(
      { url: `https://receiver.internal:${port}/hook`, headers: {}, body: event },
      { policy, lookup: resolvingTo('127.0.0.1') },
    );
    expect(result).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'tls',
      retryable: true,
    });
    expect(servernames).toEqual(['receiver.internal']);
    expect(requests).toEqual([]);
  });

  it('stops when the caller aborts, and does not start when already aborted', async () => {
    const r = await receiver((_req, res) => {
      const timer = setTimeout(() => res.writeHead(200).end(), 3000);
      res.on('close', () => clearTimeout(timer));
    });
    const url = `http://127.0.0.1:${r.port}/`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await postWebhook({ url, headers: {}, body: event }, { policy: local, signal: controller.signal });
    expect(aborted).toEqual({
      ok: false,
      status: null,
      latencyMs: expect.any(Number),
      body: '',
      error: 'aborted',
      retryable: true,
    });
    expect(aborted.latencyMs).toBeLessThan(1000);
    const before = r.connections();
    const never = await postWebhook({ url, headers: {}, body: event }, { policy: local, signal: AbortSignal.abort() });
    expect(never.error).toBe('aborted');
    expect(r.connections()).toBe(before);
  });
});

describe('postWebhook connections', () => {
  it('keeps a connection that answered in full for the next post, and drops one cut at the body cap', async () => {
    let big = false;
    const r = await receiver((_req, res) => {
      res.statusCode = 200;
      res.end(big ? 'x'.repeat(64 * 1024) : 'ok');
    });
    const post = () =>
      postWebhook({ url: `http://127.0.0.1:${r.port}/hook`, headers: {}, body: event }, { policy: local });
    expect((await post()).ok).toBe(true);
    expect((await post()).ok).toBe(true);
    expect(r.connections()).toBe(1);
    big = true;
    const cut = await post();
    expect(cut).toMatchObject({ ok: true, status: 200 });
    expect(cut.body).toHaveLength(1024);
    big = false;
    expect((await post()).ok).toBe(true);
    expect(r.connections()).toBe(2);
    expect(r.requests).toHaveLength(4);
  });
});
