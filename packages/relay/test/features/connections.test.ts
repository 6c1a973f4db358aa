import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@messagejs/relay';
import { call, startRelay, type TestRelay } from '../helpers/start-relay.js';

// Test-sized limits: the defaults are 10 s, 15 s, 30 s, 5 s and 4096.
const limits = {
  MESSAGEJS_IDLE_TIMEOUT_MS: '300',
  MESSAGEJS_HEADERS_TIMEOUT_MS: '800',
  MESSAGEJS_REQUEST_TIMEOUT_MS: '1200',
  MESSAGEJS_KEEP_ALIVE_TIMEOUT_MS: '300',
  MESSAGEJS_MAX_CONNECTIONS: '8',
};

let t: TestRelay;
let port: number;
beforeAll(async () => {
  t = await startRelay({ env: limits });
  port = Number(new URL(t.url).port);
});
afterAll(() => t.cleanup());

interface Opened {
  socket: net.Socket;
  /** Everything received so far. */
  received: () => string;
  /** Resolves with the ms from opening to the close. */
  closed: Promise<number>;
}

function open(): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - started)));
    socket.once('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connections', () => {
  it('closes a connection that sends nothing once the idle timeout passes', async () => {
    const c = await open();
    const ms = await c.closed;
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(900);
  });

  it('cuts a request whose headers trickle in past the headers timeout', async () => {
    const c = await open();
    c.socket.write('GET /healthz HTTP/1.1\r\n');
    // One header line every 150 ms keeps the idle timer from firing; the headers timeout still holds.
    const timer = setInterval(() => c.socket.writable && c.socket.write(`x-slow-${Date.now()}: 1\r\n`), 150);
    const ms = await c.closed;
    clearInterval(timer);
    expect(ms).toBeGreaterThanOrEqual(700);
    expect(ms).toBeLessThan(2500);
    expect(c.received()).not.toContain('200 OK');
  });

  it('closes a kept-alive connection that idles after its answer', async () => {
    const c = await open();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n');
    await sleep(100);
    expect(c.received()).toContain('HTTP/1.1 200 OK');
    expect(c.received()).toMatch(/keep-alive/i);
    const ms = await c.closed;
    // Node 20 adds a 1 s buffer to keepAliveTimeout (so a client's own 1 s-late reuse is safe).
    expect(ms).toBeLessThan(2000);
  });

  it('serves a second request on a kept-alive connection after a short pause', async () => {
    const c = await open();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n');
    await sleep(150);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n');
    await sleep(150);
    expect(c.received().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    c.socket.destroy();
  });

  it('lets a body arrive more slowly than the idle timeout once its headers are in', async () => {
    const c = await open();
    const body = JSON.stringify({ numbers: ['+212612345678'] });
    c.socket.write(
      `POST /v1/recipients/analyze HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer ${t.demo.secretKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    // 600 ms of body, longer than the 300 ms idle timeout and shorter than the 1200 ms request timeout.
    for (const part of [body.slice(0, 10), body.slice(10, 20)]) {
      c.socket.write(part);
      await sleep(300);
    }
    c.socket.write(body.slice(20));
    await sleep(150);
    expect(c.received()).toContain('HTTP/1.1 200 OK');
    c.socket.destroy();
  });

  it('refuses connections beyond the cap and serves again once they close', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => open()));
    await sleep(50);
    const extra = await open();
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n');
    await extra.closed;
    expect(extra.received()).toBe('');
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    await sleep(50);
    expect((await call(t, 'GET', '/healthz')).status).toBe(200);
  });

  it('answers ordinary requests as before', async () => {
    const res = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } },
    });
    expect(res.status).toBe(202);
  });
});

describe('connection settings', () => {
  it('defaults to a 10 s first-request idle timeout and explicit server limits', () => {
    expect(loadConfig({}).http).toEqual({
      idleTimeoutMs: 10_000,
      headersTimeoutMs: 15_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 4096,
    });
  });

  it('lists every bad connection setting at once', () => {
    let error: unknown;
    try {
      loadConfig({
        MESSAGEJS_IDLE_TIMEOUT_MS: 'soon',
        MESSAGEJS_MAX_CONNECTIONS: '0',
        MESSAGEJS_KEEP_ALIVE_TIMEOUT_MS: '-1',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('MESSAGEJS_IDLE_TIMEOUT_MS');
    expect(problems).toContain('MESSAGEJS_MAX_CONNECTIONS');
    expect(problems).toContain('MESSAGEJS_KEEP_ALIVE_TIMEOUT_MS');
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => loadConfig({ MESSAGEJS_HEADERS_TIMEOUT_MS: '40000', MESSAGEJS_REQUEST_TIMEOUT_MS: '30000' })).toThrow(
      /MESSAGEJS_HEADERS_TIMEOUT_MS/,
    );
  });
});
