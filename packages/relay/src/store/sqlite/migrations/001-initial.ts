/**
 * Schema version 1. The first schema: projects, keys, templates, connectors, messages and their
 * attempts, the outbox, idempotency records, opt-outs and the audit log.
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    allowed_countries TEXT NOT NULL DEFAULT '[]',
    default_country TEXT,
    limits TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('public', 'secret')),
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    name TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
  ) STRICT;
  CREATE INDEX api_keys_project ON api_keys(project_id);

  CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    html TEXT,
    params TEXT NOT NULL,
    channels TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project_id, name)
  ) STRICT;

  CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    channels TEXT NOT NULL,
    config TEXT NOT NULL,
    sealed_credentials TEXT,
    priority INTEGER NOT NULL DEFAULT 100,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX connectors_project ON connectors(project_id, priority);

  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    country TEXT,
    operator TEXT,
    template TEXT,
    subject TEXT,
    body TEXT NOT NULL,
    html TEXT,
    status TEXT NOT NULL,
    segments INTEGER,
    encoding TEXT,
    cost_eur REAL,
    cost_mad REAL,
    cascade TEXT NOT NULL DEFAULT '[]',
    provider_message_id TEXT,
    connector_id TEXT,
    error_code TEXT,
    error_message TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    scheduled_at INTEGER,
    sent_at INTEGER,
    delivered_at INTEGER
  ) STRICT;
  CREATE INDEX messages_project_created ON messages(project_id, created_at);
  CREATE INDEX messages_provider ON messages(connector_id, provider_message_id);

  CREATE TABLE message_attempts (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    connector_type TEXT NOT NULL,
    provider_message_id TEXT,
    status TEXT NOT NULL,
    error_code TEXT,
    at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX message_attempts_message ON message_attempts(message_id);

  CREATE TABLE outbox (
    message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT
  ) STRICT;
  CREATE INDEX outbox_due ON outbox(due_at, lease_until);

  CREATE TABLE idempotency (
    key_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
  ) STRICT;
  CREATE INDEX idempotency_created ON idempotency(created_at);

  CREATE TABLE opt_outs (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, address)
  ) STRICT;

  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    project_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT,
    at INTEGER NOT NULL
  ) STRICT;
  `;
