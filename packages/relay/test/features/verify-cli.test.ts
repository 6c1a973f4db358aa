import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dropStorage, storageFor, tempDir } from '../helpers/start-relay.js';
import { expectProjectStored, snapshot } from '../helpers/store-snapshot.js';

// Each test runs the CLI several times, each run loading a whole relay's modules: seconds apiece
// on a busy 2-core machine, more than the suite's 20 s default in all.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const root = tempDir();
const dir = path.join(root, 'data');
// The CLI's storage: the SQLite file in `dir`, or a PostgreSQL database of its own.
const storage = await storageFor(dir);
afterAll(async () => {
  fs.rmSync(root, { recursive: true, force: true });
  await dropStorage(dir);
});
const cli = (...args: string[]) => runCli([...args, '--data-dir', dir, '--json'], { env: storage.env });
const { projectId } = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'], { env: storage.env })).stdout);
beforeAll(() => expectProjectStored(storage.location, projectId));

describe('messagejs-relay verify', () => {
  it('shows the defaults', async () => {
    const res = await cli('verify', 'show', '--project', projectId);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      codeLength: 6,
      alphabet: 'numeric',
      ttlMinutes: 10,
      maxAttempts: 5,
      cooldownSeconds: 30,
      maxSendsPer10Minutes: 5,
      maxSendsPerRecipientPer10Minutes: 15,
      maxSendsPerKeyPerHour: 200,
      maxSendsPerCountryPerDay: 1000,
      maxSendsPerPrefixPerDay: 200,
      guardMinSuccessPercent: 20,
      guardMinSends: 20,
      tokenTtlMinutes: 10,
      brand: 'Demo',
      body: '{{code}} is your {{brand}} verification code. It expires in {{ttl}} minutes.',
      subject: '{{brand}} verification code',
      captcha: 'none',
      captchaOnSends: false,
      powMaxNumber: 100_000,
    });
  });

  it("turns on the relay's own proof-of-work CAPTCHA for codes and sends, without a secret", async () => {
    const res = await cli(
      'verify',
      'set',
      '--project',
      projectId,
      '--captcha',
      'pow',
      '--captcha-on-sends',
      '--pow-max-number',
      '200000',
    );
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      captcha: { provider: 'pow' },
      captchaOnSends: true,
      powMaxNumber: 200_000,
    });
    expect(
      JSON.parse((await cli('verify', 'set', '--project', projectId, '--no-captcha-on-sends')).stdout),
    ).toMatchObject({
      captcha: { provider: 'pow' },
      captchaOnSends: false,
    });
    const withSecret = await cli('verify', 'set', '--project', projectId, '--captcha', 'pow', '--captcha-secret', 'x');
    expect(withSecret.code).toBe(1);
    expect(withSecret.stderr).toContain('captchaSecret');
    expect(
      JSON.parse(
        (await cli('verify', 'set', '--project', projectId, '--captcha', 'none', '--pow-max-number', '100000')).stdout,
      ).captcha,
    ).toBe('none');
  });

  it('sets the rules and a CAPTCHA, sealing its secret', async () => {
    const res = await cli(
      'verify',
      'set',
      '--project',
      projectId,
      '--code-length',
      '8',
      '--alphabet',
      'alphanumeric',
      '--ttl-minutes',
      '5',
      '--max-attempts',
      '3',
      '--cooldown-seconds',
      '60',
      '--brand',
      'Acme',
      '--captcha',
      'turnstile',
      '--captcha-secret',
      'cf-secret-123',
    );
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain('cf-secret-123');
    expect(JSON.parse(res.stdout)).toMatchObject({
      codeLength: 8,
      alphabet: 'alphanumeric',
      ttlMinutes: 5,
      maxAttempts: 3,
      cooldownSeconds: 60,
      brand: 'Acme',
      captcha: { provider: 'turnstile', secret: 'sealed' },
    });
    for (const file of fs.readdirSync(dir))
      expect(fs.readFileSync(path.join(dir, file)).includes('cf-secret-123')).toBe(false);
    expect(JSON.stringify(await snapshot(storage.location))).not.toContain('cf-secret-123');

    const fromStdin = await runCli(
      [
        'verify',
        'set',
        '--project',
        projectId,
        '--captcha',
        'hcaptcha',
        '--captcha-secret-stdin',
        '--data-dir',
        dir,
        '--json',
      ],
      { input: 'hc-secret\n', env: storage.env },
    );
    expect(JSON.parse(fromStdin.stdout).captcha).toEqual({ provider: 'hcaptcha', secret: 'sealed' });
    expect(JSON.parse((await cli('verify', 'set', '--project', projectId, '--captcha', 'none')).stdout).captcha).toBe(
      'none',
    );
  });

  it('sets the anti-pumping caps and the success-rate guard', async () => {
    const res = await cli(
      'verify',
      'set',
      '--project',
      projectId,
      '--max-sends',
      '3',
      '--max-sends-per-recipient',
      '10',
      '--max-sends-per-key-per-hour',
      '500',
      '--max-sends-per-country-per-day',
      '5000',
      '--max-sends-per-prefix-per-day',
      '800',
      '--guard-min-success-percent',
      '0',
      '--guard-min-sends',
      '50',
    );
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      maxSendsPer10Minutes: 3,
      maxSendsPerRecipientPer10Minutes: 10,
      maxSendsPerKeyPerHour: 500,
      maxSendsPerCountryPerDay: 5000,
      maxSendsPerPrefixPerDay: 800,
      guardMinSuccessPercent: 0,
      guardMinSends: 50,
    });
    const bad = await cli('verify', 'set', '--project', projectId, '--guard-min-success-percent', '101');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('guardMinSuccessPercent');
  });

  it('refuses bad values, naming the flag', async () => {
    const res = await cli('verify', 'set', '--project', projectId, '--code-length', '12');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('codeLength');
    const noSecret = await cli('verify', 'set', '--project', projectId, '--captcha', 'recaptcha');
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('--captcha-secret');
  });
});

describe('messagejs-relay keys rotate-signing', () => {
  it('adds a signing key and publishes it with the previous one', async () => {
    const first = JSON.parse((await cli('keys', 'rotate-signing', '--project', projectId)).stdout);
    expect(first.published).toHaveLength(2);
    expect(first.published[0]).toBe(first.kid);
    const second = JSON.parse((await cli('keys', 'rotate-signing', '--project', projectId)).stdout);
    expect(second.published).toEqual([second.kid, first.kid]);
  });

  it('fails for an unknown project', async () => {
    const res = await cli('keys', 'rotate-signing', '--project', 'prj_missing');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('project_not_found');
  });

  it('gives a new project its signing key at creation', async () => {
    const project = JSON.parse((await cli('projects', 'create', '--name', 'Shop', '--countries', 'MA')).stdout);
    const rotated = JSON.parse((await cli('keys', 'rotate-signing', '--project', project.id)).stdout);
    // One key from creation, one from the rotation.
    expect(rotated.published).toHaveLength(2);
  });
});
