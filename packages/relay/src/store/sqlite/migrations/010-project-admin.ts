/**
 * Schema version 10. The admin API for projects (issue 12): a key's own rate limit, its last-used
 * time (written in batches, off the request path) and the key that replaced it when it was
 * rotated; when a connector last changed; why and by what a recipient opted out; the indexes
 * behind the paginated lists of keys, connectors and opt-outs.
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  -- rate_limit: JSON { perHour?, perMinute? }; NULL leaves the key to the project's per-key limit.
  ALTER TABLE api_keys ADD COLUMN rate_limit TEXT;
  ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
  ALTER TABLE api_keys ADD COLUMN replaced_by TEXT;
  CREATE INDEX api_keys_project_list ON api_keys(project_id, created_at, id);

  ALTER TABLE connectors ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
  UPDATE connectors SET updated_at = created_at;
  CREATE INDEX connectors_project_list ON connectors(project_id, created_at, id);

  -- source: 'api' (the admin API), 'cli', or 'provider' (a provider reported a STOP or a block).
  ALTER TABLE opt_outs ADD COLUMN reason TEXT;
  ALTER TABLE opt_outs ADD COLUMN source TEXT NOT NULL DEFAULT 'provider' CHECK (source IN ('api', 'cli', 'provider'));
  CREATE INDEX opt_outs_project_list ON opt_outs(project_id, created_at, address);
  `;
