import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '@messagejs/relay';
import { call } from '../helpers/start-relay.js';
import { setUpOwner, startAccountsRelay } from '../helpers/accounts.js';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let server: http.Server;
let receiverUrl: string;
const secrets: { current?: string } = {};
const got: Array<{ status: number; event?: { id: string; type: string } }> = [];

/** The README's Express receiver, as a developer writes it, with the secret the relay gave. */
function receiver() {
  const app = express();
  app.post('/webhooks/messagejs', express.raw({ type: 'application/json' }), (req, res) => {
    try {
      const event = verifyWebhook<{ id: string; type: string }>({
        secret: secrets.current!,
        headers: req.headers,
        body: req.body as Buffer,
      });
      got.push({ status: 204, event });
      res.sendStatus(204);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      got.push({ status: 400 });
      res.sendStatus(400);
    }
  });
  return app;
}

beforeAll(async () => {
  server = receiver().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/messagejs`;
  t = await startAccountsRelay({
    env: { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' },
    deps: { now: Date.now, worker: { pollMs: 20, webhooks: { pollMs: 20 } } },
  });
});
afterAll(async () => {
  await t?.cleanup();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('verifyWebhook (exported by @messagejs/relay)', () => {
  it('accepts what the relay signs, and refuses a forged or replayed request', async () => {
    const owner = await setUpOwner(t);
    const project = `/v1/projects/${t.demo.projectId}/webhooks`;
    const created = await call(t, 'POST', project, { key: owner.accessToken, body: { url: receiverUrl } });
    secrets.current = created.body.secret;
    const test = await call(t, 'POST', `${project}/${created.body.endpoint.id}/test`, { key: owner.accessToken });
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toEqual({
      status: 204,
      event: expect.objectContaining({ id: test.body.eventId, type: 'webhook.test' }),
    });
    const body = JSON.stringify({ id: 'evt_forged', type: 'message.delivered', data: {} });
    const now = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', 'webhook-id': 'evt_forged', 'webhook-signature': 'v1,AAAA' };
    const forged = await fetch(receiverUrl, {
      method: 'POST',
      body,
      headers: { ...headers, 'webhook-timestamp': String(now) },
    });
    expect(forged.status).toBe(400);
    expect(() =>
      verifyWebhook({
        secret: secrets.current!,
        headers: { ...headers, 'webhook-timestamp': String(now - 3600) },
        body,
      }),
    ).toThrow(/too old/);
  });
});
