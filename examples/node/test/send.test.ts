import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../../../packages/relay/test/helpers/start-relay.js';

const script = fileURLToPath(new URL('../send.mjs', import.meta.url));

/** Runs `node send.mjs …args` asynchronously (the relay runs in this process: a sync spawn would block it). */
function run(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { MESSAGEJS_SECRET_KEY: _k, MESSAGEJS_RELAY_URL: _u, ...base } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { ...base, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t?.cleanup());

describe('examples/node/send.mjs', () => {
  it('sends free text with the secret key and prints the status until delivered', async () => {
    const result = await run({ MESSAGEJS_SECRET_KEY: t.demo.secretKey, MESSAGEJS_RELAY_URL: t.url }, ['+33612345678']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sent msg_\w+ to \+33612345678/);
    expect(result.stdout).toContain('status: queued');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('final status: delivered');
    const id = /sent (msg_\w+)/.exec(result.stdout)![1]!;
    expect((await t.relay.store.messages.get(id))?.status).toBe('delivered');
    expect(t.console.join('')).toContain('Hello from the MessageJS Node example.');
  });

  it('exits non-zero with the error code when the relay refuses the key', async () => {
    const before = await t.relay.store.messages.count();
    const result = await run({
      MESSAGEJS_SECRET_KEY: 'sk_not_a_real_key_0000000000000000',
      MESSAGEJS_RELAY_URL: t.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: unauthorized/);
    expect(await t.relay.store.messages.count()).toBe(before);
  });

  it('exits non-zero with a hint when MESSAGEJS_SECRET_KEY is missing', async () => {
    const result = await run({ MESSAGEJS_RELAY_URL: t.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MESSAGEJS_SECRET_KEY');
  });
});
