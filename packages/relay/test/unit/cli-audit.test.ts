import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../../src/cli/index.js';
import { tempDir } from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const dir = path.join(root, 'data');

/**
 * Runs a `messagejs-relay` command in this process (the same commands as the built CLI, without
 * the cost of starting Node once per command): its stdout, and code 1 when it failed.
 */
async function runInProcess(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await createProgram().parseAsync(['node', 'messagejs-relay', ...args, '--data-dir', dir, '--json']);
    return { code: process.exitCode === 1 ? 1 : 0, stdout };
  } catch {
    return { code: 1, stdout };
  } finally {
    write.mockRestore();
    process.exitCode = undefined;
  }
}
const cli = (...args: string[]) => runInProcess(args);
const auditRows = () =>
  rows<{
    project_id: string | null;
    actor: string;
    action: string;
    detail: string | null;
    resource_id: string | null;
    before: string | null;
    after: string | null;
  }>({ dataDir: dir }, 'audit');

describe('messagejs-relay admin changes', () => {
  it('audits the demo project as made by the relay itself', async () => {
    expect((await cli('init')).code).toBe(0);
    const rows = await auditRows();
    expect(rows.map((r) => r.action)).toEqual([
      'project.create',
      'connector.create',
      'template.save',
      'template.save',
      'key.create',
      'key.create',
    ]);
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set(['system']));
  });

  it('audits every change, each with the cli actor, and no refused one', async () => {
    const before = (await auditRows()).length;
    const projectId = (await auditRows())[0]!.project_id!;
    const prices = path.join(root, 'prices.yaml');
    fs.writeFileSync(prices, 'sms:\n  MA: { eur: 0.03, mad: 0.32 }\n');
    const keyId = JSON.parse((await cli('keys', 'create', '--project', projectId, '--kind', 'secret')).stdout).apiKey
      .id as string;
    const changes: Array<[string[], string]> = [
      [['projects', 'create', '--name', 'Shop'], 'project.create'],
      [['projects', 'development', 'off', '--project', projectId], 'project.development'],
      [['keys', 'revoke', keyId], 'key.revoke'],
      [['keys', 'rotate-signing', '--project', projectId], 'signing_key.rotate'],
      [['origins', 'add', 'https://shop.example', '--project', projectId], 'project.origins'],
      [['origins', 'remove', 'https://shop.example', '--project', projectId], 'project.origins'],
      [['countries', 'set', 'MA,FR', '--project', projectId], 'project.countries'],
      [['number-types', 'set', 'mobile', '--project', projectId], 'project.number_types'],
      [
        [
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
          'Ping',
        ],
        'template.save',
      ],
      [['limits', 'set', '--project', projectId, '--per-ip-per-minute', '100'], 'project.limits'],
      [['connectors', 'add', '--project', projectId, '--type', 'console'], 'connector.create'],
      [['verify', 'set', '--project', projectId, '--code-length', '8'], 'verify.settings'],
      [['prices', 'set', '--project', projectId, '--file', prices], 'project.prices'],
      [['prices', 'set', '--project', projectId, '--default'], 'project.prices'],
      [['fallbacks', 'set', 'whatsapp', 'sms', '--project', projectId], 'project.fallbacks'],
    ];
    for (const [args] of changes) expect((await cli(...args)).code, args.join(' ')).toBe(0);
    // Refused changes leave no trace; reads are not changes.
    expect((await cli('countries', 'set', 'Morocco', '--project', projectId)).code).toBe(1);
    expect((await cli('keys', 'revoke', keyId)).code).toBe(1);
    expect((await cli('keys', 'list', '--project', projectId)).code).toBe(0);

    const rows = (await auditRows()).slice(before);
    expect(rows.map((r) => r.action)).toEqual(['key.create', ...changes.map(([, action]) => action)]);
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set(['cli']));
    expect(rows.filter((r) => r.action !== 'project.create').every((r) => r.project_id === projectId)).toBe(true);
    const countries = rows.find((r) => r.action === 'project.countries')!;
    expect(JSON.parse(countries.before!)).toEqual({
      allowedCountries: ['MA', 'FR', 'US', 'GB', 'GA'],
      defaultCountry: 'MA',
    });
    expect(JSON.parse(countries.after!)).toEqual({ allowedCountries: ['MA', 'FR'], defaultCountry: 'MA' });
    const revoked = rows.find((r) => r.action === 'key.revoke')!;
    expect(revoked.resource_id).toBe(keyId);
    expect(JSON.parse(revoked.after!)).toMatchObject({ id: keyId, status: 'revoked' });
  });
});
