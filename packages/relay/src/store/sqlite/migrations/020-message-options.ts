import { messageSnapshotOptions } from '../../event-schema.js';
import { countingTrigger } from './018-message-batches.js';
import { counted } from './019-rollup-fold.js';

/**
 * Schema version 20: a message's options and bulk requests (issue 16). `batches` records each bulk
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

  ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
  DROP INDEX outbox_due;
  CREATE INDEX outbox_due ON outbox(priority, due_at, lease_until);

  DROP TRIGGER message_writes_counted;
  ${countingTrigger(counted, messageSnapshotOptions('sqlite', 'm'))}
`;
