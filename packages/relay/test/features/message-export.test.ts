import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { Message } from '../../src/store/types.js';
import { call, DEMO_ORIGIN } from '../helpers/start-relay.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { messageRecord } from '../helpers/store-records.js';
import { write } from '../helpers/store-snapshot.js';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
const T0 = Date.parse('2026-05-01T00:00:00Z');
const MANY = 5000;
/** The messages seeded one by one before the many: the export's edge cases. */
const FEW = 5;

/** Stores messages as a relay would, due a year from now (the worker leaves them be), 500 at a time. */
async function seed(messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 500) {
    await Promise.all(
      messages
        .slice(i, i + 500)
        .map((message) => t.relay.store.messages.enqueue({ message, dueAt: t.clock.now + 365 * 86_400_000 })),
    );
  }
}
const record = (n: number, fields: Partial<Message> = {}) =>
  messageRecord(`msg_${String(n).padStart(29, '0')}`, t.demo.projectId, 'key_seed', {
    createdAt: T0 + n * 1000,
    updatedAt: T0 + n * 1000,
    ...fields,
  });

/** A CSV cell as the export writes the NDJSON line's value (its formula escape; csv-parse unquotes). */
const asCell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
};

const exportOf = (query: string, key = t.demo.secretKey, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/v1/messages/export${query}`, { headers: { authorization: `Bearer ${key}`, ...headers } });

beforeAll(async () => {
  t = await startAccountsRelay();
  t.clock.now = T0 + 60 * 86_400_000;
  owner = await setUpOwner(t);
  await seed([
    // Cells a spreadsheet would run, text that needs quoting, and a message holding a secret.
    record(1, { body: '=HYPERLINK("http://evil.example","click")', country: 'MA' }),
    record(2, { body: 'line one\nline two, with a comma and "quotes"', to: '+33612345678', country: 'FR' }),
    record(3, { body: '@SUM(1,2)', status: 'failed' }),
    record(4, { body: 'sealed code', sensitive: true }),
    // Every column set; an error text holding a number (masked for managers) and starting with `-`.
    record(5, {
      channel: 'email',
      to: 'someone@example.com',
      country: null,
      operator: 'IAM',
      template: 'order_update',
      templateVersion: 3,
      subject: 'Your order',
      body: 'Shipped, "today"',
      status: 'failed',
      costEur: 0.01,
      costMad: 0.1,
      updatedAt: T0 + 5700,
    }),
  ]);
  // What only deliveries write, set by hand.
  await write(
    t.location,
    `UPDATE messages SET provider_message_id = 'SM123', connector_id = 'con_mail', error_code = '30003',
       error_message = '-1: +212612345678 is unreachable', sent_at = @sentAt, delivered_at = @deliveredAt WHERE id = @id`,
    { id: `msg_${'5'.padStart(29, '0')}`, sentAt: T0 + 5500, deliveredAt: T0 + 5600 },
  );
  // 12 MB in all: more than the sockets between relay and test can hold, so an export the client
  // stops reading has to wait for it.
  const filler = 'x'.repeat(2400);
  await seed(
    Array.from({ length: MANY }, (_, i) => record(1000 + i, { body: `bulk ${i} ${filler}`, channel: 'whatsapp' })),
  );
}, 120_000);
afterAll(() => t.cleanup());

describe('GET /v1/messages/export', () => {
  it('streams CSV with a header row, quoted as RFC 4180 says and formulas escaped', async () => {
    const res = await exportOf('?format=csv&channel=sms');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="messages-prj_\w+-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const rows = parse<Record<string, string>>(await res.text(), { columns: true });
    expect(rows.map((r) => r.id)).toEqual([4, 3, 2, 1].map((n) => `msg_${String(n).padStart(29, '0')}`));
    const [sealed, formula, quoted, link] = rows as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];
    expect(link.body).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(formula.body).toBe(`'@SUM(1,2)`);
    expect(formula.status).toBe('failed');
    expect(quoted.body).toBe('line one\nline two, with a comma and "quotes"');
    // A number starts with `+`: escaped like any cell a spreadsheet would compute.
    expect(quoted.to).toBe(`'+33612345678`);
    expect(sealed.body).toBe('');
    expect(Object.keys(link)).toEqual(expect.arrayContaining(['createdAt', 'status', 'to', 'costEur', 'errorCode']));
  });

  it('streams NDJSON, every line a message, with the history’s filters', async () => {
    const res = await exportOf('?format=ndjson&country=FR');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const text = await res.text();
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; to: string });
    expect(lines).toEqual([expect.objectContaining({ id: `msg_${'2'.padStart(29, '0')}`, to: '+33612345678' })]);
  });

  it('exports every matching message, across many pages of the index', async () => {
    const res = await exportOf('?format=ndjson&channel=whatsapp');
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(MANY);
    const ids = lines.map((line) => (JSON.parse(line) as { id: string }).id);
    expect(new Set(ids).size).toBe(MANY);
    expect(ids[0]).toBe(`msg_${String(1000 + MANY - 1).padStart(29, '0')}`);
  });

  it('stops reading when the client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.url}/v1/messages/export?format=csv`, {
      headers: { authorization: `Bearer ${t.demo.secretKey}` },
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    // The sockets fill up and the relay waits for them to drain; then the client gives up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      line = t.logs().find((l) => l.msg === 'history export cancelled by the client');
    }
    expect(line).toMatchObject({ cancelled: true, format: 'csv' });
    expect(line!.rows as number).toBeLessThan(MANY + FEW);
    expect(t.logs().some((l) => l.msg === 'history exported' && l.format === 'csv' && l.rows === MANY + FEW)).toBe(
      false,
    );
  });

  it('reads no page after the client went away but the one already asked for', async () => {
    // Pages of 100 rows (the export asks for more): 51 pages, many more than the sockets hold.
    const messages = t.relay.store.messages;
    const page = messages.page;
    const reads: number[] = [];
    messages.page = (projectId, filter, request) => {
      reads.push(Date.now());
      return page(projectId, filter, { ...request, limit: 100 });
    };
    try {
      const before = t.logs().filter((l) => l.msg === 'history export cancelled by the client').length;
      const controller = new AbortController();
      const res = await fetch(`${t.url}/v1/messages/export?format=ndjson`, {
        headers: { authorization: `Bearer ${t.demo.secretKey}` },
        signal: controller.signal,
      });
      await res.body!.getReader().read();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const abortedAt = Date.now();
      controller.abort();
      let cancelled = false;
      for (let i = 0; i < 100 && !cancelled; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        cancelled = t.logs().filter((l) => l.msg === 'history export cancelled by the client').length > before;
      }
      expect(cancelled).toBe(true);
      const readsAtCancel = reads.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(reads.length).toBe(readsAtCancel);
      expect(reads.length).toBeLessThan(Math.ceil((MANY + FEW) / 100));
      // The relay waits for the full sockets to drain when the client leaves: it reads nothing more.
      expect(reads.filter((at) => at >= abortedAt).length).toBeLessThanOrEqual(1);
    } finally {
      messages.page = page;
    }
  });

  it('writes in each CSV cell what the NDJSON line holds, for full and masked readers', async () => {
    const manager = await addMember(t, owner, { email: 'csv-manager@example.com', role: 'manager' });
    const readers: Array<{ key: string; headers: Record<string, string> }> = [
      { key: t.demo.secretKey, headers: {} },
      { key: manager.accessToken, headers: { 'messagejs-project': t.demo.projectId } },
    ];
    const query = `createdBefore=${new Date(T0 + 100_000).toISOString()}`;
    for (const { key, headers } of readers) {
      const csv = parse<Record<string, string>>(await (await exportOf(`?format=csv&${query}`, key, headers)).text(), {
        columns: true,
      });
      const ndjson = (await (await exportOf(`?format=ndjson&${query}`, key, headers)).text())
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown> & { cost: { eur: number; mad: number } | null });
      expect(ndjson).toHaveLength(FEW);
      const expected = ndjson.map((m) =>
        Object.fromEntries(
          Object.keys(csv[0]!).map((column) => {
            const value = column === 'costEur' ? m.cost?.eur : column === 'costMad' ? m.cost?.mad : m[column];
            return [column, asCell(value)];
          }),
        ),
      );
      expect(csv).toEqual(expected);
    }
    const full = parse<Record<string, string>>(await (await exportOf(`?format=csv&${query}`)).text(), {
      columns: true,
    })[0]!;
    expect(full).toMatchObject({
      errorMessage: `'-1: +212612345678 is unreachable`,
      connector: 'con_mail',
      providerMessageId: 'SM123',
      costEur: '0.01',
      templateVersion: '3',
      sentAt: new Date(T0 + 5500).toISOString(),
      deliveredAt: new Date(T0 + 5600).toISOString(),
      updatedAt: new Date(T0 + 5700).toISOString(),
    });
  });

  it('needs export_data: public keys and viewers are refused, managers read masked numbers', async () => {
    const pub = await call(t, 'GET', '/v1/messages/export', { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(pub.status).toBe(403);
    const headers = { 'messagejs-project': t.demo.projectId };
    const viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    const refused = await call(t, 'GET', '/v1/messages/export', { key: viewer.accessToken, headers });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'forbidden', permission: 'export_data' });
    const manager = await addMember(t, owner, { email: 'manager@example.com', role: 'manager' });
    const res = await exportOf('?format=ndjson&country=FR', manager.accessToken, headers);
    expect(res.status).toBe(200);
    expect(JSON.parse((await res.text()).trim())).toMatchObject({ to: '+*******5678' });
  });

  it('answers bad queries 400 naming the field, before anything is streamed', async () => {
    for (const [query, field] of [
      ['?format=xml', 'format'],
      ['?limit=10', 'limit'],
      ['?status=lost', 'status.0'],
      ['?createdAfter=2026-06-02T00:00:00Z&createdBefore=2026-06-01T00:00:00Z', 'createdBefore'],
    ] as const) {
      const res = await call(t, 'GET', `/v1/messages/export${query}`, { key: t.demo.secretKey });
      expect({ query, status: res.status, field: res.body.error?.field }).toEqual({ query, status: 400, field });
    }
  });
});
