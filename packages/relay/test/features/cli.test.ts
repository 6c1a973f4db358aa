import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, spawnRelay } from '../helpers/cli.js';
import { startFakeProvider } from '../helpers/fake-provider.js';
import { tempDir, fetchChecked } from '../helpers/start-relay.js';

// Each test runs the CLI several times, each run loading a whole relay's modules: seconds apiece
// on a busy 2-core machine, more than the suite's 20 s default in all.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const dirs: string[] = [];
const fresh = () => {
  const dir = path.join(tempDir(), 'data');
  dirs.push(path.dirname(dir));
  return dir;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('messagejs-relay init', () => {
  it('creates the data directory, the master key (0600) and the demo project, and prints them as JSON', async () => {
    const dir = fresh();
    const res = await runCli(['init', '--data-dir', dir, '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toEqual({
      projectId: expect.stringMatching(/^prj_/),
      publicKey: expect.stringMatching(/^pk_[0-9A-Za-z]{43}$/),
      secretKey: expect.stringMatching(/^sk_[0-9A-Za-z]{43}$/),
      templates: ['contact', 'order_update'],
      allowedOrigins: ['http://localhost:8787', 'http://127.0.0.1:8787'],
      // The relay has no user yet: the link that creates its first owner.
      setupUrl: expect.stringMatching(/^http:\/\/localhost:8787\/setup\?token=st_[0-9A-Za-z]{43}$/),
    });
    expect(fs.statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    // Keys are stored only as hashes.
    const db = fs.readFileSync(path.join(dir, 'messagejs.db'));
    expect(db.includes(out.secretKey)).toBe(false);
  });

  it('allows the demo page from the port of the relay when PORT is not the default', async () => {
    const res = await runCli(['init', '--data-dir', fresh(), '--json'], { env: { PORT: '8899' } });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.allowedOrigins).toEqual(['http://localhost:8899', 'http://127.0.0.1:8899']);
    expect(out.setupUrl).toMatch(/^http:\/\/localhost:8899\/setup\?token=/);
  });

  it('refuses to print old keys on an existing directory and says how to make new ones', async () => {
    const dir = fresh();
    const first = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'])).stdout);
    const again = await runCli(['init', '--data-dir', dir, '--json']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('already initialised');
    expect(again.stderr).toContain(`keys create --project ${first.projectId} --kind public`);
  });

  it('fails at start with every configuration problem listed', async () => {
    const res = await runCli(['init', '--data-dir', fresh()], {
      env: { PORT: 'eighty', LOG_LEVEL: 'loud', MESSAGEJS_MASTER_KEY: 'short' },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('PORT');
    expect(res.stderr).toContain('LOG_LEVEL');
    expect(res.stderr).toContain('MESSAGEJS_MASTER_KEY');
  });
});

describe('messagejs-relay admin commands', () => {
  const dir = fresh();
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir, '--json']);
  let projectId: string;
  beforeAll(async () => {
    projectId = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'])).stdout).projectId;
  });

  it('creates, lists (prefixes only) and revokes keys', async () => {
    const created = JSON.parse(
      (await cli('keys', 'create', '--project', projectId, '--kind', 'public', '--expires', '30d')).stdout,
    );
    expect(created.key).toMatch(/^pk_/);
    const { id } = created.apiKey;
    expect(Date.parse(created.apiKey.expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const listed = JSON.parse((await cli('keys', 'list', '--project', projectId)).stdout);
    expect(listed).toHaveLength(3);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed.find((k: { id: string }) => k.id === id).prefix).toBe(`${created.key.slice(0, 11)}…`);
    expect((await cli('keys', 'revoke', id)).code).toBe(0);
    expect(
      JSON.parse((await cli('keys', 'list', '--project', projectId)).stdout).find((k: { id: string }) => k.id === id)
        .status,
    ).toBe('revoked');
    expect((await cli('keys', 'revoke', id)).code).toBe(1);
  });

  it('manages origins, countries and limits', async () => {
    expect(JSON.parse((await cli('origins', 'add', 'https://shop.example', '--project', projectId)).stdout)).toContain(
      'https://shop.example',
    );
    expect((await cli('origins', 'add', 'https://shop.example/path', '--project', projectId)).stderr).toContain(
      'origin',
    );
    expect(
      JSON.parse((await cli('origins', 'remove', 'https://shop.example', '--project', projectId)).stdout),
    ).not.toContain('https://shop.example');
    expect(
      JSON.parse((await cli('countries', 'set', 'ma,fr', '--project', projectId, '--default', 'fr')).stdout),
    ).toEqual({
      allowedCountries: ['MA', 'FR'],
      defaultCountry: 'FR',
    });
    expect((await cli('countries', 'set', 'Morocco', '--project', projectId)).code).toBe(1);
    expect(
      JSON.parse((await cli('limits', 'set', '--project', projectId, '--per-ip-per-minute', '100')).stdout)
        .perIpPerMinute,
    ).toBe(100);
    expect((await cli('limits', 'set', '--project', projectId, '--per-ip-per-minute', '-1')).code).toBe(1);
  });

  it('sets the ceiling of fixed-recipient templates, all clients together', async () => {
    expect(
      JSON.parse((await cli('limits', 'set', '--project', projectId, '--per-template-per-10-minutes', '40')).stdout)
        .perTemplatePer10Minutes,
    ).toBe(40);
  });

  it('marks a project as a development project and back', async () => {
    expect(JSON.parse((await cli('projects', 'create', '--name', 'Lab', '--development')).stdout)).toMatchObject({
      name: 'Lab',
      development: true,
    });
    expect(JSON.parse((await cli('projects', 'create', '--name', 'Shop')).stdout)).toMatchObject({
      name: 'Shop',
      development: false,
      allowedNumberTypes: ['mobile', 'fixed_line_or_mobile'],
    });
    expect(JSON.parse((await cli('projects', 'development', 'on', '--project', projectId)).stdout)).toEqual({
      development: true,
    });
    expect(JSON.parse((await cli('projects', 'development', 'off', '--project', projectId)).stdout)).toEqual({
      development: false,
    });
    const bad = await cli('projects', 'development', 'maybe', '--project', projectId);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('validation_failed, development');
  });

  it('manages the number types phone channels send to, and names a bad type', async () => {
    expect(JSON.parse((await cli('number-types', 'set', 'mobile,fixed_line', '--project', projectId)).stdout)).toEqual({
      allowedNumberTypes: ['mobile', 'fixed_line'],
    });
    const bad = await cli('number-types', 'set', 'mobile,premium', '--project', projectId);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('validation_failed, allowedNumberTypes');
    expect(bad.stderr).toContain('`premium` is not a number type');
    expect(JSON.parse((await cli('number-types', 'show', '--project', projectId)).stdout)).toEqual({
      allowedNumberTypes: ['mobile', 'fixed_line'],
    });
  });

  it('adds templates from a YAML file and from flags, and refuses undeclared placeholders', async () => {
    const file = path.join(path.dirname(dir), 'welcome.yaml');
    fs.writeFileSync(
      file,
      'name: welcome\nchannel: sms\nrecipient: { mode: caller }\nbody: "Welcome, {{first}}!"\nparams:\n  first: { type: text, maxLength: 30 }\n',
    );
    expect(JSON.parse((await cli('templates', 'add', '--project', projectId, '--file', file)).stdout)).toEqual({
      name: 'welcome',
      channel: 'sms',
      params: ['first'],
    });
    const flags = await cli(
      'templates',
      'add',
      '--project',
      projectId,
      '--name',
      'ping',
      '--channel',
      'console',
      '--to',
      'ops',
      '--body',
      'Ping {{n}}',
      '--param',
      'n:number',
    );
    expect(flags.code).toBe(0);
    const bad = await cli(
      'templates',
      'add',
      '--project',
      projectId,
      '--name',
      'bad',
      '--channel',
      'sms',
      '--body',
      'Hi {{who}}',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('{{who}}');
    const names = JSON.parse((await cli('templates', 'list', '--project', projectId)).stdout).map(
      (t: { name: string }) => t.name,
    );
    expect(names).toEqual(['contact', 'order_update', 'ping', 'welcome']);
    expect(JSON.parse((await cli('templates', 'show', 'welcome', '--project', projectId)).stdout).body).toBe(
      'Welcome, {{first}}!',
    );
  });

  it('seals connector credentials read from stdin and never shows them', async () => {
    const secret = 'whsec-should-never-be-seen-again-1234';
    const res = await runCli(
      [
        'connectors',
        'add',
        '--project',
        projectId,
        '--type',
        'webhook',
        '--channels',
        'sms',
        '--config',
        '{"url":"https://hooks.example/in"}',
        '--credentials-stdin',
        '--data-dir',
        dir,
        '--json',
      ],
      {
        input: JSON.stringify({ secret }),
      },
    );
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain(secret);
    expect(JSON.parse(res.stdout).credentials).toBe('sealed');
    const list = await cli('connectors', 'list', '--project', projectId);
    expect(list.stdout).not.toContain(secret);
    expect(fs.readFileSync(path.join(dir, 'messagejs.db')).includes(secret)).toBe(false);
    const fromFlag = await cli(
      'connectors',
      'add',
      '--project',
      projectId,
      '--type',
      'webhook',
      '--config',
      '{"url":"https://hooks.example/b"}',
      '--credentials',
      JSON.stringify({ secret: `${secret}-flag` }),
    );
    expect(fromFlag.code).toBe(0);
    expect(fromFlag.stdout).not.toContain(secret);
    const fileDir = path.dirname(dir);
    fs.writeFileSync(path.join(fileDir, 'creds.yaml'), `secret: ${secret}-file\n`);
    const fromFile = await cli(
      'connectors',
      'add',
      '--project',
      projectId,
      '--type',
      'webhook',
      '--config',
      '{"url":"https://hooks.example/c"}',
      '--credentials-file',
      path.join(fileDir, 'creds.yaml'),
    );
    expect(fromFile.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'messagejs.db')).includes(`${secret}-f`)).toBe(false);
    const bad = await runCli(
      [
        'connectors',
        'add',
        '--project',
        projectId,
        '--type',
        'webhook',
        '--config',
        '{"url":"https://hooks.example/in"}',
        '--credentials-stdin',
        '--data-dir',
        dir,
      ],
      {
        input: JSON.stringify({ secret: 'short' }),
      },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('credentials.secret');
    expect(bad.stderr).not.toContain('short"');
  });
});

describe('messagejs-relay connectors test', () => {
  it("calls the provider's cheapest authenticated endpoint and reports clearly", async () => {
    const dir = fresh();
    const { projectId } = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'])).stdout);
    const fake = await startFakeProvider();
    try {
      const sid = `AC${'b'.repeat(32)}`;
      const env = { MESSAGEJS_CONNECTOR_BASE_URLS: JSON.stringify({ twilio: fake.url }) };
      const added = await runCli(
        [
          'connectors',
          'add',
          '--project',
          projectId,
          '--type',
          'twilio',
          '--channels',
          'sms',
          '--config',
          '{"from":"+15005550006"}',
          '--credentials-stdin',
          '--data-dir',
          dir,
          '--json',
        ],
        {
          input: JSON.stringify({ accountSid: sid, authToken: 'token-0123456789abcdef0123456789ab' }),
        },
      );
      const { id } = JSON.parse(added.stdout);
      fake.reply({ status: 200, body: { sid, friendly_name: 'Shop', status: 'active' } });
      const ok = runCli(['connectors', 'test', id, '--data-dir', dir, '--json'], { env });
      const okRes = await ok;
      expect(okRes.code).toBe(0);
      expect(JSON.parse(okRes.stdout)).toMatchObject({ ok: true, type: 'twilio' });
      expect(fake.last().url).toBe(`/2010-04-01/Accounts/${sid}.json`);
      expect(fake.last().headers.authorization).toMatch(/^Basic /);
      fake.reply({ status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
      const bad = await runCli(['connectors', 'test', id, '--data-dir', dir, '--json'], { env });
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout)).toMatchObject({
        ok: false,
        code: 'provider_auth_failed',
        providerCode: '20003',
        kind: 'permanent',
      });
      expect(bad.stdout + bad.stderr).not.toContain('token-0123456789abcdef');
    } finally {
      await fake.close();
    }
  });
});

describe('messagejs-relay start', () => {
  it('prints the demo keys on the first start only', async () => {
    const dir = fresh();
    const first = await spawnRelay(dir);
    first.proc.kill('SIGTERM');
    await new Promise((r) => first.proc.once('exit', r));
    expect(first.output()).toMatch(/Public key\s+pk_/);
    expect(first.output()).toContain('master.key');
    const link = /\/setup\?token=(st_[0-9A-Za-z]{43})/.exec(first.output())?.[1];
    expect(link).toBeDefined();
    const second = await spawnRelay(dir);
    const health = await fetchChecked(`${second.url}/readyz`);
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
    expect(health.status).toBe(200);
    expect(second.output()).not.toMatch(/pk_|sk_/);
    // The first start's setup link still works: kept, described, not replaced.
    expect(second.output()).toMatch(/setup link printed at \S+ still works, once, until \S+/);
    expect(second.output()).not.toMatch(/setup\?token=/);
    const third = await spawnRelay(dir, {}, ['--new-setup-link']);
    third.proc.kill('SIGTERM');
    await new Promise((r) => third.proc.once('exit', r));
    const replaced = /\/setup\?token=(st_[0-9A-Za-z]{43})/.exec(third.output())?.[1];
    expect(replaced).toMatch(/^st_/);
    expect(replaced).not.toBe(link);
  });
});
