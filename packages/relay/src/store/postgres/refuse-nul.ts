import { AppError } from '../../domain/app-error.js';

/**
 * PostgreSQL `text` cannot hold the NUL character (U+0000): a statement binding one fails with
 * error 22021, which SQLite never raises. So a PostgreSQL repository looks before it asks: a
 * lookup by a value holding NUL finds nothing (no stored text can hold one), and a write of one
 * is refused as bad input (`400 validation_failed`), never an internal error. JSON columns need
 * no care: `JSON.stringify` writes NUL as `\u0000`.
 */
export function hasNul(...values: ReadonlyArray<string | null | undefined>): boolean {
  return values.some((value) => typeof value === 'string' && value.includes('\u0000'));
}

/** Throws `validation_failed` naming the first of `fields` whose text holds NUL. */
export function refuseNul(fields: Readonly<Record<string, string | null | undefined>>): void {
  for (const [field, value] of Object.entries(fields)) {
    if (hasNul(value)) {
      throw new AppError('validation_failed', `\`${field}\` must not contain the NUL character (U+0000).`, { field });
    }
  }
}
