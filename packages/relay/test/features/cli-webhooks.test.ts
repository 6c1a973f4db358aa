import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRelay, type TestRelay } from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

// Each run loads a whole relay's modules (about a second, more on a loaded machine): one run per
// subcommand, one after the other, since each works on what the one before made.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

/** Webhooks to 127.0.0.1 over plain HTTP: what the relay and the CLI both allow here. */
const env = { MESSAGEJS_ALLOW_PRIVATE_TARGETS: '127.0.0.1', MESSAGEJS_ALLOW_HTTP_WEBHOOKS: 'on' };

let t: TestRelay;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  // A running relay: its worker delivers what the CLI queues.
  t = await startRelay({ env, deps: { worker: { pollMs: 20, webhooks: { pollMs: 20 } } } });
});
afterAll(async () => {
  await t?.cleanup();
  await receiver?.close();
});

/** `messagejs-relay webhooks …args` on the relay's data directory (by project name: the demo's is `Demo`). */
const cli = (...args: string[]) => runCli(['webhooks', ...args, '--data-dir', t.dataDir], { env });
async function ok(...args: string[]): Promise<string> {
  const res = await cli(...args);
  expect(res.stderr, args.join(' ')).toBe('');
  expect(res.code).toBe(0);
  return res.stdout;
}
const json = async (...args: string[]): Promise<any> => JSON.parse(await ok(...args, '--json'));
/** The readable `field  value` lines as an object. */
const fieldsOf = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^(\S+)\s{2,}(.*)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2]]),
  );

describe('messagejs-relay webhooks', () => {
  let endpointId: string;
  let secret: string;
  let eventId: string;

  it('creates an endpoint, printing its secret once with a note; the relay stores it sealed', async () => {
    const out = await ok(
      'create',
      '--project',
      'Demo',
      '--url',
      `${receiver.url}/cli`,
      '--events',
      'message.failed,message.delivered',
      '--description',
      'from the shell',
    );
    const printed = fieldsOf(out);
    endpointId = printed['endpoint.id'];
    secret = printed.secret;
    expect(endpointId).toMatch(/^whe_/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(printed.note).toMatch(/^Shown once: store it now\./);
    expect(printed['endpoint.events']).toBe('message.failed, message.delivered');
    const [stored] = await t.relay.store.webhooks.listEndpoints(t.demo.projectId);
    expect(stored).toMatchObject({ id: endpointId, url: `${receiver.url}/cli`, description: 'from the shell' });
    expect(t.relay.sealer.open(stored!.secretSealed)).toBe(secret);
    expect(JSON.stringify(await rows(t.location, 'webhook_endpoints'))).not.toContain(secret.slice(6, 30));
    const audit = await rows<{ action: string; actor: string; resource_id: string }>(t.location, 'audit');
    expect(audit.find((a) => a.action === 'webhook.create')).toMatchObject({ actor: 'cli', resource_id: endpointId });
  });

  it('lists the project’s endpoints, by id or name, without secrets', async () => {
    const list = await json('list', '--project', t.demo.projectId);
    expect(list).toEqual([expect.objectContaining({ id: endpointId, active: true, disabledReason: null })]);
    expect(JSON.stringify(list)).not.toContain(secret.slice(6, 30));
  });

  it('sends a test event that the running relay delivers, signed with the secret', async () => {
    eventId = (await json('test', endpointId, '--project', 'Demo')).eventId;
    expect(eventId).toMatch(/^evt_/);
    await receiver.until((r) => r.some((x) => x.path === '/cli'));
    const got = receiver.received.find((x) => x.path === '/cli')!;
    expect(receiver.verified(got, secret)).toMatchObject({ id: eventId, type: 'webhook.test' });
    await expect
      .poll(async () => (await t.relay.store.webhooks.endpointStats(t.demo.projectId, endpointId, 0)).deliveries)
      .toMatchObject({ delivered: 1 });
  });

  it('shows the delivery log, one delivery with its attempts, and the stats', async () => {
    const table = (await ok('deliveries', endpointId, '--project', 'Demo', '--status', 'delivered'))
      .trimEnd()
      .split('\n');
    expect(table[0]).toMatch(/^id\s+eventId\s+eventType\s+status\s+attempts\s+lastStatusCode\s+nextAttemptAt$/);
    expect(table).toHaveLength(3);
    const [deliveryId, rowEvent, type, status, tries, code] = table[2]!.split(/\s+/);
    expect([rowEvent, type, status, tries, code]).toEqual([eventId, 'webhook.test', 'delivered', '1', '204']);
    const detail = await ok('delivery', endpointId, deliveryId!, '--project', 'Demo');
    expect(fieldsOf(detail)).toMatchObject({ id: deliveryId, eventId, status: 'delivered' });
    const log = detail.split('\nAttempts\n')[1]!.split('\n');
    expect(log[0]).toMatch(/^at\s+statusCode\s+latencyMs\s+response\s+error$/);
    expect(log[2]).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z\s+204\s+\d+/);
    const stats = await json('stats', endpointId, '--project', 'Demo', '--since', '1h');
    expect(stats).toMatchObject({ attempts: 1, successRate: 1, deliveries: { delivered: 1, pending: 0, failed: 0 } });
    expect(stats.byType).toEqual([{ type: 'webhook.test', pending: 0, delivered: 1, failed: 0 }]);
  });

  it('replays an event, which the relay sends again', async () => {
    expect(await json('replay', endpointId, '--project', 'Demo', '--event', eventId)).toMatchObject({ replayed: 1 });
    await receiver.until((r) => r.filter((x) => x.path === '/cli').length >= 2);
    expect(receiver.events('/cli').map((e) => e.id)).toEqual([eventId, eventId]);
  });

  it('turns it off and changes its events, rotates the secret, and deletes it', async () => {
    const updated = await json('update', endpointId, '--project', 'Demo', '--disable', '--events', 'message.failed');
    expect(updated).toMatchObject({ active: false, disabledReason: 'manual', events: ['message.failed'] });
    const rotated = fieldsOf(await ok('rotate-secret', endpointId, '--project', 'Demo'));
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    expect(rotated['endpoint.previousSecretExpiresAt']).toMatch(/^\d{4}-/);
    expect(await ok('delete', endpointId, '--project', 'Demo')).toBe(`Deleted ${endpointId} (${receiver.url}/cli).\n`);
    expect(await t.relay.store.webhooks.listEndpoints(t.demo.projectId)).toEqual([]);
  });

  it('says what is wrong, with the error code and the field, on stderr', async () => {
    const missing = await cli('test', 'whe_nope', '--project', 'Demo');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      'Error (webhook_not_found, endpointId): No webhook endpoint whe_nope in this project.\n',
    );
    const refused = await cli('create', '--project', 'Demo', '--url', 'http://10.1.2.3/hook');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error \(\w+, url\): /);
  });
});
