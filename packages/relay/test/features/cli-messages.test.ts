import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../src/store/types.js';
import { runCli, spawnCli, type CliProcess } from '../helpers/cli.js';
import { call, startRelay, waitForMessage, type TestRelay } from '../helpers/start-relay.js';
import { messageRecord, projectRecord } from '../helpers/store-records.js';

// Every run loads a whole relay's modules: seconds apiece on a busy 2-core machine (7 s each at a
// load average of 21), and some tests below run the CLI a dozen times, one after the other (run
// side by side on a loaded machine, some took over the helper's 30 s).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const MINUTE = 60_000;
const DAY = 24 * 3600 * 1000;
/** The seeded messages were made two days ago, one a minute (a whole minute, for readable bounds). */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
/** Before anything a test adds: the seeded messages only. */
const UNTIL = iso(T0 + 10 * MINUTE);
const id = (s: string) => `msg_${s.padEnd(29, '0')}`;
const STACK = /^\s+at /m;

let t: TestRelay;
let env: Record<string, string>;
const running: CliProcess[] = [];

/** Stores `m` as a relay would, due a year from now: the worker leaves it as it is. */
async function seed(name: string, createdAt: number, fields: Partial<Message> = {}): Promise<Message> {
  const m = messageRecord(id(name), t.demo.projectId, 'key_seed', { createdAt, updatedAt: createdAt, ...fields });
  await t.relay.store.messages.enqueue({ message: m, dueAt: Date.now() + 365 * DAY });
  return m;
}

/**
 * Stores `m` as failed by a provider, as the worker leaves it: an attempt, the provider's code and
 * text (under a lease of the test's own, which the relay's worker leaves alone).
 */
async function seedFailed(name: string, createdAt: number, fields: Partial<Message>, error: [string, string]) {
  const m = messageRecord(id(name), t.demo.projectId, 'key_seed', { createdAt, updatedAt: createdAt, ...fields });
  const lease = { owner: 'cli-messages-test', until: Date.now() + DAY };
  await t.relay.store.messages.enqueue({ message: m, dueAt: Date.now() + DAY, lease });
  const [errorCode, errorMessage] = error;
  const at = createdAt + 1000;
  await t.relay.store.outbox.fail(
    { messageId: m.id, attempts: 1, leaseUntil: lease.until, owner: lease.owner, kind: 'send', message: m },
    {
      attempt: {
        messageId: m.id,
        channel: m.channel,
        connectorId: 'con_seeded',
        connectorType: 'twilio',
        providerMessageId: 'SM123',
        status: 'failed',
        errorCode,
        at,
      },
      errorCode,
      errorMessage,
      at,
    },
  );
}

/** `messagejs-relay …args` against the test relay's storage (its PostgreSQL database on that backend). */
const cli = (...args: string[]) => runCli([...args, '--data-dir', t.dataDir], { env });
const json = async (...args: string[]): Promise<any> => {
  const res = await cli(...args, '--json');
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout);
};
/** `work` on every item, one after the other. */
async function inTurns<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await work(item));
  return results;
}
const ids = (rows: Array<Record<string, unknown>>) => rows.map((m) => m.id);

