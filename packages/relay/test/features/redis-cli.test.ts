import { afterEach, describe, expect, it } from 'vitest';
import { createKey } from '@messagejs/relay';
import { startRelay, type TestRelay } from '../helpers/start-relay.js';
import { runCli } from '../helpers/cli.js';
import { closedPortUrl, redisAvailable, testClient, testRedisUrl } from '../helpers/redis.js';

const redis = await redisAvailable();

let t: TestRelay | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

describe.runIf(redis)('the CLI with MESSAGEJS_REDIS_URL', () => {
  it('announces its writes on the invalidation channel, so running relays forget their caches', async () => {
    t = await startRelay();
    const { key } = await createKey(t.relay.store, { projectId: t.demo.projectId, kind: 'secret' }, Date.now());
    await t.close();
    // The CLI has no key-prefix option: it announces on the default channel, as relays started
    // by `messagejs-relay start` listen to it.
    const listener = testClient();
    const heard: string[] = [];
    listener.on('message', (channel: string, message: string) => heard.push(`${channel} ${message}`));
    await listener.subscribe('messagejs:invalidate');
    try {
      const revoked = await runCli(
        ['keys', 'revoke', key.id, '--project', t.demo.projectId, '--data-dir', t.dataDir, '--json'],
        { env: { MESSAGEJS_REDIS_URL: testRedisUrl } },
      );
      expect(revoked.stderr).toBe('');
      expect(revoked.code).toBe(0);
      expect(JSON.parse(revoked.stdout)).toContain(`Revoked ${key.id}`);
      await waitFor(() => heard.length > 0);
      expect(heard[0]).toMatch(/^messagejs:invalidate [0-9a-f]{16}$/);
    } finally {
      listener.disconnect();
    }
  });
});

describe('the CLI with a MESSAGEJS_REDIS_URL that does not answer', () => {
  it('still does its work, and says on stderr that Redis does not answer', async () => {
    t = await startRelay();
    const { key } = await createKey(t.relay.store, { projectId: t.demo.projectId, kind: 'secret' }, Date.now());
    await t.close();
    const revoked = await runCli(
      ['keys', 'revoke', key.id, '--project', t.demo.projectId, '--data-dir', t.dataDir, '--json'],
      { env: { MESSAGEJS_REDIS_URL: await closedPortUrl() } },
    );
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toContain(`Revoked ${key.id}`);
    expect(revoked.stderr).toContain('Redis does not answer');
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('nothing was heard in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
