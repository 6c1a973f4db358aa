/**
 * Schema version 5. Per-project price tables and channel fallbacks.
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  -- Per-project SMS/WhatsApp price table (NULL: the relay's defaults) and channel fallbacks
  -- (channel → channels to cascade to when a message names none).
  ALTER TABLE projects ADD COLUMN prices TEXT;
  ALTER TABLE projects ADD COLUMN fallbacks TEXT NOT NULL DEFAULT '{}';
  `;
