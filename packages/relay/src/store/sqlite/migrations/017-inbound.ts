import { eventIdSql, inboundSnapshotFields, listeningSql, snapshot } from '../../event-schema.js';

/**
 * Schema version 17. Messages in (issue 15, features/inbound): the messages recipients send to a
 * project's numbers and bots, stored once per provider message id; the project's phone mappings
 * (a number → the developer's own user id), auto-reply rules and inbound settings (keywords and
 * answers per language). Storing an inbound message raises `inbound.received` in its own
 * transaction, as migration 016's triggers do for messages. Never edit a shipped migration: add
 * the next one.
 */
export const up = `
  CREATE TABLE inbound_messages (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    connector_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    media TEXT NOT NULL DEFAULT '[]',
    sender_name TEXT,
    user_id TEXT,
    keyword TEXT,
    auto_reply TEXT,
    reply_message_id TEXT,
    received_at INTEGER NOT NULL,
    sent_at INTEGER,
    processing_ms INTEGER NOT NULL,
    UNIQUE (connector_id, provider_message_id)
  ) STRICT;
  CREATE INDEX inbound_messages_project ON inbound_messages(project_id, received_at, id);
  CREATE INDEX inbound_messages_conversation ON inbound_messages(project_id, sender, received_at);

  CREATE TABLE phone_mappings (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    user_id TEXT NOT NULL,
    is_primary INTEGER NOT NULL DEFAULT 0,
    verified INTEGER NOT NULL DEFAULT 0,
    verification_method TEXT,
    verified_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, phone, user_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX phone_mappings_user ON phone_mappings(project_id, user_id);

  CREATE TABLE inbound_rules (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    pattern TEXT NOT NULL,
    reply TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 100,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX inbound_rules_project ON inbound_rules(project_id, priority);

  -- Keywords and answers per language (JSON); a project without a row uses the relay's defaults.
  CREATE TABLE inbound_settings (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    settings TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TRIGGER inbound_messages_event AFTER INSERT ON inbound_messages WHEN ${listeningSql('sqlite', 'new')}
  BEGIN
    INSERT INTO events (id, project_id, type, created_at, message_id, data)
    VALUES (${eventIdSql.sqlite}, new.project_id, 'inbound.received', new.received_at, NULL,
      ${snapshot('sqlite', 'new', inboundSnapshotFields, [['media', 'json(new.media)']])});
  END;
`;
