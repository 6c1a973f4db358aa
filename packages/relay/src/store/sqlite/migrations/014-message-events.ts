/**
 * Schema version 14. A message's timeline (`GET /v1/messages/:id`, issue 14) keeps the steps
 * nothing else records: provider status callbacks (applied or ignored), retries, failovers,
 * fallbacks to the next channel and the relay giving up. Acceptance and attempts are read from
 * `messages` and `message_attempts`, so the send path writes no event. Read by message, oldest
 * first: `(message_id, at)`, the rowid breaking ties. `after_attempts` is how many attempts the
 * message had when the event was written: where it stands among them, which times cannot tell
 * (an attempt, the retry it caused and the next attempt can share a millisecond). `type` takes no
 * CHECK: kinds will be added (inbound replies, webhook deliveries), and SQLite changes a CHECK only
 * by rebuilding the table. `detail` is a small JSON object. Never edit a shipped migration: add
 * the next one.
 */
export const up = `
  CREATE TABLE message_events (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    channel TEXT,
    connector_id TEXT,
    status TEXT,
    error_code TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    after_attempts INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX message_events_message ON message_events(message_id, at);
`;
