/**
 * Schema version 4. Partial indexes for provider-id lookups (status webhooks).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  -- Provider ids are looked up by status webhooks. Partial indexes skip the rows that have none
  -- yet (every new message), and attempts get the index their lookup lacked (it scanned).
  DROP INDEX messages_provider;
  CREATE INDEX messages_provider ON messages(connector_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
  CREATE INDEX message_attempts_provider ON message_attempts(connector_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
  `;
