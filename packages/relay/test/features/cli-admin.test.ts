import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/start-relay.js';

// Each test runs the CLI several times, each run loading a whole relay's modules: seconds apiece
// on a busy 2-core machine, more than the suite's 20 s default in all.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const EXAMPLES = fileURLToPath(new URL('../../../../examples/templates/', import.meta.url));

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const dir = path.join(root, 'data');
const { projectId } = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'])).stdout);
const json = (...args: string[]) => runCli([...args, '--data-dir', dir, '--json']);
const text = (...args: string[]) => runCli([...args, '--data-dir', dir]);

describe('messagejs-relay data directory', () => {
  it('refuses, outside init and start, a data directory that does not exist: it says where and what to do, and creates nothing', async () => {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    for (const args of [['keys', 'list', '--project', projectId], ['projects', 'list'], ['worker']]) {
      const res = await runCli(args, { cwd: empty });
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toContain(`No data directory at ${path.join(fs.realpathSync(empty), '.messagejs')}`);
      expect(res.stderr).toContain('messagejs-relay init');
      expect(res.stdout).toBe('');
    }
    expect(fs.readdirSync(empty)).toEqual([]);
  });
});

describe('messagejs-relay answers', () => {
  it('errors on an unknown project instead of printing an empty list', async () => {
    for (const args of [
      ['keys', 'list', '--project', 'prj_nope'],
      ['templates', 'list', '--project', 'prj_nope'],
      ['connectors', 'list', '--project', 'prj_nope'],
      ['opt-outs', 'list', '--project', 'prj_nope'],
    ]) {
      const res = await json(...args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toContain('project_not_found');
      expect(res.stdout).toBe('');
    }
  });

  it('prints readable tables by default and JSON with --json, dates as ISO 8601, never epoch numbers', async () => {
    const table = await text('projects', 'list');
    expect(table.code).toBe(0);
    const [header, rule, row] = table.stdout.split('\n');
    expect(header).toMatch(/^id\s+name\s+accountId\s+development\s+allowedCountries\s+createdAt$/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(row).toContain(projectId);
    expect(row).toContain('MA, FR');
    expect(() => JSON.parse(table.stdout)).toThrow();

    const list = JSON.parse((await json('projects', 'list')).stdout);
    expect(list[0]).toMatchObject({ id: projectId, createdAt: expect.stringMatching(ISO) });
    const template = JSON.parse((await json('templates', 'show', 'order_update', '--project', projectId)).stdout);
    expect(template.createdAt).toMatch(ISO);
    expect(template.updatedAt).toMatch(ISO);
    const keys = JSON.parse((await json('keys', 'list', '--project', projectId)).stdout);
    expect(keys[0].createdAt).toMatch(ISO);
    expect(JSON.stringify([list, template, keys])).not.toMatch(/"\w*At":\s*\d/);

    const one = await text('projects', 'show', '--project', projectId);
    expect(one.stdout).toMatch(new RegExp(`^id\\s+${projectId}$`, 'm'));
    expect(one.stdout).toMatch(/^createdAt\s+\d{4}-\d{2}-\d{2}T/m);
  });

  it('normalises an origin with a trailing slash, and refuses one with a path', async () => {
    expect(
      JSON.parse((await json('origins', 'add', 'https://Shop.Example/', '--project', projectId)).stdout),
    ).toContain('https://shop.example');
    const bad = await json('origins', 'add', 'https://shop.example/cart', '--project', projectId);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('validation_failed, origin');
  });

  it('rotates a key and sets its own rate limit', async () => {
    const created = JSON.parse(
      (await json('keys', 'create', '--project', projectId, '--kind', 'secret', '--per-hour', '50')).stdout,
    );
    expect(created.apiKey.rateLimit).toEqual({ perHour: 50 });
    const rotated = JSON.parse((await json('keys', 'rotate', created.apiKey.id, '--grace', '0')).stdout);
    expect(rotated.key).toMatch(/^sk_/);
    expect(rotated.previous).toMatchObject({ id: created.apiKey.id, status: 'expired', replacedBy: rotated.apiKey.id });
    const updated = JSON.parse(
      (await json('keys', 'update', rotated.apiKey.id, '--project', projectId, '--no-rate-limit')).stdout,
    );
    expect(updated.rateLimit).toBeNull();
  });

  it('manages opt-outs with a reason', async () => {
    const added = JSON.parse(
      (
        await json(
          'opt-outs',
          'add',
          '0612345670',
          '--channel',
          'sms',
          '--reason',
          'STOP by phone',
          '--project',
          projectId,
        )
      ).stdout,
    );
    expect(added).toMatchObject({ address: '+212612345670', reason: 'STOP by phone', source: 'cli' });
    expect(JSON.parse((await json('opt-outs', 'check', '+212612345670', '--project', projectId)).stdout).optedOut).toBe(
      true,
    );
    expect(JSON.parse((await json('opt-outs', 'list', '--project', projectId)).stdout)).toHaveLength(1);
    expect((await json('opt-outs', 'remove', '+212612345670', '--project', projectId)).code).toBe(0);
    expect(JSON.parse((await json('opt-outs', 'check', '+212612345670', '--project', projectId)).stdout).optedOut).toBe(
      false,
    );
  });
});

describe('messagejs-relay connectors', () => {
  it('lists a type’s fields, secrets marked, under `connectors add --type X --help`', async () => {
    const res = await runCli(['connectors', 'add', '--type', 'twilio', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ {2}accountSid — /m);
    expect(res.stdout).toContain('authToken (secret)');
    expect(res.stdout).toMatch(/^ {2}from \(optional\)/m);
    const bare = await runCli(['connectors', 'add', '--help']);
    expect(bare.stdout).toContain('Pass --type <type> with --help');
    const types = JSON.parse((await json('connectors', 'types')).stdout);
    expect(types.find((t: { type: string }) => t.type === 'webhook').credentials).toEqual(['secret (secret)']);
  });

  it('updates, disables, replaces credentials of and removes a connector', async () => {
    const added = JSON.parse(
      (
        await runCli(
          [
            'connectors',
            'add',
            '--project',
            projectId,
            '--type',
            'webhook',
            '--channels',
            'chat',
            '--config',
            '{"url":"https://hooks.example/a"}',
            '--credentials-stdin',
            '--data-dir',
            dir,
            '--json',
          ],
          { input: JSON.stringify({ secret: 'cli-webhook-secret-0123456789' }) },
        )
      ).stdout,
    );
    const id = added.id as string;
    expect(
      JSON.parse((await json('connectors', 'update', id, '--project', projectId, '--priority', '3')).stdout).priority,
    ).toBe(3);
    expect(JSON.parse((await json('connectors', 'disable', id, '--project', projectId)).stdout).enabled).toBe(false);
    const replaced = await runCli(
      ['connectors', 'credentials', id, '--project', projectId, '--credentials-stdin', '--data-dir', dir, '--json'],
      {
        input: JSON.stringify({ secret: 'cli-webhook-secret-rotated-0123' }),
      },
    );
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).not.toContain('rotated-0123');
    expect((await json('connectors', 'remove', id, '--project', projectId)).code).toBe(0);
    expect((await json('connectors', 'show', id, '--project', projectId)).stderr).toContain('connector_not_found');
  });
});

describe('examples/templates', () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

  it('holds a contact form, an order update, an OTP and an appointment reminder', () => {
    expect(files.sort()).toEqual(['appointment-reminder.yaml', 'contact-form.yaml', 'order-update.yaml', 'otp.yaml']);
  });

  it.each(files)('%s saves clean with `templates add --file`', async (file) => {
    const res = await json('templates', 'add', '--project', projectId, '--file', path.join(EXAMPLES, file));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).name).toMatch(/^[a-z_]+$/);
  });
});

