/**
 * Version 3, SQLite's 13. The verification sessions' history (`GET /v1/verify/sessions`, issue 14)
 * and retention (`MESSAGEJS_RETENTION_DAYS`, `MESSAGEJS_AUDIT_RETENTION_DAYS`): a session keeps
 * its recipient's country and the ids of the messages that carried its codes (JSON text, the last
 * 20), filled from what is left (the session's last message, the day-long send log); the history
 * reads a project's sessions newest first by `created_at`, then id in byte order (`COLLATE "C"`,
 * SQLite's order); retention finds what is past its age across projects by `created_at` and `at`.
 */
export default `
ALTER TABLE verify_sessions ADD COLUMN country TEXT;
ALTER TABLE verify_sessions ADD COLUMN message_ids TEXT NOT NULL DEFAULT '[]';
UPDATE verify_sessions s SET country = (
  SELECT m.country FROM messages m
   WHERE m.project_id = s.project_id AND m.created_at = s.last_sent_at AND m.recipient = s.recipient
   LIMIT 1);
UPDATE verify_sessions s SET message_ids = (
  SELECT json_agg(v.message_id ORDER BY v.id)::text FROM verify_sends v WHERE v.session_id = s.id)
 WHERE s.id IN (SELECT session_id FROM verify_sends);
CREATE INDEX verify_sessions_project_history ON verify_sessions(project_id, created_at, id COLLATE "C");
CREATE INDEX verify_sessions_created ON verify_sessions(created_at);
CREATE INDEX messages_created ON messages(created_at);
CREATE INDEX audit_at ON audit(at);
`;
