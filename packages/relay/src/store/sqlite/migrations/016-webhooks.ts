import {
  eventIdSql,
  listeningSql,
  messageEventStatuses,
  messageSnapshotFields,
  optOutSnapshotFields,
  snapshot,
  verifySnapshotFields,
} from '../../event-schema.js';

/**
 * Schema version 16. Webhooks to the developer's app (issue 15; see store/event-schema.ts):
 * endpoints, the event log and the deliveries it fans out to, each attempt's log; a message's own
 * `callback_url`. Triggers write the events in the transactions that change messages,
 * verifications and opt-outs, and fan each event out to the endpoints subscribed to it, so no
 * write path can forget one and a crash cannot lose one. Never edit a shipped migration: add the
 * next one. (Its SQL builders are exported for 018, which merges its message triggers: they must
 * go on building the same text.)
 */

export const listening = (r: string, callback = false) => listeningSql('sqlite', r, callback);

export const event = (type: string, r: string, at: string, messageId: string, data: string) =>
  `INSERT INTO events (id, project_id, type, created_at, message_id, data)
   VALUES (${eventIdSql.sqlite}, ${r}.project_id, ${type}, ${at}, ${messageId}, ${data});`;

export const messageData = (extra: readonly (readonly [string, string])[] = []) =>
  snapshot('sqlite', 'new', messageSnapshotFields, extra);
export const statuses = messageEventStatuses.map((s) => `'${s}'`).join(', ');

export const up = `
  ALTER TABLE messages ADD COLUMN callback_url TEXT;

  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    events TEXT NOT NULL DEFAULT '["*"]',
    active INTEGER NOT NULL DEFAULT 1,
    secret_sealed TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until INTEGER,
    disabled_reason TEXT,
    failing_since INTEGER,
    last_success_at INTEGER,
    last_failure_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX webhook_endpoints_project ON webhook_endpoints(project_id, active);

  -- A live event stream of a project (GET /v1/events/stream) records events until \`until\` (the database's clock, ms).
  CREATE TABLE event_listeners (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    until INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    message_id TEXT,
    endpoint_id TEXT,
    data TEXT NOT NULL DEFAULT '{}'
  ) STRICT;
  CREATE INDEX events_project ON events(project_id, seq);
  CREATE INDEX events_created ON events(created_at);

  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    event_seq INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    endpoint_id TEXT REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    url TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER,
    lease_owner TEXT,
    last_status_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(due_at) WHERE due_at IS NOT NULL;
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
  CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_seq);

  CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    response TEXT NOT NULL DEFAULT '',
    error TEXT
  ) STRICT;
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

  CREATE TRIGGER messages_event_insert AFTER INSERT ON messages WHEN ${listening('new', true)}
  BEGIN
    ${event(`'message.queued'`, 'new', 'new.created_at', 'new.id', messageData())}
  END;
  CREATE TRIGGER messages_event_status AFTER UPDATE OF status ON messages
  WHEN new.status IS NOT old.status AND new.status IN (${statuses}) AND ${listening('new', true)}
  BEGIN
    ${event(`'message.' || new.status`, 'new', 'new.updated_at', 'new.id', messageData())}
  END;
  CREATE TRIGGER messages_event_fallback AFTER UPDATE OF channel ON messages
  WHEN new.channel IS NOT old.channel AND ${listening('new', true)}
  BEGIN
    ${event(`'message.fallback'`, 'new', 'new.updated_at', 'new.id', messageData([['fromChannel', 'old.channel']]))}
  END;

  CREATE TRIGGER verify_sends_event AFTER INSERT ON verify_sends WHEN ${listening('new')}
  BEGIN
    INSERT INTO events (id, project_id, type, created_at, message_id, data)
    SELECT ${eventIdSql.sqlite}, s.project_id, 'verify.sent', new.sent_at, new.message_id,
      ${snapshot('sqlite', 's', verifySnapshotFields, [['messageId', 'new.message_id']])}
    FROM verify_sessions s WHERE s.id = new.session_id;
  END;
  CREATE TRIGGER verify_sessions_event AFTER UPDATE OF status ON verify_sessions
  WHEN new.status IS NOT old.status AND new.status IN ('approved', 'canceled', 'expired') AND ${listening('new')}
  BEGIN
    ${event(
      `CASE new.status WHEN 'approved' THEN 'verify.approved' WHEN 'canceled' THEN 'verify.failed' ELSE 'verify.expired' END`,
      'new',
      'new.updated_at',
      'NULL',
      snapshot('sqlite', 'new', verifySnapshotFields),
    )}
  END;

  CREATE TRIGGER opt_outs_event_insert AFTER INSERT ON opt_outs WHEN ${listening('new')}
  BEGIN
    ${event(`'opt_out.added'`, 'new', 'new.created_at', 'NULL', snapshot('sqlite', 'new', optOutSnapshotFields))}
  END;
  CREATE TRIGGER opt_outs_event_delete AFTER DELETE ON opt_outs WHEN ${listening('old')}
  BEGIN
    INSERT INTO events (id, project_id, type, created_at, message_id, data)
    VALUES (${eventIdSql.sqlite}, old.project_id, 'opt_out.removed',
      CAST(unixepoch('subsec') * 1000 AS INTEGER), NULL, ${snapshot('sqlite', 'old', optOutSnapshotFields)});
  END;

  -- Each event goes to the active endpoints subscribed to its type (or to the one endpoint it
  -- names: a test), and a message's events to its own callback URL too.
  CREATE TRIGGER events_fan_out AFTER INSERT ON events
  BEGIN
    INSERT INTO webhook_deliveries (event_seq, project_id, endpoint_id, url, due_at, created_at, updated_at)
    SELECT new.seq, new.project_id, w.id, NULL, new.created_at, new.created_at, new.created_at
    FROM webhook_endpoints w
    WHERE w.project_id = new.project_id AND (
      w.id = new.endpoint_id OR (new.endpoint_id IS NULL AND w.active = 1
        AND EXISTS (SELECT 1 FROM json_each(w.events) j WHERE j.value IN ('*', new.type))))
    ORDER BY w.id;
    INSERT INTO webhook_deliveries (event_seq, project_id, endpoint_id, url, due_at, created_at, updated_at)
    SELECT new.seq, new.project_id, NULL, m.callback_url, new.created_at, new.created_at, new.created_at
    FROM messages m
    WHERE new.message_id IS NOT NULL AND new.endpoint_id IS NULL AND new.type LIKE 'message.%'
      AND m.id = new.message_id AND m.callback_url IS NOT NULL;
  END;
`;
