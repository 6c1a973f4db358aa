// `libphonenumber-js/max` rather than the default (min) build: min metadata carries no per-type
// patterns, so `getType()` answers `undefined` and `isValid()` only checks lengths. The relay is a
// server, so the larger metadata (~150 KB) costs nothing that matters.
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumberType } from 'libphonenumber-js/max';

import type { NumberType } from '@messagejs/shared-types';

export type { CountryCode } from 'libphonenumber-js/max';

/** Inputs longer than this are refused before parsing (a cheap guard; E.164 is at most 16 chars). */
const MAX_INPUT_LENGTH = 32;

/**
 * Characters a typed phone number may contain: digits of any script (`\p{Nd}`, so `٠٦١٢…` works),
 * `+` (and its full-width form), spaces, and the usual separators `( ) . / -` and dashes. Anything
 * else — letters, `ext.`, surrounding prose — makes the input "not a phone": libphonenumber's
 * default parse would otherwise extract `+212…` out of `call +212… now`.
 */
const PHONE_CHARS = /^[\p{Nd}+\uFF0B\s()./\-\u2010-\u2015\u2212]+$/u;

/** Options of {@link normalizePhone} and {@link analyzePhone}. */
export interface PhoneOptions {
  /**
   * The country assumed for numbers written without an international prefix (`0612345678`).
   * Numbers written with `+` or `00` ignore it.
   * @default undefined (national numbers are then refused as `invalid`)
   * @example { defaultCountry: 'MA' }
   */
  defaultCountry?: CountryCode;
}

/** The answer of {@link normalizePhone}. */
export type NormalizePhoneResult =
  | { ok: true; e164: string; country: CountryCode | undefined; nationalNumber: string; type: PhoneType }
  | { ok: false; reason: 'invalid' | 'not_a_phone' };

/**
 * A number's type, as libphonenumber classifies it, in snake_case: the names projects list in
 * `allowedNumberTypes` (one list, `numberTypes` in `store/types.ts`).
 */
export type PhoneType = NumberType;

/** The answer of {@link analyzePhone}. Every field but `input` and `valid` is `null` for an invalid number. */
export interface PhoneAnalysis {
  /** The input, as given. */
  input: string;
  valid: boolean;
  /** `+212612345678`; `null` unless `valid`. */
  e164: string | null;
  /** ISO 3166-1 alpha-2 region (`MA`); `null` when unknown or for non-geographic numbers (`+800…`). */
  country: string | null;
  /** `null` unless `valid`. */
  type: PhoneType | null;
  /** The operator that was allocated the number's prefix (only MA and GA are known). */
  operator: string | null;
  /** `'prefix'` when `operator` was found: numbers are portable, so it is the original allocation. */
  operatorSource: 'prefix' | null;
}

/**
 * Mobile operators by prefix of the national significant number (the digits after the country
 * code), for the countries the relay knows. Numbers are portable, so this names the operator the
 * block was **allocated** to, not necessarily the one serving the subscriber today. Looked up by
 * longest matching prefix; a number matching no prefix has no operator.
 *
 * Morocco (MA): Google libphonenumber's carrier data `resources/carrier/en/212.txt` (2022 data, as
 * shipped in python-phonenumbers `carrierdata/data0.py`), itself built from ANRT's
 * "blocs de numéros par opérateur" (https://www.anrt.ma/sites/default/files/blocs_de_numeros_par_operateur_juillet_2016.pdf).
 * That file still says "Méditel", the operator rebranded Orange Maroc in December 2016. The
 * Al Hourria Telecom (Globalstar) blocks 6921–6922 are left out. ANRT has since opened further
 * 07 blocks (e.g. 073x, 075x) whose holder we could not confirm from a primary source: they
 * resolve to `null`.
 *
 * Gabon (GA): since the 9-digit plan (ARCEP, 15 November 2019; 8-digit numbers switched off on
 * 6 April 2024 — https://news.alibreville.com/h/114469.html, https://news.alibreville.com/h/89332.html)
 * mobile numbers are `0` + 8 digits nationally and `+241` + 8 digits internationally, with the
 * `6x` range held by Gabon Télécom's mobile arm (Libertis and Moov, merged as Moov Africa Gabon
 * Télécom; 062, 065, 066) and the `7x` range by Airtel (074, 077). The `0x` entries cover numbers
 * stored in the old 8-digit form (`+241 07 xx xx xx`), which libphonenumber still accepts; they
 * match libphonenumber's `resources/carrier/en/241.txt` (24104/24107 Airtel, 24105 Moov,
 * 24106 Libertis) and ARCEP's migration table (02/05/06 → 062/065/066, 04/07 → 074/077).
 */