beforeAll(async () => {
  t = await startRelay();
  env = t.location.databaseUrl ? { MESSAGEJS_DATABASE_URL: t.location.databaseUrl } : {};
  await seed('a', T0 + MINUTE, { status: 'delivered', to: '+212612345678', country: 'MA', body: 'Order A-1 shipped' });
  await seedFailed('b', T0 + 2 * MINUTE, { to: '+33612345678', country: 'FR' }, [
    'provider_rejected',
    'The number +33612345678 is\nunreachable',
  ]);
  await seed('c', T0 + 3 * MINUTE, {
    status: 'undelivered',
    channel: 'whatsapp',
    to: '+212698765432',
    template: 'order_update',
    templateVersion: 2,
  });
  await seed('d', T0 + 4 * MINUTE, {
    status: 'sent',
    to: '+212612340000',
    operator: 'Maroc Telecom',
    body: 'B SHIPPED',
  });
  await seed('e', T0 + 5 * MINUTE, { status: 'delivered', to: '+212600000001', sensitive: true, body: 'code 123456' });
  // Two in one millisecond: the id breaks the tie, as in the API.
  await seed('f1', T0 + 6 * MINUTE, { to: '+212600000002' });
  await seed('f2', T0 + 6 * MINUTE, { to: '+212600000003' });
  // Two projects of one name, for `--project <name>`.
  await t.relay.store.projects.create(projectRecord('prj_twin1', { name: 'Twin' }));
  await t.relay.store.projects.create(projectRecord('prj_twin2', { name: 'Twin' }));
});
afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  await t.cleanup();
});

