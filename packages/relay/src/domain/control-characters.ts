/**
 * The C0 control characters no caller text may hold: U+0000 (PostgreSQL's text cannot store it,
 * SQLite's can, so refusing it here gives both backends one behaviour) and every other one but
 * tab, line feed and carriage return, which free text (a message body, a template) may hold.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/**
 * The path (`params.name`, `to.0`) of the first string or key holding a `CONTROL` character, as
 * `toValidationError` names fields; a key names itself. Recursive: only called on a body whose
 * depth the JSON body parser accepted (`http/platform/json-body.ts`).
 */
export function controlField(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return CONTROL.test(value) ? path.join('.') : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key];
    if (CONTROL.test(key)) return at.join('.');
    const found = controlField(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The path of the first string or key of `value` holding a control character, or undefined (a bulk request's items). */
export const controlFieldOf = (value: unknown): string | undefined => {
  const found = controlField(value);
  return found === undefined ? undefined : found || '(body)';
};
