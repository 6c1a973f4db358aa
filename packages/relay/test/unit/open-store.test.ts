import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { backendOf, migrateStore, openStore, redactDatabaseUrl } from '../../src/store/open-store.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { tempDir } from '../helpers/start-relay.js';

const silent = pino({ level: 'silent' });
let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs = [];
});
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

describe('config: the database', () => {
  it('is SQLite (databaseUrl null) unless MESSAGEJS_DATABASE_URL is set, with a pool of 10', () => {
    const config = loadConfig({});
    expect([config.databaseUrl, config.databasePoolMax]).toEqual([null, 10]);
    expect(backendOf(config)).toBe('sqlite');
  });

  it.each(['postgres://relay:pw@db:5432/messagejs', 'postgresql://db/messagejs?sslmode=require'])(
    'takes %s as PostgreSQL',
    (url) => {
      const config = loadConfig({ MESSAGEJS_DATABASE_URL: url, MESSAGEJS_DATABASE_POOL_MAX: '25' });
      expect([config.databaseUrl, config.databasePoolMax]).toEqual([url, 25]);
      expect(backendOf(config)).toBe('postgres');
    },
  );

  it('refuses other URLs and pool sizes, naming both, without echoing the URL (it may hold a password)', () => {
    let error: unknown;
    try {
      loadConfig({ MESSAGEJS_DATABASE_URL: 'mysql://root:hunter2@db/x', MESSAGEJS_DATABASE_POOL_MAX: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('MESSAGEJS_DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(problems).toContain('MESSAGEJS_DATABASE_POOL_MAX');
    expect(problems).not.toContain('hunter2');
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password wherever the URL carries it', () => {
    expect(redactDatabaseUrl('postgres://relay:hunter2@db:5432/messagejs')).toBe(
      'postgres://relay:***@db:5432/messagejs',
    );
    expect(redactDatabaseUrl('postgres://db/messagejs?user=relay&password=hunter2')).toBe(
      'postgres://db/messagejs?user=relay&password=***',
    );
    expect(redactDatabaseUrl('postgres://db/messagejs')).toBe('postgres://db/messagejs');
  });
});

describe('openStore', () => {
  it('opens the SQLite database in the data directory, which has no notices (onWork)', async () => {
    const dataDir = dir();
    const store = await openStore({ dataDir, databaseUrl: null, databasePoolMax: 10 }, silent);
    try {
      expect(await store.ping()).toBe(true);
      expect(store.onWork).toBeUndefined();
      expect(fs.existsSync(path.join(dataDir, 'messagejs.db'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('says which PostgreSQL database it could not open, without its password', async () => {
    const dataDir = dir();
    const url = 'postgres://relay:hunter2@127.0.0.1:1/messagejs';
    const error = await openStore({ dataDir, databaseUrl: url, databasePoolMax: 2 }, silent).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'Could not open the PostgreSQL database postgres://relay:***@127.0.0.1:1/messagejs: ',
    );
    expect((error as Error).message).not.toContain('hunter2');
    // Nothing of SQLite was made instead.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});

describe('migrateStore on SQLite', () => {
  it('reports the versions it migrated from and to, then that nothing was pending', async () => {
    const dataDir = dir();
    const config = { dataDir, databaseUrl: null, databasePoolMax: 10 };
    expect(await migrateStore(config, silent)).toEqual({
      backend: 'sqlite',
      database: dataDir,
      from: 0,
      to: migrations.length,
    });
    expect(await migrateStore(config, silent)).toMatchObject({ from: migrations.length, to: migrations.length });
  });
});
