/**
 * Schema version 11. Templates keep every version of their definition, an `active` switch and a
 * category; a narrow side table counts their uses, so a send never rewrites the (up to 100 KB)
 * template row; messages record the template version they were rendered from (issue 12).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  ALTER TABLE templates ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE templates ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE templates ADD COLUMN category TEXT NOT NULL DEFAULT 'other' CHECK (category IN
    ('marketing', 'notifications', 'alerts', 'reminders', 'confirmations', 'promotions', 'otp', 'other'));

  -- definition: the template as saved (channel, channels, recipient, subject, body, html, params,
  -- category), JSON. created_by: 'member:<id>' | 'admin_token:<id>' | 'cli' | 'system' | 'migration'.
  CREATE TABLE template_versions (
    template_id TEXT NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (template_id, version)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO template_versions
    SELECT id, 1, json_object('channel', channel, 'channels', json(coalesce(channels, 'null')),
      'recipient', json(recipient), 'subject', subject, 'body', body, 'html', html, 'params', json(params),
      'category', 'other'), updated_at, 'migration'
    FROM templates;

  -- One row per template, created with it; a send bumps it in the send's own transaction.
  CREATE TABLE template_stats (
    template_id TEXT PRIMARY KEY REFERENCES templates(id) ON DELETE CASCADE,
    usage_count INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER
  ) STRICT, WITHOUT ROWID;
  INSERT INTO template_stats
    SELECT t.id, count(m.id), max(m.created_at) FROM templates t
      LEFT JOIN messages m ON m.project_id = t.project_id AND m.template = t.name
     GROUP BY t.id;

  ALTER TABLE messages ADD COLUMN template_version INTEGER;
  `;
