import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnRelay } from '../helpers/cli.js';
import { dropStorage, fetchChecked, startRelay, storageFor, tempDir } from '../helpers/start-relay.js';
import { startReceiver } from '../helpers/webhook-receiver.js';
import { createEndpoint } from '../../src/features/webhooks/endpoints.js';
import { parseTargetPolicy } from '../../src/features/webhooks/target-policy.js';

const root = tempDir();
const dir = path.join(root, 'data');
// The relay processes' storage: the SQLite file in `dir`, or a PostgreSQL database of its own.
const storage = await storageFor(dir);
afterAll(async () => {
  fs.rmSync(root, { recursive: true, force: true });
  await dropStorage(dir);
});

const ALLOW = { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' };

describe('a relay killed with SIGKILL between status changes and their webhooks', () => {
  it('loses no event: the next start delivers every one', async () => {
    const init = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'], { env: storage.env })).stdout);
    const { projectId, secretKey } = init;
    // The receiver is slow at first: deliveries are in flight when the relay dies.
    const receiver = await startReceiver();
    receiver.answer(() => ({ status: 204, delayMs: 3000 }));

    // An endpoint for every event, made through the service the admin API calls.
    const setup = await startRelay({ location: storage.location, demo: init, env: ALLOW });
    const policy = parseTargetPolicy({ allowPrivateTargets: '127.0.0.1', allowHttp: true });
    const { store, sealer } = setup.relay;
    await createEndpoint({ store, sealer, policy, now: Date.now }, projectId, { url: `${receiver.url}/hook` });
    await setup.close();

    const first = await spawnRelay(dir, { ...storage.env, ...ALLOW });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetchChecked(`${first.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: `+336123457${String(i).padStart(2, '0')}`, text: `crash ${i}`, channel: 'sms' }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Every message delivered (the console connector), some webhooks in flight at the receiver.
    await receiver.until((r) => r.length >= 4);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    expect(receiver.received.length).toBeLessThan(40);

    // The next start (its clock a minute on: the dead relay's leases have run out) delivers them all.
    receiver.answer(() => ({ status: 204 }));
    const clock = { now: Date.now() + 61_000 };
    const second = await startRelay({
      location: storage.location,
      demo: init,
      env: ALLOW,
      deps: { now: () => clock.now },
    });
    try {
      await receiver.until((r) => {
        const seen = new Set(r.map((x) => x.body));
        return ids.every((id) => [...seen].filter((b) => b.includes(id)).length >= 2);
      }, 30_000);
      const events = receiver.events('/hook');
      for (const id of ids) {
        const types = new Set(events.filter((e) => e.data.messageId === id).map((e) => e.type));
        expect(types, id).toEqual(new Set(['message.queued', 'message.delivered']));
      }
      // At least once: an event arrives twice only if it was in flight when the relay died.
      const byId = new Map<string, number>();
      for (const e of events) byId.set(e.id, (byId.get(e.id) ?? 0) + 1);
      expect([...byId.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(16);
      await expect.poll(() => second.relay.store.webhooks.pending(), { timeout: 5000 }).toBe(0);
    } finally {
      await second.close();
      await receiver.close();
    }
  }, 90_000);
});
