import { messageSnapshotOptions } from '../../event-schema.js';
import { messageInsertEvents, messageUpdateEvents } from './006-webhooks.js';

/** A trigger function made again with `body`. */
const replaceFunction = (name: string, body: string) => `
CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${body}
  RETURN NULL;
END
$fn$;`;

const options = (r: string) => messageSnapshotOptions('postgres', r);

/**
 * Version 9: a message's options, bulk requests' `batches`, contacts and groups (issue 16), as SQLite's migration 20. `priority` (0 high,
 * 1 normal, 2 low) is copied to the outbox row, whose claim index leads with it; `expire_at`,
 * `category`, `reference` (indexed per project), `metadata` (JSON text), `sender`, `flash`; a project's `quiet_hours`. The
 * message events' snapshots gain `reference` and `metadata`.
 */
export default `
ALTER TABLE messages ADD COLUMN priority BIGINT NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN expire_at BIGINT;
ALTER TABLE messages ADD COLUMN category TEXT;
ALTER TABLE messages ADD COLUMN reference TEXT;
ALTER TABLE messages ADD COLUMN metadata TEXT;
ALTER TABLE messages ADD COLUMN sender TEXT;
ALTER TABLE messages ADD COLUMN flash BIGINT NOT NULL DEFAULT 0;
CREATE INDEX messages_reference ON messages(project_id, reference, created_at) WHERE reference IS NOT NULL;

ALTER TABLE projects ADD COLUMN quiet_hours TEXT;
ALTER TABLE connectors ADD COLUMN send_rate DOUBLE PRECISION;

CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key_id TEXT NOT NULL,
  total BIGINT NOT NULL,
  accepted BIGINT NOT NULL,
  rejected BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX batches_project ON batches(project_id, created_at);
ALTER TABLE messages ADD COLUMN batch_id TEXT;
CREATE INDEX messages_batch ON messages(batch_id, status) WHERE batch_id IS NOT NULL;

-- Contacts and groups (issue 16): a phone is unique in its project.
CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT,
  first_name TEXT,
  phone TEXT,
  email TEXT,
  telegram_chat_id TEXT,
  language TEXT,
  time_zone TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  custom TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_phone ON contacts(project_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX contacts_project ON contacts(project_id, created_at, id);
CREATE TABLE contact_groups (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE contact_group_members (
  group_id TEXT NOT NULL REFERENCES contact_groups(id) ON DELETE CASCADE,
  contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX contact_group_members_contact ON contact_group_members(contact_id);

ALTER TABLE outbox ADD COLUMN priority BIGINT NOT NULL DEFAULT 1;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(priority, due_at, lease_until);
${replaceFunction('messages_event_insert', messageInsertEvents(options))}
${replaceFunction('messages_event_update', messageUpdateEvents(options))}
`;
