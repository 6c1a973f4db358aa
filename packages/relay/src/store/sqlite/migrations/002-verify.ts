/**
 * Schema version 2. Phone verification — per-project settings, sessions (codes as HMACs only), the
 * send log behind the per-recipient send limit, and the token-signing keys (private halves sealed).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  ALTER TABLE projects ADD COLUMN verify_settings TEXT NOT NULL DEFAULT '{}';

  CREATE TABLE verify_sessions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    code_hmac TEXT NOT NULL,
    code_length INTEGER NOT NULL,
    alphabet TEXT NOT NULL CHECK (alphabet IN ('numeric', 'alphanumeric')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'canceled', 'expired')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    sends INTEGER NOT NULL DEFAULT 1,
    last_sent_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    verified_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  -- One pending session per key, channel and recipient: a concurrent second start loses.
  CREATE UNIQUE INDEX verify_sessions_pending ON verify_sessions(project_id, key_id, channel, recipient) WHERE status = 'pending';

  CREATE TABLE verify_sends (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES verify_sessions(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX verify_sends_recipient ON verify_sends(project_id, recipient, sent_at);

  CREATE TABLE signing_keys (
    seq INTEGER PRIMARY KEY,
    kid TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    alg TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    sealed_private_jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX signing_keys_project ON signing_keys(project_id, seq);
  `;
