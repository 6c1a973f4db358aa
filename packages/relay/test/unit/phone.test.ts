import { describe, expect, it } from 'vitest';
import {
  analyzePhone,
  mobileOperatorPrefixes,
  normalizePhone,
  operatorByPrefix,
  type CountryCode,
  type PhoneType,
} from '../../src/domain/phone.js';

describe('normalizePhone', () => {
  it.each<[string, CountryCode | undefined, string, CountryCode | undefined, PhoneType]>([
    ['+212 6 12 34 56 78', undefined, '+212612345678', 'MA', 'mobile'],
    ['+212612345678', 'FR', '+212612345678', 'MA', 'mobile'],
    ['00212612345678', undefined, '+212612345678', 'MA', 'mobile'],
    ['00212 6 12 34 56 78', 'US', '+212612345678', 'MA', 'mobile'],
    ['0612345678', 'MA', '+212612345678', 'MA', 'mobile'],
    ['06 12 34 56 78', 'MA', '+212612345678', 'MA', 'mobile'],
    ['06-12-34-56-78', 'MA', '+212612345678', 'MA', 'mobile'],
    ['  +212 612-345-678 \n', undefined, '+212612345678', 'MA', 'mobile'],
    ['(+212) 612 345 678', undefined, '+212612345678', 'MA', 'mobile'],
    ['٠٦١٢٣٤٥٦٧٨', 'MA', '+212612345678', 'MA', 'mobile'],
    ['0522123456', 'MA', '+212522123456', 'MA', 'fixed_line'],
    ['077 12 34 56', 'GA', '+24177123456', 'GA', 'mobile'],
    ['+241 66 12 34 56', undefined, '+24166123456', 'GA', 'mobile'],
    ['06 12 34 56 78', 'FR', '+33612345678', 'FR', 'mobile'],
    ['+44 7400 123456', 'MA', '+447400123456', 'GB', 'mobile'],
    ['(213) 373-4253', 'US', '+12133734253', 'US', 'fixed_line_or_mobile'],
    ['+800 1234 5678', undefined, '+80012345678', undefined, 'toll_free'],
  ])('normalises %j (default country %s) to %s', (input, defaultCountry, e164, country, type) => {
    expect(normalizePhone(input, { defaultCountry })).toEqual({
      ok: true,
      e164,
      country,
      nationalNumber: e164.replace(/^\+(212|33|1|44|241|800)/, ''),
      type,
    });
  });

  it.each<[string, CountryCode | undefined, 'invalid' | 'not_a_phone']>([
    ['', 'MA', 'not_a_phone'],
    ['   ', 'MA', 'not_a_phone'],
    ['hello', 'MA', 'not_a_phone'],
    ['---', 'MA', 'not_a_phone'],
    ['call +212612345678 now', undefined, 'not_a_phone'],
    ['+212612345678 ext. 5', undefined, 'not_a_phone'],
    ['+212612345678x', undefined, 'not_a_phone'],
    ['1-800-FLOWERS', 'US', 'not_a_phone'],
    ['+212 6 12 34 56 7', undefined, 'invalid'],
    ['+2126123456789', undefined, 'invalid'],
    ['0612345678', undefined, 'invalid'],
    ['++212612345678', undefined, 'invalid'],
    ['12', 'MA', 'invalid'],
    ['+999 123 456 789', undefined, 'invalid'],
    ['0412345678', 'MA', 'invalid'],
    ['+' + '2'.repeat(32), undefined, 'invalid'],
  ])('refuses %j (default country %s) as %s', (input, defaultCountry, reason) => {
    expect(normalizePhone(input, { defaultCountry })).toEqual({ ok: false, reason });
  });

  it('refuses input longer than 32 characters even when the number inside is valid', () => {
    const padded = `+212${' '.repeat(22)}612345678`;
    expect(padded.length).toBe(35);
    expect(normalizePhone(padded, {})).toEqual({ ok: false, reason: 'invalid' });
    expect(normalizePhone(padded.replace(/ {4}/, ''), {})).toMatchObject({ ok: true });
  });

  it('measures the length after trimming', () => {
    expect(normalizePhone(`  +212 6 12 34 56 78${' '.repeat(20)}`, {})).toMatchObject({ ok: true });
  });

  it('works without an options argument', () => {
    expect(normalizePhone('+33612345678')).toEqual({
      ok: true,
      e164: '+33612345678',
      country: 'FR',
      nationalNumber: '612345678',
      type: 'mobile',
    });
  });
});

