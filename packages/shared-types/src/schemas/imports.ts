import { z } from 'zod';
import { contactListQuerySchema } from './contacts.js';

/** Where an import stands. */
export const importStatuses = ['queued', 'processing', 'completed', 'failed'] as const;

/** The delimiters a file may use (`tab` for a tab). Guessed from the header when not given. */
export const csvDelimiters = [',', ';', 'tab', '|'] as const;

/** A column's target: a field, `custom.<key>`, or null to skip the column. */
const columnTarget = z
  .union([
    z.enum(['name', 'firstName', 'phone', 'email', 'telegramChatId', 'language', 'timeZone', 'status', 'groups']),
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    z.string().regex(/^custom\.[^\u0000-\u001F]{1,64}$/, 'custom.<key>'),
    z.null(),
  ])
  .describe('A contact field, `custom.<key>`, or null to skip the column.');

/** The mapping of the file's headers to fields; a JSON object (in the query or a form field it is JSON text). */
const mappingSchema = z
  .record(z.string().min(1).max(200), columnTarget)
  .refine((m) => Object.keys(m).length <= 200, 'at most 200 columns')
  .describe('Header → field (`phone`, `custom.company`, or null to skip); unmapped headers are recognised by name.');

const jsonText = <T extends z.ZodType>(schema: T) =>
  z.union([
    schema,
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'JSON text' });
          return z.NEVER;
        }
      })
      .pipe(schema),
  ]);

/** `POST /v1/projects/:projectId/contacts/import`'s options: in the query (a `text/csv` body) or the form's fields (multipart). */
export const contactImportOptionsSchema = z
  .strictObject({
    delimiter: z.enum(csvDelimiters).optional(),
    mapping: jsonText(mappingSchema).optional(),
    /** A group every contact of the file joins (its id). */
    groupId: z.string().min(1).max(64).optional(),
  })
  .describe(
    'How to read the file: its delimiter (guessed when absent), the header mapping, a group to add every contact to.',
  );

/** An import of contacts from a CSV file, and its progress. */
export const contactImportSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    status: z.enum(importStatuses),
    fileName: z.string().nullable(),
    bytes: z.number().int(),
    /** Data rows read so far (the header excluded). */
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    /** Rows that matched a contact and changed nothing (the same file again: every row). */
    unchanged: z.number().int(),
    /** Rows merged into a contact an earlier row of the file made or changed (the same phone twice). */
    duplicates: z.number().int(),
    /** Rows refused: each is in the report at `errorsUrl` (the first 10,000). */
    failed: z.number().int(),
    error: z.string().nullable(),
    errorsUrl: z.string(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .describe('A CSV import of contacts and its progress.');

/** `202` to an import: the import (`importId` is its `id`), queued; follow it at `GET /v1/imports/:importId`. */
export const contactImportAcceptedSchema = contactImportSchema
  .extend({ importId: z.string() })
  .describe('An import accepted: its id and its state, queued.');

/** `GET /v1/projects/:projectId/contacts/export`: the list's filters. */
export const contactExportQuerySchema = contactListQuerySchema
  .omit({ limit: true, cursor: true })
  .describe('Which contacts to export (the list’s filters).');

export type ContactImport = z.output<typeof contactImportSchema>;
export type ContactImportOptions = z.input<typeof contactImportOptionsSchema>;
