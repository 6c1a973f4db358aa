import pg from 'pg';

/** The server the PostgreSQL suites use: `MESSAGEJS_TEST_DATABASE_URL`, else the local one. */
export const testDatabaseUrl = process.env.MESSAGEJS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Why the PostgreSQL test server does not answer, or `null` when it does: `vitest.config.ts` asks
 * before choosing which projects run (this file imports nothing but `pg`, so the config can load it).
 */
export async function postgresUnavailable(url = testDatabaseUrl): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    const { message, code } = error as { message?: string; code?: string };
    return message || code || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}
