import type { ServerResponse } from 'node:http';

/**
 * Answers with a JSON body. What `res.status().json()` does for these answers, without Express's
 * content-type negotiation and freshness checks that an API answer never needs (hot paths only).
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
