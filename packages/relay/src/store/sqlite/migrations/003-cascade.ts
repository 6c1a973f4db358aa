/**
 * Schema version 3. Messages whose body holds a secret (`sensitive`), the cascade's
 * `fallback_after_ms`, and outbox rows that are fallback checks (`kind`).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  ALTER TABLE messages ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN fallback_after_ms INTEGER;
  ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'send' CHECK (kind IN ('send', 'fallback_check'));
  `;
