/**
 * Schema version 12. The message history (`GET /v1/messages`, issue 14) reads a project's
 * messages newest first by `created_at`, then id: one index in that order replaces the one on
 * `(project_id, created_at)`, which it also serves. Never edit a shipped migration: add the next one.
 */
export const up = `
  CREATE INDEX messages_project_history ON messages(project_id, created_at, id);
  DROP INDEX messages_project_created;
`;
