import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { CHEAP_PASSWORDS, setUpOwner, type Tokens } from '../helpers/accounts.js';

// A connector's send rate (issue 16): the worker paces it instead of collecting the provider's
// 429s. On a real relay with its real clock: the demo's console connector at 5 messages a second.

let t: TestRelay;
let owner: Tokens;
let connectors: string;

beforeAll(async () => {
  t = await startRelay({ deps: { passwordHashing: CHEAP_PASSWORDS } });
  owner = await setUpOwner(t);
  connectors = `/v1/projects/${t.demo.projectId}/connectors`;
});
afterAll(async () => {
  await t?.cleanup();
});

describe('sendRate', () => {
  it('is set and read through the connectors API, and refused out of range', async () => {
    const list = await call(t, 'GET', connectors, { key: owner.accessToken });
    const consoleConnector = list.body.data.find((c: { type: string }) => c.type === 'console');
    expect(consoleConnector.sendRate).toBeNull();
    for (const sendRate of [0, -1, 20_000, 'fast']) {
      const res = await call(t, 'PATCH', `${connectors}/${consoleConnector.id}`, {
        key: owner.accessToken,
        body: { sendRate },
      });
      expect(res.status, String(sendRate)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'sendRate' });
    }
  });

  it('sends through a paced connector at most its rate, each message once', async () => {
    const list = await call(t, 'GET', connectors, { key: owner.accessToken });
    const id = list.body.data.find((c: { type: string }) => c.type === 'console').id as string;
    const set = await call(t, 'PATCH', `${connectors}/${id}`, { key: owner.accessToken, body: { sendRate: 5 } });
    expect(set.status).toBe(200);
    expect(set.body.sendRate).toBe(5);

    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await call(t, 'POST', '/v1/messages', {
        key: t.demo.secretKey,
        body: { to: `+2126123455${String(i).padStart(2, '0')}`, channel: 'sms', text: `paced ${i}` },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const sent: number[] = [];
    for (const messageId of ids) {
      const m = await waitForMessage(t, messageId, (x) => x.status === 'delivered', 15_000);
      expect(m.attempts).toHaveLength(1);
      sent.push(Date.parse(m.attempts[0].at));
    }
    sent.sort((a, b) => a - b);
    // 5 a second: slots 200 ms apart. An attempt's time is read after the provider answers, on an
    // event loop that may run late on a loaded machine, so one gap can come out short when the
    // send before it ran late; any five gaps together still span the slots' second (a burst would
    // put them within a few ms).
    const fiveGaps = sent.slice(5).map((at, i) => at - sent[i]!);
    expect(Math.min(...fiveGaps)).toBeGreaterThanOrEqual(1000 - 100);
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThanOrEqual(11 * 200 - 100);
    expect(t.console.filter((text) => text.includes('paced ')).length).toBe(12);

    await call(t, 'PATCH', `${connectors}/${id}`, { key: owner.accessToken, body: { sendRate: null } });
  });
});
