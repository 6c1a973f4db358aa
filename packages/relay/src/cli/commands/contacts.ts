import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { contactStatuses, csvDelimiters } from '@messagejs/shared-types';
import { newId } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { listContacts } from '../../features/contacts/contacts.js';
import { exportContacts } from '../../features/contacts/export.js';
import { createImport, getImport, importErrorReport, importProject } from '../../features/contacts/import/imports.js';
import { csvCell } from '../../domain/csv-cell.js';
import { uploadPath } from '../../features/contacts/import/runner.js';
import { spoolFile } from '../../crypto/spool-file.js';
import { MAX_PAGE_SIZE } from '../../http/platform/pagination.js';
import { adminAction, projectOption } from '../options.js';

type Filters = { q?: string; status?: string; group?: string };

const filterOptions = (command: Command) =>
  command
    .option('--q <text>', 'text in the name, first name, email or phone')
    .addOption(new Option('--status <status>', 'only contacts in this status').choices([...contactStatuses]))
    .option('--group <groupId>', 'only the members of this group');

const filtersOf = (opts: Filters) => ({
  ...(opts.q !== undefined && { q: opts.q }),
  ...(opts.status !== undefined && { status: opts.status }),
  ...(opts.group !== undefined && { group: opts.group }),
});

/** `contacts import FILE`: the API's import, read in this process; prints the finished import. */
function registerImport(contacts: Command): void {
  adminAction(
    contacts
      .command('import <file>')
      .description(
        'Import contacts from a CSV file (header row; phone, email or telegram column; duplicates merged by phone); waits for the end and prints the counts.',
      )
      .addOption(projectOption())
      .addOption(
        new Option('--delimiter <delimiter>', 'the file’s delimiter (guessed when absent)').choices([...csvDelimiters]),
      )
      .option(
        '--mapping <json>',
        'header → field as JSON, e.g. {"Mobile":"phone","Société":"custom.company","Notes":null}',
      )
      .option('--group <groupId>', 'a group every contact of the file joins'),
    async (
      { store, actor, now, imports, config },
      opts: { project: string; delimiter?: string; mapping?: string; group?: string },
      file,
    ) => {
      const project = await importProject(store, opts.project, actor);
      if (!fs.existsSync(file)) throw new AppError('validation_failed', `No file ${file}.`, { field: 'file' });
      const id = newId('imp');
      const target = uploadPath(imports.dir, id);
      try {
        const copied = await spoolFile(fs.createReadStream(file), target, config.importMaxMb * 1024 * 1024);
        const options = {
          ...(opts.delimiter !== undefined && { delimiter: opts.delimiter }),
          ...(opts.mapping !== undefined && { mapping: opts.mapping }),
          ...(opts.group !== undefined && { groupId: opts.group }),
        };
        const upload = { id, ...copied, fileName: file.split(/[\\/]/).pop()!.slice(0, 255) };
        await createImport({ store, runner: imports }, project, upload, options, now, actor);
      } catch (error) {
        await fs.promises.rm(target, { force: true });
        throw error;
      }
      await imports.settled(id);
      return getImport(store, id, actor);
    },
  );
}

/** Writes text chunks to `sink`, waiting when it is full. */
const writerTo = (sink: NodeJS.WritableStream) => ({
  write: (chunk: string) =>
    new Promise<boolean>((resolve) => (sink.write(chunk) ? resolve(true) : sink.once('drain', () => resolve(true)))),
});

/** `contacts list | import | import-errors | export`. */
export function registerContacts(program: Command): void {
  const contacts = program.command('contacts').description('Manage a project’s contacts: list, CSV import and export.');
  adminAction(
    filterOptions(
      contacts.command('list').description('List contacts, newest first (up to 200).').addOption(projectOption()),
    ),
    async ({ store, actor }, opts: Filters & { project: string }) =>
      (await listContacts(store, opts.project, filtersOf(opts), { limit: MAX_PAGE_SIZE }, actor)).items,
    ['id', 'name', 'firstName', 'phone', 'email', 'status', 'groups'],
  );
  registerImport(contacts);
  adminAction(
    contacts
      .command('import-errors <importId>')
      .description('Print the rows an import refused, as CSV (row, line, field, code, message).'),
    async ({ store, actor }, _opts, importId) => {
      const report = await importErrorReport(store, importId, actor);
      await report.write(writerTo(process.stdout).write, csvCell);
      return undefined;
    },
  );
  adminAction(
    filterOptions(
      contacts
        .command('export')
        .description('Write contacts as CSV (the file imports back as it is) to --out, or to stdout.')
        .addOption(projectOption())
        .option('--out <file>', 'the file to write (created 0600)'),
    ),
    async ({ store, actor, now }, opts: Filters & { project: string; out?: string }) => {
      const exported = await exportContacts(store, opts.project, filtersOf(opts), now, actor);
      const sink = opts.out ? fs.createWriteStream(opts.out, { mode: 0o600 }) : process.stdout;
      await exported.stream(writerTo(sink));
      if (opts.out) {
        await new Promise<void>((resolve, reject) =>
          (sink as fs.WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        return `Contacts written to ${opts.out}.`;
      }
      return undefined;
    },
  );
}
