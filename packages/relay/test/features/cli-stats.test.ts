import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/start-relay.js';
import { messageRecord } from '../helpers/store-records.js';

// Each run of the CLI loads a whole relay's modules: seconds apiece on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const dir = path.join(root, 'data');
const { projectId } = JSON.parse((await runCli(['init', '--data-dir', dir, '--json'])).stdout);
const T0 = Date.parse('2026-06-01T08:00:00Z');
const RANGE = ['--from', '2026-06-01T00:00:00Z', '--to', '2026-06-03T00:00:00Z'];

describe('messagejs-relay stats', () => {
  it('prints a project’s figures per day from the rollups, as the analytics API answers them', async () => {
    const store = createSqliteStore(dir);
    try {
      const seed = (n: number, at: number, status: 'delivered' | 'failed') =>
        store.messages.enqueue({
          message: messageRecord(`msg_${String(n).padEnd(29, '0')}`, projectId, 'key_cli', {
            status,
            createdAt: at,
            updatedAt: at,
            costEur: 0.05,
            costMad: 0.5,
          }),
          dueAt: T0 + 365 * 86_400_000,
        });
      await seed(1, T0, 'delivered');
      await seed(2, T0 + 60_000, 'delivered');
      await seed(3, T0 + 86_400_000, 'delivered');
    } finally {
      await store.close();
    }

    const json = await runCli(['stats', '--project', projectId, ...RANGE, '--data-dir', dir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({
      projectId,
      groupBy: 'day',
      totals: { messages: 3, delivered: 3, cost: { eur: 0.15 } },
    });
    expect(answer.groups.map((g: { key: string; messages: number }) => [g.key, g.messages])).toEqual([
      ['2026-06-01', 2],
      ['2026-06-02', 1],
    ]);

    const text = await runCli(['stats', '--project', projectId, ...RANGE, '--group-by', 'channel', '--data-dir', dir]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toBe('2026-06-01T00:00:00.000Z → 2026-06-03T00:00:00.000Z');
    expect(lines[1]).toMatch(/^channel\s+messages\s+delivered\s+failed\s+delivery rate/);
    expect(lines[3]).toMatch(/^sms\s+3\s+3\s+0\s+100\.0 %/);
    expect(lines[4]).toMatch(/^total\s+3\s+3/);
  });

  it('refuses an unknown grouping, a reversed range and an unknown project, with the field at fault', async () => {
    const bad = async (args: string[], code: string, field: string) => {
      const res = await runCli(['stats', ...args, '--data-dir', dir]);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toContain(`(${code}, ${field})`);
      expect(res.stdout).toBe('');
    };
    await bad(['--project', projectId, '--group-by', 'week'], 'validation_failed', 'groupBy');
    await bad(
      ['--project', projectId, '--from', '2026-06-03T00:00:00Z', '--to', '2026-06-01T00:00:00Z'],
      'validation_failed',
      'to',
    );
    await bad(['--project', 'prj_nope'], 'project_not_found', 'project');
  });
});
