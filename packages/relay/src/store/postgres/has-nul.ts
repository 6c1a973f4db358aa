/**
 * Whether any of `values` holds a NUL. PostgreSQL text cannot (error 22021), so no stored value
 * does: an equality on such a value matches no row, and the repositories answer so without asking.
 */
export function hasNul(...values: ReadonlyArray<string | null | undefined>): boolean {
  return values.some((v) => typeof v === 'string' && v.includes('\u0000'));
}
