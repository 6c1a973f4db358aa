import { messageSnapshotOptions } from '../../event-schema.js';
import { countingTrigger } from './018-message-batches.js';
import { counted } from './019-rollup-fold.js';

/**
 * Schema version 20: a message's options, bulk requests, contacts and groups (issue 16). `batches` records each bulk
 * request (its messages name it in `batch_id`, indexed with their status for its progress). `priority` (0 high, 1 normal, 2 low), copied
 * to its outbox row, orders the claims of due rows: the outbox's index leads with it, so a claim
 * reads each priority's due rows in order and stops at its limit. `expire_at`: not sent after it
 * (status `expired`). `category`, the caller's `reference` (indexed per project for the history's
 * filter) and `metadata` (a JSON object), the sender the caller chose (`sender`) and `flash`
 * (class 0 SMS). A project's `quiet_hours` (JSON), which marketing messages wait out. Message events carry `reference` and `metadata`: 019's counting trigger is made
 * again with them in its snapshots (the batches of message-batch.ts write the same).
 */

export const up = `
  ALTER TABLE messages ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE messages ADD COLUMN expire_at INTEGER;
  ALTER TABLE messages ADD COLUMN category TEXT;
  ALTER TABLE messages ADD COLUMN reference TEXT;
  ALTER TABLE messages ADD COLUMN metadata TEXT;
  ALTER TABLE messages ADD COLUMN sender TEXT;
  ALTER TABLE messages ADD COLUMN flash INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX messages_reference ON messages(project_id, reference, created_at) WHERE reference IS NOT NULL;

  ALTER TABLE projects ADD COLUMN quiet_hours TEXT;
  -- Messages per second the worker sends through a connector (null: unpaced).
  ALTER TABLE connectors ADD COLUMN send_rate REAL;

  -- A bulk request's batch; its messages name it.
  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    total INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
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
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX contacts_phone ON contacts(project_id, phone) WHERE phone IS NOT NULL;
  CREATE INDEX contacts_project ON contacts(project_id, created_at, id);
  CREATE TABLE contact_groups (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project_id, name)
  ) STRICT;
  CREATE TABLE contact_group_members (
    group_id TEXT NOT NULL REFERENCES contact_groups(id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, contact_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX contact_group_members_contact ON contact_group_members(contact_id);

  ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
  DROP INDEX outbox_due;
  CREATE INDEX outbox_due ON outbox(priority, due_at, lease_until);

  DROP TRIGGER message_writes_counted;
  ${countingTrigger(counted, messageSnapshotOptions('sqlite', 'm'))}
`;
