import { addAttempts, SHARD } from './005-analytics.js';

/**
 * Version 8. An attempt without a measured provider latency is counted in `timed` as untimed and
 * in no bucket of the latency histogram (migration 5 put it in the last one, which raised the p95
 * of a connector with such attempts). The same change as SQLite's migration 18.
 */
export default `
CREATE OR REPLACE FUNCTION message_attempts_stats() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${addAttempts('new_rows', SHARD, true)}
  RETURN NULL;
END
$fn$;
`;
