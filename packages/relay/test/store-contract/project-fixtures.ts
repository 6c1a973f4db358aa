import type { ApiKey, ConnectorRecord, Template, TemplateVersionRecord } from '../../src/store/types/index.js';
import { at } from '../helpers/store-records.js';

/** Records for the projects, keys, templates and connectors contract tests. */

export { at, messageRecord as message, projectRecord as project } from '../helpers/store-records.js';

export const apiKey = (id: string, projectId: string, fields: Partial<ApiKey> = {}): ApiKey => ({
  id,
  projectId,
  kind: 'secret',
  prefix: `sk_${id.slice(-4)}`,
  name: null,
  createdAt: at,
  expiresAt: null,
  revokedAt: null,
  rateLimit: null,
  lastUsedAt: null,
  replacedBy: null,
  ...fields,
});

export const template = (id: string, projectId: string, name: string, fields: Partial<Template> = {}): Template => ({
  id,
  projectId,
  name,
  channel: 'sms',
  recipient: { mode: 'caller' },
  subject: null,
  body: 'Your code is {{code}}',
  html: null,
  params: { code: { type: 'text', maxLength: 8, required: true } },
  channels: null,
  category: 'otp',
  version: 1,
  active: true,
  createdAt: at,
  updatedAt: at,
  ...fields,
});

export const version = (templateId: string, n: number, body = `v${n}`): TemplateVersionRecord => ({
  templateId,
  version: n,
  definition: {
    channel: 'sms',
    channels: null,
    recipient: { mode: 'caller' },
    subject: null,
    body,
    html: null,
    params: {},
    category: 'otp',
  },
  createdAt: at + n,
  createdBy: 'cli',
});

export const connector = (id: string, projectId: string, fields: Partial<ConnectorRecord> = {}): ConnectorRecord => ({
  id,
  projectId,
  type: 'twilio',
  name: `Connector ${id}`,
  channels: ['sms'],
  config: { accountSid: 'AC123', from: '+15550000000' },
  sealedCredentials: 'v1.sealed',
  priority: 100,
  enabled: true,
  createdAt: at,
  updatedAt: at,
  ...fields,
});

/** Every item of a paged list, following `next` until the last page. */
export async function allPages<T>(
  read: (after: { key: string | number; id: string } | undefined) => Promise<{
    items: T[];
    next: { key: string | number; id: string } | null;
  }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let after: { key: string | number; id: string } | undefined;
  for (let pages = 1; pages < 100; pages++) {
    const page = await read(after);
    items.push(...page.items);
    if (!page.next) return { items, pages };
    after = page.next;
  }
  throw new Error('more than 100 pages');
}

/** The NUL character, which PostgreSQL text cannot hold. */
export const NUL = '\u0000';
