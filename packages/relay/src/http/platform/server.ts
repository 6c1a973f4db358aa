import http from 'node:http';
import type { Socket } from 'node:net';
import type { HttpServerLimits } from '../../config.js';

/** Marks a socket that has not yet brought a request (its first-request idle timer runs). */
const awaitingFirstRequest = Symbol('awaitingFirstRequest');

/**
 * The HTTP server with explicit limits, so slow or silent clients cannot hold sockets.
 *
 * Node's server already answers 408 to a request whose headers (`headersTimeout`) or whole body
 * (`requestTimeout`) arrive too late — it counts a connection's headers time from its opening, so
 * a silent socket is covered too — but checks only every `connectionsCheckingInterval` (30 s by
 * default): the interval is derived here from the timeouts. What it lacks is a short limit for a
 * connection that sends nothing before its first request: the socket's idle timer does that,
 * from `connection` to the first `request` (it restarts on every byte received, so a trickle is
 * left to `headersTimeout`). Between requests, `keepAliveTimeout` applies.
 */
export function createHttpServer(handler: http.RequestListener, limits: HttpServerLimits): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.on('connection', (socket: Socket & { [awaitingFirstRequest]?: boolean }) => {
    socket[awaitingFirstRequest] = true;
    // With no 'timeout' listener on the server or the request, Node's own handler destroys the socket.
    socket.setTimeout(limits.idleTimeoutMs);
  });
  server.on('request', (req: http.IncomingMessage) => {
    const socket = req.socket as Socket & { [awaitingFirstRequest]?: boolean };
    if (socket[awaitingFirstRequest]) {
      socket[awaitingFirstRequest] = false;
      socket.setTimeout(0);
    }
  });
  return server;
}

/** The relay's URL on `host`: the wildcard addresses (`0.0.0.0`, `::`) read as `localhost`; IPv6 in brackets. */
export function baseUrlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
