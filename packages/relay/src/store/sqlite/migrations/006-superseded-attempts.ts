/**
 * Schema version 6. Only superseded attempts are indexed by provider id; the outbox is clustered
 * on the message id.
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  -- A late status callback names a provider id; the message's current one is in messages_provider,
  -- so attempts need indexing only once their message has moved on to another provider id
  -- (failover, cascade). Indexing every attempt cost a random B-tree page per delivery.
  ALTER TABLE message_attempts ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
  UPDATE message_attempts SET superseded = 1
    WHERE provider_message_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM messages m WHERE m.id = message_attempts.message_id
        AND m.connector_id = message_attempts.connector_id AND m.provider_message_id = message_attempts.provider_message_id);
  DROP INDEX message_attempts_provider;
  CREATE INDEX message_attempts_provider ON message_attempts(connector_id, provider_message_id) WHERE superseded = 1;

  -- The outbox is small, hot and always reached by message id: clustered on it, without a
  -- separate rowid tree to keep in step on every insert, lease and delete.
  CREATE TABLE outbox_new (
    message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    kind TEXT NOT NULL DEFAULT 'send' CHECK (kind IN ('send', 'fallback_check'))
  ) STRICT, WITHOUT ROWID;
  INSERT INTO outbox_new (message_id, due_at, attempts, lease_until, lease_owner, kind)
    SELECT message_id, due_at, attempts, lease_until, lease_owner, kind FROM outbox;
  DROP TABLE outbox;
  ALTER TABLE outbox_new RENAME TO outbox;
  CREATE INDEX outbox_due ON outbox(due_at, lease_until);
  `;
