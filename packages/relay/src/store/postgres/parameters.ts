/**
 * A statement's parameter list, built while its text is: `param(value)` appends a value and
 * returns its placeholder (`$3`), `params(list)` does so for each and joins them with commas.
 */
export function parameters(values: unknown[] = []) {
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const params = (list: unknown[]): string => list.map(param).join(', ');
  return { values, param, params };
}
