import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../domain/app-error.js';

/**
 * Writes `source` to `file` (mode 0600), counting and hashing what passes: the import's copy of
 * an uploaded or named file (its directory made, 0700, when missing: the data directory holds no
 * `imports/` until the first import). Past `maxBytes` it stops with `413 payload_too_large`; the
 * caller removes the partial file.
 */
export async function spoolFile(
  source: Readable,
  file: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(new AppError('payload_too_large', `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, meter, fs.createWriteStream(file, { mode: 0o600 }));
  return { bytes, sha256: hash.digest('hex') };
}
