/** Ordered schema migrations; index + 1 is the `user_version` after applying one. Never edit a shipped one. */
export const migrations: readonly string[] = [
  `
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
  `,
  // 2: phone verification — per-project settings, sessions (codes as HMACs only), the send log
  // behind the per-recipient send limit, and the token-signing keys (private halves sealed).
  `
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
  `,
  `
  ALTER TABLE messages ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN fallback_after_ms INTEGER;
  ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'send' CHECK (kind IN ('send', 'fallback_check'));
  `,
  `
  -- Provider ids are looked up by status webhooks. Partial indexes skip the rows that have none
  -- yet (every new message), and attempts get the index their lookup lacked (it scanned).
  DROP INDEX messages_provider;
  CREATE INDEX messages_provider ON messages(connector_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
  CREATE INDEX message_attempts_provider ON message_attempts(connector_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
  `,
  `
  -- Per-project SMS/WhatsApp price table (NULL: the relay's defaults) and channel fallbacks
  -- (channel → channels to cascade to when a message names none).
  ALTER TABLE projects ADD COLUMN prices TEXT;
  ALTER TABLE projects ADD COLUMN fallbacks TEXT NOT NULL DEFAULT '{}';
  `,
  `
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
  `,
  `
  -- Phone channels send only to these number types (SMS-pumping defence); development projects
  -- (the demo) may print verification codes on the console connector.
  ALTER TABLE projects ADD COLUMN allowed_number_types TEXT NOT NULL DEFAULT '["mobile","fixed_line_or_mobile"]';
  ALTER TABLE projects ADD COLUMN development INTEGER NOT NULL DEFAULT 0;
  UPDATE projects SET development = 1 WHERE name = 'Demo'
    AND EXISTS (SELECT 1 FROM connectors c WHERE c.project_id = projects.id AND c.type = 'console');
  `,
  `
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
  `,
];
