import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { migrations } from './migrations/index.js';

/** The database file's name inside the data directory. */
export const DATABASE_FILE = 'messagejs.db';

/** The files next to the database that SQLite creates in WAL mode. */
const SIDE_FILES = ['-wal', '-shm'];

/**
 * Opens (creating when needed) the relay's SQLite database with WAL, foreign keys and a busy
 * timeout, and applies pending migrations in one transaction tracked by `PRAGMA user_version`.
 *
 * The files are private when the relay creates them: the directory 0700, the database 0600.
 * The database file is created empty with mode 0600 before SQLite opens it, because SQLite gives
 * `-wal` and `-shm` the main file's mode (and fixes it up past the umask). Setting the umask
 * around the open instead would change it for the whole process, including other files being
 * written at that moment. Existing files keep their mode: `insecureDataFiles` reports them.
 */
export function openDatabase(dataDir: string): Database.Database {
  return openMigrated(dataDir).db;
}

/** Schema versions before and after a migration run (equal when nothing was pending). */
export interface SchemaVersions {
  from: number;
  to: number;
}

/**
 * Opens the database as `openDatabase` does, applies its pending migrations, closes it and says
 * which versions it went from and to (`messagejs-relay migrate`).
 */
export function migrateSqlite(dataDir: string): SchemaVersions {
  const { db, versions } = openMigrated(dataDir);
  db.close();
  return versions;
}

function openMigrated(dataDir: string): { db: Database.Database; versions: SchemaVersions } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DATABASE_FILE);
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Deleted and overwritten content (a blanked verification body, a revoked key) is zeroed, not
  // left in free space where a copy of the file would still show it.
  db.pragma('secure_delete = ON');
  return { db, versions: migrate(db) };
}

/** A data file that users other than the relay's own have some access to. */
export interface InsecureDataFile {
  path: string;
  /** The permission bits, octal (`0644`). */
  mode: string;
}

/**
 * The data directory and the data files in it (database, `-wal`, `-shm`, and the extra files
 * named, such as the master key) that exist and give the group or others any access (a mode
 * beyond 0700/0600). Call before the relay opens or creates them; nothing is changed.
 */
export function insecureDataFiles(dataDir: string, extraFiles: string[] = []): InsecureDataFile[] {
  const candidates = [
    dataDir,
    ...[DATABASE_FILE, ...SIDE_FILES.map((suffix) => DATABASE_FILE + suffix), ...extraFiles].map((name) =>
      path.join(dataDir, name),
    ),
  ];
  const found: InsecureDataFile[] = [];
  for (const candidate of candidates) {
    let mode: number;
    try {
      mode = fs.statSync(candidate).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) found.push({ path: candidate, mode: `0${mode.toString(8).padStart(3, '0')}` });
  }
  return found;
}

/** Warns when the data files (and `extraFiles`, such as the master key) are open to other users. */
export function warnAboutOpenDataFiles(dataDir: string, extraFiles: string[], logger: Pick<Logger, 'warn'>): void {
  const exposed = insecureDataFiles(dataDir, extraFiles);
  if (exposed.length === 0) return;
  logger.warn(
    { files: exposed },
    'data files are open to other users of this machine (the database holds message contents and recipients); the relay leaves them as they are: chmod 700 the data directory and 600 the files in it',
  );
}

function migrate(db: Database.Database): SchemaVersions {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `The database is at schema version ${current}, newer than this relay (${migrations.length}). Upgrade the relay.`,
    );
  }
  if (current === migrations.length) return { from: current, to: current };
  db.transaction(() => {
    for (let version = current; version < migrations.length; version++) db.exec(migrations[version]!);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
  return { from: current, to: migrations.length };
}
