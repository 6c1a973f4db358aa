import { afterEach, describe, expect, it } from 'vitest';
import { addConnector, createKey, createProject } from '@messagejs/relay';
import { SENSITIVE_PLACEHOLDER } from '../../src/providers/console.js';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { waitForCode } from '../helpers/verify.js';

let t: TestRelay;
afterEach(() => t.cleanup());

/** Waits until the console connector has printed `count` messages. */
async function waitForPrinted(count: number): Promise<string> {
  const deadline = Date.now() + 5000;
  while (t.console.join('').split('┌─').length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} printed messages:\n${t.console.join('')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return t.console.join('');
}

describe('the console connector', () => {
  it('prints verification codes for the demo project, a development project', async () => {
    t = await startRelay();
    const res = await call(t, 'POST', '/v1/verify/send', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { to: '+212612345678', channel: 'sms' },
    });
    expect(res.status).toBe(202);
    expect(await waitForCode(t, 1)).toMatch(/^\d{6}$/);
    expect(t.logs().some((l) => String(l.msg).includes('console connector serves phone channels'))).toBe(false);
  });

  it('prints a placeholder instead of the code for a project that is not a development project, and warns at start', async () => {
    t = await startRelay();
    const now = Date.now();
    const project = await createProject(t.relay.store, { name: 'Shop', allowedCountries: ['MA'] }, now);
    await addConnector(t.relay.store, t.relay.sealer, { projectId: project.id, type: 'console' }, now);
    const { secret } = await createKey(t.relay.store, { projectId: project.id, kind: 'secret' }, now);
    await t.close();
    t = await startRelay({ location: t.location, demo: t.demo });

    const warnings = t.logs().filter((l) => String(l.msg).includes('console connector serves phone channels'));
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, projectId: project.id, project: 'Shop', channels: ['sms', 'whatsapp'] }),
    ]);

    const res = await call(t, 'POST', '/v1/verify/send', {
      key: secret,
      body: { to: '+212612345678', channel: 'sms' },
    });
    expect(res.status).toBe(202);
    const printed = await waitForPrinted(1);
    const body = printed.split('\n').filter((line) => line.startsWith('│ '));
    expect(body).toEqual([`│ ${SENSITIVE_PLACEHOLDER}`]);
    expect(printed).not.toContain('verification code');
    expect(t.logText()).not.toMatch(/verification code\.|is your/);

    // An ordinary message of the same project is printed in full.
    const plain = await call(t, 'POST', '/v1/messages', {
      key: secret,
      body: { to: '+212612345678', text: 'Your parcel ships today', channel: 'sms' },
    });
    expect(plain.status).toBe(202);
    expect(await waitForPrinted(2)).toContain('│ Your parcel ships today');
  });
});
