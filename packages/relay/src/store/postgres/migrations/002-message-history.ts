/**
 * Version 2. The message history (`GET /v1/messages`, issue 14) reads a project's messages newest
 * first by `created_at`, then id in byte order (`COLLATE "C"`, SQLite's order): one index in that
 * order replaces the one on `(project_id, created_at)`, which it also serves.
 */
export default `
CREATE INDEX messages_project_history ON messages(project_id, created_at, id COLLATE "C");
DROP INDEX messages_project_created;
`;
