import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { decodeKey, loadConfig } from '../../config.js';
import { MASTER_KEY_FILE } from '../../crypto/master-key.js';
import { masterKeyId } from '../../crypto/sealer.js';
import { copySqliteToPostgres, type CopyReport } from '../../store/copy.js';
import { envWithDataDir, jsonOption, print } from '../options.js';
import { table } from '../table.js';

/** A PostgreSQL URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(the --to URL)';
  }
}

/** Where a master key was found, and its id (never the key). */
interface KeySource {
  where: string;
  keyId: string;
}

/** The master keys this machine has for the source: `MESSAGEJS_MASTER_KEY` and the data directory's key file. */
function masterKeys(from: string): KeySource[] {
  const found: KeySource[] = [];
  const env = loadConfig(envWithDataDir({ dataDir: from })).masterKey;
  if (env) found.push({ where: 'MESSAGEJS_MASTER_KEY (this environment)', keyId: masterKeyId(env) });
  const file = path.join(path.resolve(from), MASTER_KEY_FILE);
  const key = fs.existsSync(file) ? decodeKey(fs.readFileSync(file, 'utf8')) : null;
  if (key) found.push({ where: file, keyId: masterKeyId(key) });
  return found;
}

/**
 * What the operator must do about the master key: the target relays open the copied sealed
 * values (connector credentials, signing keys, pending codes) only with the key that sealed them.
 */
export function masterKeyAdvice(sealedKeyIds: string[], keys: KeySource[]): string[] {
  const lines = [
    'Master key: every relay and worker on the target must have the key the copied sealed values were sealed with',
    '(connector credentials, signing keys, pending verification codes). Set MESSAGEJS_MASTER_KEY on each of them.',
  ];
  if (sealedKeyIds.length === 0) lines.push('  Nothing sealed was copied.');
  else lines.push(`  The copied values name master key id ${sealedKeyIds.join(', ')}.`);
  for (const key of keys) {
    const opens = sealedKeyIds.includes(key.keyId);
    lines.push(
      `  ${key.where}: key id ${key.keyId}${sealedKeyIds.length > 0 ? (opens ? ' (this key)' : ' (not it)') : ''}`,
    );
  }
  const file = keys.find((k) => k.where.endsWith(MASTER_KEY_FILE) && sealedKeyIds.includes(k.keyId));
  if (file) lines.push(`  Use the contents of ${file.where} (not printed here) as MESSAGEJS_MASTER_KEY.`);
  if (keys.length === 0)
    lines.push('  No master key here: neither MESSAGEJS_MASTER_KEY nor a master.key file in --from.');
  const missing = sealedKeyIds.filter((id) => !keys.some((k) => k.keyId === id));
  if (missing.length > 0) {
    lines.push(`  No key here has id ${missing.join(', ')}: find it before starting relays on the target.`);
  }
  return lines;
}

/** The per-table count check, as printed. */
function countsTable(report: CopyReport): string {
  return table(
    report.tables.map((t) => ({
      table: t.table,
      source: t.source,
      target: t.target,
      check: t.source === t.target ? 'ok' : 'MISMATCH',
    })),
  );
}

async function copy(opts: { from: string; to: string; json?: boolean }): Promise<void> {
  const target = redact(opts.to);
  // Read before copying: a bad environment must fail before anything is written, not after.
  const keys = masterKeys(opts.from);
  process.stderr.write(`Copying ${path.resolve(opts.from)} into ${target} (stop the relay on it first).\n`);
  const report = await copySqliteToPostgres({
    from: opts.from,
    to: opts.to,
    onTable: (name, rows, ms) =>
      process.stderr.write(`  ${name.padEnd(22)} ${String(rows).padStart(9)} rows  ${ms} ms\n`),
  });
  const total = report.tables.reduce((sum, t) => sum + t.target, 0);
  if (opts.json) print({ target, ...report, masterKeys: keys }, true);
  else {
    print(countsTable(report));
    if (report.committed) {
      print(
        `\nCopied ${total} rows in ${report.tables.length} tables into ${target} (schema version ` +
          `${report.migrated.from} → ${report.migrated.to}).\n\n${masterKeyAdvice(report.sealedKeyIds, keys).join('\n')}`,
      );
    }
  }
  if (!report.committed) {
    throw new Error('The row counts differ (MISMATCH above): the copy was rolled back, nothing was written.');
  }
}

/** `copy`: moves a SQLite installation into PostgreSQL (`store/copy.ts`). */
export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description(
      'Copy a SQLite installation (every table: projects, keys, sealed credentials, templates, history, the pending ' +
        'outbox, accounts) into an empty PostgreSQL database, in one transaction with a per-table count check.',
    )
    .requiredOption('--from <dir>', 'the SQLite data directory to copy (stop its relay first)')
    .requiredOption('--to <url>', 'the target PostgreSQL URL (postgres://…); its tables must be empty')
    .addOption(jsonOption('print the report as JSON'))
    .action(copy);
}
