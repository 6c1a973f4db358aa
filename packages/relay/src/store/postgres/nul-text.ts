import { AppError } from '../../domain/app-error.js';
import type { PgDb, Queryable } from './queryable.js';

/**
 * PostgreSQL `text` cannot hold the NUL character (U+0000): a statement binding one fails with
 * error 22021, which SQLite never raises. A caller's text never brings one this far (the JSON body
 * check refuses control characters with a `400` on every backend), so what is left here is the
 * PostgreSQL store's own guard, for text that reaches it another way:
 * - a lookup by a value holding NUL finds nothing (no stored text can hold one): `hasNul`;
 * - a write of one is refused as bad input (`400 validation_failed`), never an internal error:
 *   `refuseNul` names the field, `refusingNul` guards every statement of a repository;
 * - what a provider said is kept, with U+FFFD in place of NUL: `withoutNul`.
 * JSON columns need no care: `JSON.stringify` writes NUL as `\u0000`.
 */
const NUL = '\u0000';

/** True when a value (or a string in an array value, at any depth) holds U+0000. */
export function hasNul(...values: readonly unknown[]): boolean {
  return values.some((v) =>
    typeof v === 'string' ? v.includes(NUL) : Array.isArray(v) ? hasNul(...(v as unknown[])) : false,
  );
}

/** Throws `validation_failed` naming the first of `fields` whose text holds NUL. */
export function refuseNul(fields: Readonly<Record<string, string | null | undefined>>): void {
  for (const [field, value] of Object.entries(fields)) {
    if (hasNul(value)) {
      throw new AppError('validation_failed', `\`${field}\` must not contain the NUL character (U+0000).`, { field });
    }
  }
}

const refused = () => new AppError('validation_failed', 'Text must not contain the NUL character (U+0000).');

function guarded(q: Queryable): Queryable {
  return {
    query(text, values, name) {
      if (values && hasNul(values)) return Promise.reject(refused());
      return q.query(text, values, name);
    },
    arrays(text, values) {
      if (values && hasNul(values)) return Promise.reject(refused());
      return q.arrays(text, values);
    },
  };
}

/**
 * `db` refusing, before PostgreSQL sees it, a statement whose parameters hold U+0000: a
 * `400 validation_failed` instead of error 22021 becoming a `500`. Lookups that SQLite would
 * answer "not found" check `hasNul` themselves and answer so without a statement.
 */
export function refusingNul(db: PgDb): PgDb {
  return {
    ...guarded(db),
    tx: (work) => db.tx((q) => work(guarded(q))),
  };
}

/**
 * `value` with each U+0000 replaced by U+FFFD: what a provider said (an error code or message, a
 * message id) is kept, PostgreSQL's text cannot hold U+0000, and refusing it would fail a delivery
 * or a status callback over a character no one reads. SQLite stores it as is.
 */
export function withoutNul<T extends string | null>(value: T): T {
  return (value !== null && value.includes(NUL) ? value.replaceAll(NUL, '\uFFFD') : value) as T;
}