describe('messagejs-relay contacts', () => {
  it('imports a CSV file and waits for it, lists, prints the refused rows, exports a file that imports back unchanged', async () => {
    const file = path.join(root, 'contacts.csv');
    fs.writeFileSync(file, 'Nom;Prénom;Téléphone;Société\r\nBenali;Amina;0612345601;Atlas\r\nX;Y;bad;Z\r\n');
    const imported = await json('contacts', 'import', file, '--project', projectId);
    expect(imported.code, imported.stderr).toBe(0);
    const done = JSON.parse(imported.stdout);
    expect(done).toMatchObject({ status: 'completed', fileName: 'contacts.csv', rows: 2, created: 1, failed: 1 });

    const listed = JSON.parse((await json('contacts', 'list', '--project', projectId, '--q', 'benali')).stdout);
    expect(listed).toEqual([
      expect.objectContaining({
        name: 'Benali',
        firstName: 'Amina',
        phone: '+212612345601',
        custom: { Société: 'Atlas' },
      }),
    ]);

    const errors = await text('contacts', 'import-errors', done.id);
    expect(errors.code, errors.stderr).toBe(0);
    expect(parse(errors.stdout, { columns: true })).toEqual([
      expect.objectContaining({ row: '2', line: '3', field: 'phone', code: 'validation_failed' }),
    ]);

    const out = path.join(root, 'export.csv');
    const exported = await text('contacts', 'export', '--project', projectId, '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const again = JSON.parse((await json('contacts', 'import', out, '--project', projectId)).stdout);
    expect(again).toMatchObject({ status: 'completed', rows: 1, created: 0, updated: 0, unchanged: 1, failed: 0 });

    const missing = await text('contacts', 'import', path.join(root, 'nope.csv'), '--project', projectId);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No file');
  });
});
