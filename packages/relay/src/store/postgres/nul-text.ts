import { AppError } from '../../domain/app-error.js';
import type { PgDb, Queryable } from './queryable.js';

const NUL = '\u0000';

/**
 * True when a value (or a string in an array value) holds U+0000. SQLite's TEXT stores it;
 * PostgreSQL's `text` cannot (error 22021), so no stored row ever contains it there.
 */
export function hasNul(...values: readonly unknown[]): boolean {
  return values.some((v) =>
    typeof v === 'string' ? v.includes(NUL) : Array.isArray(v) ? hasNul(...(v as unknown[])) : false,
  );
}

const refused = () => new AppError('validation_failed', 'Text must not contain the NUL character (U+0000).');

function guarded(q: Queryable): Queryable {
  return {
    query(text, values, name) {
      if (values && hasNul(values)) return Promise.reject(refused());
      return q.query(text, values, name);
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
