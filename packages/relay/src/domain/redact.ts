import { maskAddress } from './mask.js';

/** Keys whose values never reach the audit log: credentials, secrets, passwords, tokens, hashes. */
const SECRET_KEY = /^(credentials|privateJwk)$|password|secret|token$|hash$|^sealed/i;

/** Keys holding a fixed recipient, masked like everywhere else (`+2126••••5678`). */
const ADDRESS_KEY = /^(to|recipient|address)$/;

/**
 * A copy of `value` fit for the audit log's `before`/`after`: the values of secret-named keys
 * become `"[redacted]"` and recipients are masked. Depth-limited: bodies were already checked
 * against the nesting limit before any service ran.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(key) && v !== null && v !== undefined) out[key] = '[redacted]';
    else if (ADDRESS_KEY.test(key) && typeof v === 'string') out[key] = maskAddress(v);
    else out[key] = redact(v, depth + 1);
  }
  return out;
}