describe('analyzePhone', () => {
  it('describes a Moroccan mobile number with its allocated operator', () => {
    expect(analyzePhone('06 12 34 56 78', { defaultCountry: 'MA' })).toEqual({
      input: '06 12 34 56 78',
      valid: true,
      e164: '+212612345678',
      country: 'MA',
      type: 'mobile',
      operator: 'Orange Maroc',
      operatorSource: 'prefix',
    });
  });

  it.each([
    ['+212 6 61 23 45 67', 'Maroc Telecom'],
    ['+212 6 50 12 34 56', 'Maroc Telecom'],
    ['+212 6 56 12 34 56', 'Orange Maroc'],
    ['+212 6 00 12 34 56', 'Inwi'],
    ['+212 6 26 12 34 56', 'Inwi'],
    ['+212 6 70 12 34 56', 'Maroc Telecom'],
    ['+212 6 74 12 34 56', 'Orange Maroc'],
    ['+212 7 00 12 34 56', 'Inwi'],
    ['+212 7 20 12 34 56', 'Inwi'],
    ['+212 7 61 23 45 67', 'Maroc Telecom'],
    ['+212 7 71 23 45 67', 'Orange Maroc'],
    ['+212 7 81 23 45 67', 'Orange Maroc'],
    ['+241 77 12 34 56', 'Airtel Gabon'],
    ['+241 74 12 34 56', 'Airtel Gabon'],
    ['+241 62 12 34 56', 'Moov Africa Gabon'],
    ['+241 65 12 34 56', 'Moov Africa Gabon'],
    ['+241 66 12 34 56', 'Moov Africa Gabon'],
    ['+241 07 71 23 45', 'Airtel Gabon'],
    ['+241 06 61 23 45', 'Moov Africa Gabon'],
  ])('names the operator of %s: %s', (input, operator) => {
    const analysis = analyzePhone(input, {});
    expect(analysis).toMatchObject({ valid: true, type: 'mobile', operator, operatorSource: 'prefix' });
  });

  it.each([
    ['+212 5 22 12 34 56', 'MA', 'fixed_line'],
    ['+212 6 92 11 23 45', 'MA', 'mobile'],
    ['+212 7 50 12 34 56', 'MA', 'mobile'],
    ['+241 11 12 34 56', 'GA', 'fixed_line'],
    ['+33 6 12 34 56 78', 'FR', 'mobile'],
    ['+1 213 373 4253', 'US', 'fixed_line_or_mobile'],
  ])('gives no operator for %s, outside the known prefixes', (input, country, type) => {
    expect(analyzePhone(input, {})).toMatchObject({ valid: true, country, type, operator: null, operatorSource: null });
  });

  it.each([
    ['+212 800 12 34 56', 'toll_free'],
    ['+212 892 12 34 56', 'premium_rate'],
    ['+1 800 356 9377', 'toll_free'],
    ['+44 20 7946 0958', 'fixed_line'],
    ['+44 56 1234 5678', 'voip'],
    ['+44 70 1234 5678', 'personal_number'],
    ['+44 7640 123456', 'pager'],
    ['+44 55 1234 5678', 'uan'],
    ['+33 8 10 12 34 56', 'shared_cost'],
    ['+41 860 123 456 789', 'voicemail'],
    ['+800 1234 5678', 'toll_free'],
  ])('maps the type of %s to %s', (input, type) => {
    expect(analyzePhone(input, {}).type).toBe(type);
  });

  it.each(['hello', '+212 6 12', '0612345678', ''])('reports %j as invalid with every other field null', (input) => {
    expect(analyzePhone(input, {})).toEqual({
      input,
      valid: false,
      e164: null,
      country: null,
      type: null,
      operator: null,
      operatorSource: null,
    });
  });
});

describe('operatorByPrefix', () => {
  it('prefers the longest matching prefix', () => {
    expect(operatorByPrefix('MA', '611234567')).toBe('Maroc Telecom');
    expect(operatorByPrefix('MA', '612345678')).toBe('Orange Maroc');
    expect(operatorByPrefix('GA', '77123456')).toBe('Airtel Gabon');
    expect(operatorByPrefix('GA', '07712345')).toBe('Airtel Gabon');
  });

  it('returns null for countries without a table and for unknown prefixes', () => {
    expect(operatorByPrefix('FR', '612345678')).toBeNull();
    expect(operatorByPrefix('MA', '522123456')).toBeNull();
    expect(operatorByPrefix('MA', '')).toBeNull();
  });

  it('lists only prefixes that open on valid mobile numbers', () => {
    const tables: Record<string, { callingCode: string; length: number }> = {
      MA: { callingCode: '212', length: 9 },
      GA: { callingCode: '241', length: 8 },
    };
    for (const [country, table] of Object.entries(mobileOperatorPrefixes)) {
      const { callingCode, length } = tables[country]!;
      for (const prefix of Object.keys(table)) {
        // Some completion of the prefix must be a valid mobile number of that country.
        const analyses = '0123456789'
          .split('')
          .map((digit) => analyzePhone(`+${callingCode}${prefix.padEnd(length, digit)}`, {}));
        expect({
          prefix,
          mobile: analyses.some((a) => a.valid && a.type === 'mobile' && a.country === country),
        }).toEqual({
          prefix,
          mobile: true,
        });
      }
    }
  });
});