export const mobileOperatorPrefixes = {
  MA: {
    '60': 'Inwi',
    '61': 'Maroc Telecom',
    '612': 'Orange Maroc',
    '614': 'Orange Maroc',
    '617': 'Orange Maroc',
    '619': 'Orange Maroc',
    '620': 'Orange Maroc',
    '621': 'Orange Maroc',
    '622': 'Maroc Telecom',
    '623': 'Maroc Telecom',
    '624': 'Maroc Telecom',
    '625': 'Orange Maroc',
    '626': 'Inwi',
    '627': 'Inwi',
    '628': 'Maroc Telecom',
    '629': 'Inwi',
    '630': 'Inwi',
    '631': 'Orange Maroc',
    '632': 'Orange Maroc',
    '633': 'Inwi',
    '634': 'Inwi',
    '635': 'Inwi',
    '636': 'Maroc Telecom',
    '637': 'Maroc Telecom',
    '638': 'Inwi',
    '639': 'Maroc Telecom',
    '640': 'Inwi',
    '641': 'Maroc Telecom',
    '642': 'Maroc Telecom',
    '643': 'Maroc Telecom',
    '644': 'Orange Maroc',
    '645': 'Orange Maroc',
    '646': 'Inwi',
    '647': 'Inwi',
    '648': 'Maroc Telecom',
    '649': 'Orange Maroc',
    '65': 'Maroc Telecom',
    '656': 'Orange Maroc',
    '657': 'Orange Maroc',
    '660': 'Orange Maroc',
    '661': 'Maroc Telecom',
    '662': 'Maroc Telecom',
    '663': 'Orange Maroc',
    '664': 'Orange Maroc',
    '665': 'Orange Maroc',
    '666': 'Maroc Telecom',
    '667': 'Maroc Telecom',
    '668': 'Maroc Telecom',
    '669': 'Orange Maroc',
    '67': 'Maroc Telecom',
    '674': 'Orange Maroc',
    '675': 'Orange Maroc',
    '679': 'Orange Maroc',
    '680': 'Inwi',
    '681': 'Inwi',
    '682': 'Maroc Telecom',
    '684': 'Orange Maroc',
    '687': 'Inwi',
    '688': 'Orange Maroc',
    '689': 'Maroc Telecom',
    '690': 'Inwi',
    '691': 'Orange Maroc',
    '693': 'Orange Maroc',
    '694': 'Orange Maroc',
    '695': 'Inwi',
    '696': 'Maroc Telecom',
    '697': 'Maroc Telecom',
    '698': 'Inwi',
    '699': 'Inwi',
    '70': 'Inwi',
    '71': 'Inwi',
    '72': 'Inwi',
    '76': 'Maroc Telecom',
    '77': 'Orange Maroc',
    '78': 'Orange Maroc',
  },
  GA: {
    '6': 'Moov Africa Gabon',
    '7': 'Airtel Gabon',
    '02': 'Moov Africa Gabon',
    '05': 'Moov Africa Gabon',
    '06': 'Moov Africa Gabon',
    '04': 'Airtel Gabon',
    '07': 'Airtel Gabon',
  },
} as const satisfies Partial<Record<CountryCode, Readonly<Record<string, string>>>>;

const operatorTables: Partial<Record<CountryCode, Readonly<Record<string, string>>>> = mobileOperatorPrefixes;

const phoneTypes: Record<PhoneNumberType, PhoneType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PERSONAL_NUMBER: 'personal_number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

type Parsed = NonNullable<ReturnType<typeof parsePhoneNumberFromString>>;

