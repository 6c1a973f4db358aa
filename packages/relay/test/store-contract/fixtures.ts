import pg from 'pg';
import type { Message, MessageAttemptRecord, Project, Store } from '../../src/store/types/index.js';
import { at, messageRecord, projectRecord } from '../helpers/store-records.js';
import { count } from '../helpers/store-snapshot.js';
import type { OpenedStore } from './backends.js';

/** What the store contract tests write: one project, messages in it, attempts on them. */
export { at };

export const project: Project = projectRecord('prj_unit', { name: 'Unit' });

export const message = (id: string, overrides: Partial<Message> = {}): Message =>
  messageRecord(id, project.id, 'key_unit', overrides);

/** Stores an SMS template `name` in the project, with its (empty) use counts. */
export async function storeTemplate(store: Store, id: string, name: string): Promise<void> {
  await store.templates.upsert({
    id,
    projectId: project.id,
    name,
    channel: 'sms',
    recipient: { mode: 'caller' },
    subject: null,
    body: 'Hi',
    html: null,
    params: {},
    channels: null,
    category: 'other',
    version: 1,
    active: true,
    createdAt: at,
    updatedAt: at,
  });
  await store.templates.ensureStats(id);
}

/** What `messages.get` gives back for a message enqueued as `m` (the optional fields filled in). */
export const stored = (m: Message, leaseUntil = 0) => ({
  ...m,
  sensitive: m.sensitive ?? false,
  fallbackAfterMs: m.fallbackAfterMs ?? null,
  templateVersion: m.templateVersion ?? null,
  leaseUntil,
});

export const attempt = (messageId: string, overrides: Partial<MessageAttemptRecord> = {}): MessageAttemptRecord => ({
  messageId,
  channel: 'sms',
  connectorId: 'con_a',
  connectorType: 'twilio',
  providerMessageId: 'SM1',
  status: 'sent',
  errorCode: null,
  at: at + 1000,
  ...overrides,
});

/**
 * How many rows a table holds, on either backend. Local to these tests until
 * `test/helpers/store-snapshot.ts` reads PostgreSQL itself (its `count` then replaces this).
 */
export async function countRows(location: OpenedStore['location'], table: string): Promise<number> {
  if (!location.databaseUrl) return count(location, table);
  const client = new pg.Client({ connectionString: location.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}
