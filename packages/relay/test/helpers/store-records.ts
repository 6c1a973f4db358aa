import {
  defaultLimits,
  defaultNumberTypes,
  type ImportRecord,
  type Message,
  type Project,
} from '../../src/store/types/index.js';

/**
 * Records for tests that write to a store directly: a project and a queued message with every
 * field set, to be adjusted with `fields`. Shared by the store contract suites and the unit tests.
 */

/** The time the records are made at (ms since epoch), unless a test says otherwise. */
export const at = 1_700_000_000_000;

/** A project open to Morocco, with the default limits and number types. */
export const projectRecord = (id: string, fields: Partial<Project> = {}): Project => ({
  id,
  name: `Project ${id}`,
  accountId: null,
  allowedOrigins: [],
  allowedCountries: ['MA'],
  defaultCountry: null,
  limits: { ...defaultLimits },
  prices: null,
  fallbacks: {},
  allowedNumberTypes: [...defaultNumberTypes],
  development: false,
  createdAt: at,
  ...fields,
});

/** A queued SMS to a Moroccan number, sent with the key `keyId` of the project `projectId`. */
export const messageRecord = (
  id: string,
  projectId: string,
  keyId: string,
  fields: Partial<Message> = {},
): Message => ({
  id,
  projectId,
  keyId,
  channel: 'sms',
  to: '+212612345678',
  country: 'MA',
  operator: null,
  template: null,
  subject: null,
  body: 'hello',
  html: null,
  status: 'queued',
  segments: 1,
  encoding: 'GSM-7',
  costEur: null,
  costMad: null,
  cascade: [],
  providerMessageId: null,
  connectorId: null,
  errorCode: null,
  errorMessage: null,
  createdAt: at,
  updatedAt: at,
  scheduledAt: null,
  sentAt: null,
  deliveredAt: null,
  ...fields,
});

/** A contacts import of `projectId`, queued, with no progress yet. */
export const importRecord = (id: string, projectId: string, fields: Partial<ImportRecord> = {}): ImportRecord => ({
  id,
  projectId,
  status: 'queued',
  fileName: 'contacts.csv',
  bytes: 1234,
  sha256: 'ab'.repeat(32),
  settings: '{"delimiter":","}',
  rows: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  error: null,
  createdAt: at,
  startedAt: null,
  finishedAt: null,
  updatedAt: at,
  ...fields,
});