function parseStrict(
  input: string,
  options: PhoneOptions,
): { parsed: Parsed; type: PhoneType } | { reason: 'invalid' | 'not_a_phone' } {
  const trimmed = input.trim();
  if (trimmed.length > MAX_INPUT_LENGTH) return { reason: 'invalid' };
  if (!PHONE_CHARS.test(trimmed) || !/\p{Nd}/u.test(trimmed)) return { reason: 'not_a_phone' };
  // `00` is the international prefix almost everywhere (ITU-T E.164 recommends it), but
  // libphonenumber only honours it when the default country uses it: turn it into `+` so that
  // `00212…` works with no default country, or with one whose prefix differs (US dials 011).
  const international = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(international, { defaultCountry: options.defaultCountry });
  if (!parsed) return { reason: 'invalid' };
  // With the max metadata, `isValid()` is exactly `getType() !== undefined` (libphonenumber-js
  // `isValid.js`: every region has type patterns): one pass gives both, so knowing the type costs
  // a send nothing.
  const numberType = parsed.getType();
  if (numberType === undefined) return { reason: 'invalid' };
  return { parsed, type: phoneTypes[numberType] };
}

/**
 * Normalises a typed phone number to E.164: trims it, accepts international (`+212 6 12 34 56 78`,
 * `00212…`) and national (`0612345678` with `defaultCountry: 'MA'`) forms, and keeps only numbers
 * libphonenumber considers valid.
 *
 * - `not_a_phone`: the input holds something other than digits, `+`, spaces and separators
 *   (letters, an `ext.` suffix, prose around the number), or no digit at all.
 * - `invalid`: longer than 32 characters, or phone-like but not a valid number (wrong length,
 *   unallocated range, or national form with no `defaultCountry`).
 *
 * `type` is the number's type (`mobile`, `fixed_line`, `premium_rate`…), found in the same pass.
 *
 * @example
 * normalizePhone('06 12 34 56 78', { defaultCountry: 'MA' })
 * // → { ok: true, e164: '+212612345678', country: 'MA', nationalNumber: '612345678', type: 'mobile' }
 */
export function normalizePhone(input: string, options: PhoneOptions = {}): NormalizePhoneResult {
  const result = parseStrict(input, options);
  if ('reason' in result) return { ok: false, reason: result.reason };
  return {
    ok: true,
    e164: result.parsed.number,
    country: result.parsed.country,
    nationalNumber: result.parsed.nationalNumber,
    type: result.type,
  };
}

/**
 * Looks up the operator a number's prefix was allocated to, by longest prefix of its national
 * significant number, in {@link mobileOperatorPrefixes}. `null` for other countries and unknown
 * prefixes.
 *
 * @example operatorByPrefix('MA', '612345678') // → 'Orange Maroc'
 */
export function operatorByPrefix(country: CountryCode, nationalNumber: string): string | null {
  const table = operatorTables[country];
  if (!table) return null;
  for (let length = nationalNumber.length; length > 0; length--) {
    const operator = table[nationalNumber.slice(0, length)];
    if (operator !== undefined) return operator;
  }
  return null;
}

/**
 * Describes a typed phone number: whether it is valid, its E.164 form, region, type
 * (`mobile`, `fixed_line`, …) and, for Morocco and Gabon, the operator its prefix was allocated to.
 * Accepts the same inputs as {@link normalizePhone}.
 *
 * @example
 * analyzePhone('+241 77 12 34 56', {})
 * // → { input: '+241 77 12 34 56', valid: true, e164: '+24177123456', country: 'GA',
 * //     type: 'mobile', operator: 'Airtel Gabon', operatorSource: 'prefix' }
 */
export function analyzePhone(input: string, options: PhoneOptions = {}): PhoneAnalysis {
  const result = parseStrict(input, options);
  if ('reason' in result) {
    return { input, valid: false, e164: null, country: null, type: null, operator: null, operatorSource: null };
  }
  const { parsed } = result;
  const operator = parsed.country ? operatorByPrefix(parsed.country, parsed.nationalNumber) : null;
  return {
    input,
    valid: true,
    e164: parsed.number,
    country: parsed.country ?? null,
    type: result.type,
    operator,
    operatorSource: operator === null ? null : 'prefix',
  };
}
