import { eventIdSql, inboundSnapshotFields, listeningSql, snapshot } from '../../event-schema.js';

/**
 * Version 7. Messages in (issue 15): the tables of SQLite's migration 17, with BIGINT where SQLite
 * has INTEGER and text ids compared in byte order (`COLLATE "C"`), and a statement trigger that
 * raises `inbound.received` for the inbound messages a statement stored (`events_fan_out`, of
 * migration 6, delivers them).
 */
export default `
CREATE TABLE inbound_messages (
  id TEXT COLLATE "C" PRIMARY KEY,
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
  received_at BIGINT NOT NULL,
  sent_at BIGINT,
  processing_ms BIGINT NOT NULL,
  UNIQUE (connector_id, provider_message_id)
);
CREATE INDEX inbound_messages_project ON inbound_messages(project_id, received_at, id COLLATE "C");
CREATE INDEX inbound_messages_conversation ON inbound_messages(project_id, sender, received_at);

CREATE TABLE phone_mappings (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  phone TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  is_primary BIGINT NOT NULL DEFAULT 0,
  verified BIGINT NOT NULL DEFAULT 0,
  verification_method TEXT,
  verified_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, phone, user_id)
);
CREATE INDEX phone_mappings_user ON phone_mappings(project_id, user_id);

CREATE TABLE inbound_rules (
  id TEXT COLLATE "C" PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  pattern TEXT NOT NULL,
  reply TEXT NOT NULL,
  priority BIGINT NOT NULL DEFAULT 100,
  active BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX inbound_rules_project ON inbound_rules(project_id, priority);

-- Keywords and answers per language (JSON); a project without a row uses the relay's defaults.
CREATE TABLE inbound_settings (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  settings TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE FUNCTION inbound_messages_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO events (id, project_id, type, created_at, message_id, data)
  SELECT ${eventIdSql.postgres}, n.project_id, 'inbound.received', n.received_at, NULL,
    ${snapshot('postgres', 'n', inboundSnapshotFields, [['media', 'n.media::json']])}
  FROM new_rows n WHERE ${listeningSql('postgres', 'n')} ORDER BY n.received_at, n.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER inbound_messages_event AFTER INSERT ON inbound_messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inbound_messages_event();
`;
