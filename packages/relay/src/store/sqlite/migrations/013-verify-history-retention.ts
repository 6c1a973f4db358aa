/**
 * Schema version 13. The verification sessions' history (`GET /v1/verify/sessions`, issue 14) and
 * retention (`MESSAGEJS_RETENTION_DAYS`, `MESSAGEJS_AUDIT_RETENTION_DAYS`).
 *
 * A session keeps its recipient's country and the ids of the messages that carried its codes
 * (JSON, the last 20): the send log (`verify_sends`) that also holds them keeps only a day. Both
 * are filled from what is left: the country from the session's last message, the ids from the send
 * log. The history reads a project's sessions newest first by `created_at`, then id; retention
 * finds what is past its age across projects by `created_at` (messages, sessions) and `at` (audit).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  ALTER TABLE verify_sessions ADD COLUMN country TEXT;
  ALTER TABLE verify_sessions ADD COLUMN message_ids TEXT NOT NULL DEFAULT '[]';
  UPDATE verify_sessions SET country = (
    SELECT m.country FROM messages m
     WHERE m.project_id = verify_sessions.project_id AND m.created_at = verify_sessions.last_sent_at
       AND m.recipient = verify_sessions.recipient
     LIMIT 1);
  UPDATE verify_sessions SET message_ids = (
    SELECT json_group_array(message_id) FROM (
      SELECT message_id FROM verify_sends WHERE session_id = verify_sessions.id ORDER BY id))
   WHERE id IN (SELECT session_id FROM verify_sends);
  CREATE INDEX verify_sessions_project_history ON verify_sessions(project_id, created_at, id);
  CREATE INDEX verify_sessions_created ON verify_sessions(created_at);
  CREATE INDEX messages_created ON messages(created_at);
  CREATE INDEX audit_at ON audit(at);
`;
