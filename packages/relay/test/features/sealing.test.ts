import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConnector } from '@messagejs/relay';
import { createSealer, masterKeyId } from '../../src/crypto/sealer.js';
import { call, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { scriptedServer } from '../helpers/scripted-server.js';

describe('createSealer', () => {
  const key = randomBytes(32);
  const sealer = createSealer(key);

  it('round-trips a value and names its key id', () => {
    const sealed = sealer.seal({ authToken: 'tok_123' });
    expect(sealed).toMatch(/^v1\.[0-9a-f]{12}\./);
    expect(sealer.keyIdOf(sealed)).toBe(masterKeyId(key));
    expect(sealed).not.toContain('tok_123');
    expect(sealer.open(sealed)).toEqual({ authToken: 'tok_123' });
  });

  it('uses a fresh IV each time', () => {
    expect(sealer.seal('same')).not.toBe(sealer.seal('same'));
  });

  it('refuses a tampered ciphertext, tag or key id', () => {
    const parts = sealer.seal({ a: 1 }).split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(() => sealer.open([parts[0], parts[1], parts[2], parts[3], flip(parts[4]!)].join('.'))).toThrow();
    expect(() => sealer.open([parts[0], parts[1], parts[2], flip(parts[3]!), parts[4]].join('.'))).toThrow();
    expect(() => sealer.open([parts[0], 'ffffffffffff', parts[2], parts[3], parts[4]].join('.'))).toThrow(
      /does not have/,
    );
  });

  it('opens values sealed under a previous key during a rotation', () => {
    const oldKey = randomBytes(32);
    const sealedOld = createSealer(oldKey).seal({ v: 'old' });
    expect(() => createSealer(randomBytes(32)).open(sealedOld)).toThrow(/does not have/);
    expect(createSealer(randomBytes(32), [oldKey]).open(sealedOld)).toEqual({ v: 'old' });
  });
});

describe('connector credentials at rest', () => {
  const secret = 'super-secret-webhook-signing-key-42';
  let t: TestRelay;
  let receiver: Awaited<ReturnType<typeof scriptedServer>>;
  beforeAll(async () => {
    t = await startRelay({ env: { LOG_LEVEL: 'debug' } });
    receiver = await scriptedServer([200]);
  });
  afterAll(async () => {
    await t.cleanup();
    await receiver.close();
  });

  it('are sealed in the database, opened only to send, and never logged', async () => {
    const record = await addConnector(
      t.relay.store,
      t.relay.sealer,
      {
        projectId: t.demo.projectId,
        type: 'webhook',
        channels: ['sms'],
        config: { url: receiver.url },
        credentials: { secret },
        priority: 1,
      },
      Date.now(),
    );
    expect(record.sealedCredentials).not.toContain(secret);
    const { body } = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+33612345678', text: 'sealed', channel: 'sms' },
    });
    await waitForMessage(t, body.id, (m) => m.status === 'sent');
    // The receiver got a signature made with the secret, so the relay did open it.
    expect(receiver.requests[0]!.headers['x-messagejs-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    const files = fs.readdirSync(t.dataDir).map((f) => fs.readFileSync(path.join(t.dataDir, f)));
    for (const file of files) expect(file.includes(secret)).toBe(false);
    expect(t.logText()).not.toContain(secret);
  });
});