describe('messagejs-relay messages list', () => {
  it('prints a table, newest first, with full numbers, the project named by id or by name', async () => {
    const res = await cli('messages', 'list', '--project', 'Demo', '--until', UNTIL);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const [header, rule, ...rows] = res.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+created\s+status\s+channel\s+to\s+template\s+connector\s+error$/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(['f2', 'f1', 'e', 'd', 'c', 'b', 'a'].map(id));
    expect(rows[4]).toMatch(
      new RegExp(
        `^${id('c')}\\s+${iso(T0 + 3 * MINUTE)}\\s+undelivered\\s+whatsapp\\s+\\+212698765432\\s+order_update v2\\s+-\\s+-$`,
      ),
    );
    // The operator reads the provider's text in full, on one line.
    expect(rows[5]).toMatch(/\+33612345678\s.*provider_rejected: The number \+33612345678 is unreachable$/);
    const byId = await json('messages', 'list', '--project', t.demo.projectId, '--until', UNTIL);
    expect(ids(byId)).toEqual(['f2', 'f1', 'e', 'd', 'c', 'b', 'a'].map(id));
    expect(byId[6]).toMatchObject({
      id: id('a'),
      to: '+212612345678',
      status: 'delivered',
      createdAt: iso(T0 + MINUTE),
    });
    // A message holding a secret never shows its text.
    expect(byId[2]).toMatchObject({ id: id('e'), body: null });
  });

  it('filters as GET /v1/messages does: status, channel, template, country, operator, recipient, dates, direction, text', async () => {
    const day = iso(T0).slice(0, 10);
    const cases: Array<[string[], string[] | number]> = [
      [
        ['--status', 'failed,undelivered'],
        [id('c'), id('b')],
      ],
      [['--channel', 'whatsapp'], [id('c')]],
      [['--template', 'order_update'], [id('c')]],
      [['--country', 'FR'], [id('b')]],
      [['--operator', 'Maroc Telecom'], [id('d')]],
      [['--to', '+212612345678'], [id('a')]],
      [
        ['--to', '5678'],
        [id('b'), id('a')],
      ],
      [
        ['--since', iso(T0 + 3 * MINUTE), '--until', iso(T0 + 5 * MINUTE)],
        [id('d'), id('c')],
      ],
      [['--direction', 'inbound'], []],
      [
        ['--q', 'shipped'],
        [id('d'), id('a')],
      ],
      // A time ago (the seeded messages are two days old; none newer is stored yet), a day.
      [['--since', '1d', '--until', '0s'], []],
      [['--until', '1d'], 7],
      [['--since', '3d'], 7],
      [['--since', day], 7],
    ];
    const found = await inTurns(cases, async ([flags]) =>
      ids(await json('messages', 'list', '--project', t.demo.projectId, '--until', UNTIL, ...flags)),
    );
    cases.forEach(([flags, expected], i) => {
      if (typeof expected === 'number') expect(found[i], flags.join(' ')).toHaveLength(expected);
      else expect(found[i], flags.join(' ')).toEqual(expected);
    });
  });

  it('pages with --limit and --cursor (the next cursor on stderr, an API cursor works too), or reads every page with --all', async () => {
    const seeded = ['--project', t.demo.projectId, '--until', UNTIL];
    /** A page of 3 as JSON, and the cursor printed for the next one. */
    const page = async (cursor?: string) => {
      const res = await cli(
        'messages',
        'list',
        ...seeded,
        '--limit',
        '3',
        '--json',
        ...(cursor ? ['--cursor', cursor] : []),
      );
      expect(res.code).toBe(0);
      return { rows: ids(JSON.parse(res.stdout)), next: /^More: --cursor (\S+)$/.exec(res.stderr.trim())?.[1] };
    };
    const first = await page();
    expect(first.rows).toEqual(['f2', 'f1', 'e'].map(id));
    const second = await page(first.next);
    expect(second.rows).toEqual(['d', 'c', 'b'].map(id));
    const third = await page(second.next);
    expect(third).toEqual({ rows: [id('a')], next: undefined });

    const api = await call(t, 'GET', `/v1/messages?limit=3&createdBefore=${UNTIL}`, { key: t.demo.secretKey });
    expect(api.status).toBe(200);
    expect((await page(api.body.nextCursor)).rows).toEqual(second.rows);

    const all = await cli(
      'messages',
      'list',
      '--project',
      t.demo.projectId,
      '--until',
      UNTIL,
      '--limit',
      '2',
      '--all',
      '--json',
    );
    expect(all.stderr).toBe('');
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['f2', 'f1', 'e', 'd', 'c', 'b', 'a'].map(id));
    const table = await cli(
      'messages',
      'list',
      '--project',
      t.demo.projectId,
      '--until',
      UNTIL,
      '--all',
      '--limit',
      '2',
    );
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(2 + 7);
    expect(rows.filter((r) => r.startsWith('id '))).toHaveLength(1);
  });

  it('refuses bad input on stderr with the code and the flag at fault, exit 1 and no stack trace', async () => {
    const p = ['--project', t.demo.projectId];
    const cases = [
      [['--project', 'nope'], 'project_not_found', 'project'],
      [['--project', 'Twin'], 'validation_failed', 'project'],
      [[...p, '--status', 'lost'], 'validation_failed', '--status'],
      [[...p, '--since', 'yesterday'], 'validation_failed', '--since'],
      [[...p, '--until', '2026-13-45'], 'validation_failed', '--until'],
      [[...p, '--since', '2d', '--until', '3d'], 'validation_failed', '--until'],
      [[...p, '--limit', '201'], 'validation_failed', '--limit'],
      [[...p, '--limit', '0'], 'validation_failed', '--limit'],
      [[...p, '--to', 'abc'], 'validation_failed', '--to'],
      [[...p, '--country', 'ma'], 'validation_failed', '--country'],
      [[...p, '--cursor', 'made.up'], 'invalid_cursor', '--cursor'],
    ] as const;
    const answers = await inTurns(cases, ([args]) => cli('messages', 'list', ...args));
    cases.forEach(([args, code, field], i) => {
      const res = answers[i]!;
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(new RegExp(`^Error \\(${code}, ${field}\\): `));
      expect(res.stderr).not.toMatch(STACK);
      expect(res.stdout).toBe('');
    });
    expect(answers[1]!.stderr).toContain('prj_twin1, prj_twin2');
    expect(answers[5]!.stderr).toContain('`--until`: must be after --since');
    expect(await json('messages', 'list', '--project', 'prj_twin1')).toEqual([]);
  });
});

