import type { CountryCode } from 'libphonenumber-js';
import { analyzeRecipientsRequestSchema, type AnalyzeRecipientsResponse } from '@messagejs/shared-types';
import { analyzePhone } from '../../domain/phone.js';
import { requirePermission } from '../../domain/permissions.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { toValidationError } from '../../domain/validation.js';

/**
 * Up to 1,000 numbers → valid, E.164, country, type (the names of the project's allowed number
 * types), whether the project's phone channels would send to it, and, for Morocco and Gabon, the
 * original operator by prefix (numbers are portable). Server credentials only.
 */
export function analyzeRecipients(principal: KeyPrincipal, body: unknown): AnalyzeRecipientsResponse {
  requirePermission(principal, 'manage_contacts', 'Analysing numbers needs a secret key (from a server).');
  const { project } = principal;
  const parsed = analyzeRecipientsRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const defaultCountry = (parsed.data.defaultCountry ?? project.defaultCountry ?? undefined) as CountryCode | undefined;
  const results: AnalyzeRecipientsResponse['results'] = parsed.data.numbers.map((n) => {
    const a = analyzePhone(n, defaultCountry ? { defaultCountry } : {});
    // `allowed`: the phone channels would send to it (its country and its type are allowed).
    const allowed =
      a.country !== null &&
      a.type !== null &&
      project.allowedCountries.includes(a.country) &&
      project.allowedNumberTypes.includes(a.type);
    return { ...a, allowed };
  });
  return { results };
}
