import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import { AppError } from '../../domain/app-error.js';
import { spoolFile } from '../../crypto/spool-file.js';
import type { ApiRequest } from './handler.js';

/** A CSV file received to disk, with the form's other fields (multipart) or none. */
export interface ReceivedCsv {
  bytes: number;
  sha256: string;
  fileName: string | null;
  /** A multipart form's text fields (`delimiter`, `mapping`, `groupId`), each at most 64 KB. */
  fields: Record<string, string>;
}

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/plain', 'application/vnd.ms-excel']);

/** A multipart form's first file part (`file`, or any), spooled; its text fields collected. */
function receiveMultipart(req: ApiRequest, file: string, maxBytes: number): Promise<ReceivedCsv> {
  return new Promise((resolve, reject) => {
    let busboy: BusboyInstance;
    try {
      busboy = new Busboy({
        headers: req.headers as BusboyHeaders,
        limits: { files: 1, fieldSize: 64 * 1024, fields: 20 },
      });
    } catch {
      reject(new AppError('unsupported_media_type', 'A multipart body needs its boundary.'));
      return;
    }
    const fields: Record<string, string> = {};
    let upload: Promise<{ bytes: number; sha256: string; fileName: string | null }> | null = null;
    busboy.on('field', (name: string, value: string) => {
      fields[name] = value;
    });
    busboy.on('file', (_field: string, stream: Readable, fileName: string) => {
      upload = spoolFile(stream, file, maxBytes).then((r) => ({
        ...r,
        fileName: fileName ? fileName.slice(0, 255) : null,
      }));
      upload.catch(() => stream.resume());
    });
    busboy.on('error', (error: Error) =>
      reject(
        new AppError('validation_failed', `The multipart body is malformed: ${error.message.slice(0, 200)}`, {
          field: 'file',
        }),
      ),
    );
    busboy.on('finish', () => {
      if (!upload) {
        reject(new AppError('validation_failed', 'The form has no file part.', { field: 'file' }));
        return;
      }
      upload.then((r) => resolve({ ...r, fields }), reject);
    });
    req.pipe(busboy);
  });
}

/**
 * Receives a CSV upload to `file`: a `text/csv` body (or `application/csv`, `text/plain`), or a
 * `multipart/form-data` form with a file part and optional text fields. Refused: another type
 * (`415`), more than `maxBytes` (`413`; nothing past the limit is written to disk),
 * an empty file (`400`). On refusal the partial file is removed.
 */
export async function receiveCsv(req: ApiRequest, file: string, maxBytes: number): Promise<ReceivedCsv> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  try {
    let received: ReceivedCsv;
    if (type === 'multipart/form-data') received = await receiveMultipart(req, file, maxBytes);
    else if (CSV_TYPES.has(type)) received = { ...(await spoolFile(req, file, maxBytes)), fileName: null, fields: {} };
    else {
      throw new AppError(
        'unsupported_media_type',
        'Send the file as `text/csv`, or as the `file` part of a `multipart/form-data` form.',
      );
    }
    if (received.bytes === 0) throw new AppError('validation_failed', 'The file is empty.', { field: 'file' });
    return received;
  } catch (error) {
    await fs.promises.rm(file, { force: true });
    if (!req.complete) req.unpipe();
    throw error instanceof AppError
      ? error
      : new AppError('validation_failed', 'The upload did not arrive whole.', { field: 'file' });
  }
}