describe('messagejs-relay messages show', () => {
  it('shows a message in full with its delivery attempts, as a table or JSON', async () => {
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+212611111111', text: 'through the console', channel: 'sms' },
    });
    expect(sent.status).toBe(202);
    await waitForMessage(t, sent.body.id, (m) => m.status === 'delivered');
    const detail = await json('messages', 'show', sent.body.id);
    expect(detail).toMatchObject({
      id: sent.body.id,
      projectId: t.demo.projectId,
      status: 'delivered',
      to: '+212611111111',
      body: 'through the console',
    });
    expect(detail.attempts).toEqual([
      expect.objectContaining({ channel: 'sms', type: 'console', status: 'delivered', connector: detail.connector }),
    ]);
    const text = await cli('messages', 'show', sent.body.id);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^id\\s+${sent.body.id}$`, 'm'));
    expect(text.stdout).toMatch(/^to\s+\+212611111111$/m);
    expect(text.stdout).toMatch(/^attempts\nat\s+channel\s+connector\s+type\s+status/m);

    const [failed, queued] = await inTurns([id('b'), id('f1')], (m) => cli('messages', 'show', m));
    expect(failed!.stdout).toMatch(/^errorMessage\s+The number \+33612345678 is unreachable$/m);
    expect(failed!.stdout).toMatch(
      /^attempts\nat .*\n-.*\n\S+\s+sms\s+con_seeded\s+twilio\s+failed\s+SM123\s+provider_rejected$/m,
    );
    expect(queued!.stdout).toMatch(/^attempts\n\(none\)$/m);

    for (const res of await inTurns(['msg_nope', id('zz')], (bad) => cli('messages', 'show', bad))) {
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^Error \(message_not_found, id\): No message/);
      expect(res.stdout).toBe('');
    }
  });
});

/** Waits until `check` holds of `p`'s output. */
async function until(p: CliProcess, check: (out: string) => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check(p.output())) {
    if (Date.now() > deadline) throw new Error(`${what} was not printed:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const tail = async (args: string[], ready: RegExp) => {
  const p = await spawnCli(['messages', 'tail', '--data-dir', t.dataDir, ...args], { env, ready });
  running.push(p);
  return p;
};

describe('messagejs-relay messages tail', () => {
  it('prints the last messages, then each new one once (ties, late ones, sent ones) and status changes, until SIGINT', async () => {
    const p = await tail(
      ['--project', t.demo.projectId, '--last', '2', '--json'],
      /"event":"created"[^\n]*\n[^\n]*"event":"created"[^\n]*\n/,
    );
    const events = () =>
      p
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) => JSON.parse(l) as { event: string; previousStatus?: string; message: { id: string; status: string } },
        );
    const newest = await call(t, 'GET', '/v1/messages?limit=2', { key: t.demo.secretKey });
    expect(events().map((e) => e.message.id)).toEqual(ids(newest.body.data).reverse());

    // Three in one millisecond, then one stored late: made before the newest the tail has seen.
    const now = Date.now();
    for (const n of ['t1', 't2', 't3']) await seed(n, now, { status: 'queued' });
    await until(p, (out) => out.includes(id('t3')), 'the third tie');
    await seed('late', now - 1000, { status: 'queued' });
    await until(p, (out) => out.includes(id('late')), 'the late message');

    // A status change of an older message the tail did not print is not news.
    await t.relay.store.status.applyProviderStatus({
      messageId: id('a'),
      status: 'read',
      errorCode: null,
      at: Date.now(),
    });
    // A provider's status callback on a message the tail printed.
    await t.relay.store.status.applyProviderStatus({
      messageId: id('t2'),
      status: 'delivered',
      errorCode: null,
      at: Date.now(),
    });
    await until(p, () => events().some((e) => e.event === 'status'), 'the status change');
    // And a message sent through the API, delivered by the worker.
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+212611111112', text: 'followed live', channel: 'sms' },
    });
    await until(p, (out) => out.includes(sent.body.id), 'the message sent');
    await new Promise((r) => setTimeout(r, 2500));

    expect(await p.stop('SIGINT')).toBe(0);
    const created = events()
      .filter((e) => e.event === 'created')
      .map((e) => e.message.id);
    expect(created.slice(2)).toEqual([...['t1', 't2', 't3'].map(id), id('late'), sent.body.id]);
    expect(new Set(created).size).toBe(created.length);
    expect(events().filter((e) => e.event === 'status' && e.message.id === id('t2'))).toEqual([
      expect.objectContaining({ previousStatus: 'queued', message: expect.objectContaining({ status: 'delivered' }) }),
    ]);
    expect(p.output()).not.toMatch(STACK);
  });

  it('filters like list, prints lines, and ends quietly with exit 0 when its reader goes away', async () => {
    const p = await tail(['--project', 'Demo', '--status', 'failed', '--last', '5'], new RegExp(id('b')));
    const [header, , row, ...rest] = p.output().trimEnd().split('\n');
    expect(header).toMatch(/^id\s+created\s+status/);
    expect(row).toMatch(new RegExp(`^${id('b')}\\s.*\\sfailed\\s`));
    expect(rest).toEqual([]);
    await seed('x-ok', Date.now(), { status: 'queued' });
    await seed('x-bad', Date.now(), { status: 'failed', errorCode: 'provider_rejected' });
    await until(p, (out) => out.includes(id('x-bad')), 'the failed message');
    // One stored queued, then failed by its provider: printed when it fails.
    await seed('x-later', Date.now(), { status: 'queued' });
    await t.relay.store.status.applyProviderStatus({
      messageId: id('x-later'),
      status: 'failed',
      errorCode: 'provider_rejected',
      at: Date.now(),
    });
    await until(p, (out) => out.includes(id('x-later')), 'the message that failed later');
    expect(p.output()).not.toContain(id('x-ok'));

    // `| head` closing the pipe: the next line it writes meets EPIPE.
    p.proc.stdout!.destroy();
    await seed('x-bad2', Date.now(), { status: 'failed' });
    const code = await new Promise((resolve) => {
      if (p.proc.exitCode !== null) resolve(p.proc.exitCode);
      else p.proc.once('exit', resolve);
    });
    expect(code).toBe(0);
    expect(p.output()).not.toMatch(STACK);
  });

  it('refuses bad input before following: exit 1, the error on stderr', async () => {
    const cases = [
      [['--project', 'nope'], /^Error \(project_not_found, project\)/],
      [['--project', 'Demo', '--status', 'lost'], /^Error \(validation_failed, --status\)/],
      [['--project', 'Demo', '--since', 'soon'], /^Error \(validation_failed, --since\)/],
      [['--project', 'Demo', '--last', '500'], /^Error \(validation_failed, --last\)/],
      [['--project', 'Demo', '--direction', 'inbound'], /^Error \(validation_failed, --direction\)/],
    ] as const;
    const answers = await inTurns(cases, ([args]) => cli('messages', 'tail', ...args));
    cases.forEach(([args, pattern], i) => {
      const res = answers[i]!;
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(pattern);
      expect(res.stderr).not.toMatch(STACK);
      expect(res.stdout).toBe('');
    });
  });
});

describe('messagejs-relay messages cancel', () => {
  it('cancels a message still waiting, once; refuses it after, and a message that is not there', async () => {
    const waiting = await seed('cancel1', Date.now());
    const canceled = await json('messages', 'cancel', waiting.id);
    expect(canceled).toMatchObject({ id: waiting.id, status: 'canceled', attempts: [] });
    expect((await t.relay.store.messages.get(waiting.id))?.leaseUntil).toBeNull();
    const [again, missing] = await inTurns([waiting.id, id('zz')], (m) => cli('messages', 'cancel', m));
    expect(again!.code).toBe(1);
    expect(again!.stderr).toMatch(/^Error \(message_not_cancelable, id\): The message is canceled/);
    expect(missing!.code).toBe(1);
    expect(missing!.stderr).toMatch(/^Error \(message_not_found, id\): No message/);
  });
});
