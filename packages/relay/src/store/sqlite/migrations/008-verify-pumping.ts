/**
 * Schema version 8. Verification send log by client, key, country and prefix (issue 10).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  -- Verification against pumping and lock-out (issue 10): a pending session belongs to the client
  -- that started it (a hash of its IP for public keys), and the send log keeps who asked and where
  -- the code went, so the per-client, per-key, per-country and per-prefix limits and the
  -- success-rate guard count from the database (every relay on it sees the same counts).
  ALTER TABLE verify_sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
  DROP INDEX verify_sessions_pending;
  CREATE UNIQUE INDEX verify_sessions_pending ON verify_sessions(project_id, key_id, channel, recipient, client) WHERE status = 'pending';

  ALTER TABLE verify_sends ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE verify_sends ADD COLUMN client TEXT NOT NULL DEFAULT '';
  ALTER TABLE verify_sends ADD COLUMN country TEXT;
  ALTER TABLE verify_sends ADD COLUMN prefix TEXT;
  ALTER TABLE verify_sends ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
  UPDATE verify_sends SET
    key_id = coalesce((SELECT s.key_id FROM verify_sessions s WHERE s.id = verify_sends.session_id), ''),
    verified = coalesce((SELECT s.status = 'approved' FROM verify_sessions s WHERE s.id = verify_sends.session_id), 0),
    prefix = CASE WHEN recipient LIKE '+%' THEN substr(recipient, 1, 7) END;
  -- Range counts read these indexes only (covering): no table row per counted send.
  CREATE INDEX verify_sends_key ON verify_sends(key_id, sent_at);
  CREATE INDEX verify_sends_country ON verify_sends(project_id, country, sent_at, verified) WHERE country IS NOT NULL;
  CREATE INDEX verify_sends_prefix ON verify_sends(project_id, prefix, sent_at, verified) WHERE prefix IS NOT NULL;
  CREATE INDEX verify_sends_session ON verify_sends(session_id);
  `;
