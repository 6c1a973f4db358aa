import { expect, it } from 'vitest';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';

it.runIf(await postgresAvailable())('creates the PostgreSQL schema and reads BIGINT back as a number', async () => {
  const { db, drop } = await freshDatabase();
  try {
    await db.query('INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)', [
      'acc_1',
      'A',
      1_700_000_000_123,
    ]);
    const { rows } = await db.query<{ created_at: number }>('SELECT created_at FROM accounts');
    expect(rows).toEqual([{ created_at: 1_700_000_000_123 }]);
  } finally {
    await drop();
  }
});
