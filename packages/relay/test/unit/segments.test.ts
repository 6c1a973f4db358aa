import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSegments, gsm7Basic, gsm7Extension } from '../../src/domain/segments.js';

const a = (n: number) => 'a'.repeat(n);
const e = (n: number) => 'ê'.repeat(n); // ê is not in GSM-7 (é, è are)

describe('countSegments', () => {
  it.each<[string, string, 'GSM-7' | 'UCS-2', number, number, number]>([
    // description, text, encoding, segments, characters, unitsPerSegment
    ['the empty text', '', 'GSM-7', 1, 0, 160],
    ['160 GSM characters', a(160), 'GSM-7', 1, 160, 160],
    ['161 GSM characters', a(161), 'GSM-7', 2, 161, 153],
    ['306 GSM characters', a(306), 'GSM-7', 2, 306, 153],
    ['307 GSM characters', a(307), 'GSM-7', 3, 307, 153],
    ['459 GSM characters', a(459), 'GSM-7', 3, 459, 153],
    ['460 GSM characters', a(460), 'GSM-7', 4, 460, 153],
    ['€ alone', '€', 'GSM-7', 1, 1, 160],
    ['158 a + € (160 septets)', a(158) + '€', 'GSM-7', 1, 159, 160],
    ['159 a + € (161 septets)', a(159) + '€', 'GSM-7', 2, 160, 153],
    ['80 a + CRLF + 79 a (161 septets)', `${a(80)}\r\n${a(79)}`, 'GSM-7', 2, 161, 153],
    ['80 a + LF + 79 a (160 septets)', `${a(80)}\n${a(79)}`, 'GSM-7', 1, 160, 160],
    ['200 a + CRLF + 105 a', `${a(200)}\r\n${a(105)}`, 'GSM-7', 3, 307, 153],
    ['a form feed (two septets)', `${a(159)}\f`, 'GSM-7', 2, 160, 153],
    ['152 a + € + 151 a: € moves to segment 2', a(152) + '€' + a(151), 'GSM-7', 2, 304, 153],
    ['152 a + € + 152 a: the escape pair is not split', a(152) + '€' + a(152), 'GSM-7', 3, 305, 153],
    ['153 × ] (306 septets, 3 segments on Twilio)', ']'.repeat(153), 'GSM-7', 3, 153, 153],
    ['70 × é (GSM)', 'é'.repeat(70), 'GSM-7', 1, 70, 160],
    ['the GSM Greek capitals', 'ΔΦΓΛΩΠΨΣΘΞ', 'GSM-7', 1, 10, 160],
    ['Ç (GSM)', 'Ça va', 'GSM-7', 1, 5, 160],
    ['ç (not GSM)', 'ça va', 'UCS-2', 1, 5, 70],
    ['a backtick (not GSM)', '`', 'UCS-2', 1, 1, 70],
    ['Greek small alpha (not GSM)', 'α', 'UCS-2', 1, 1, 70],
    ['70 × ê', e(70), 'UCS-2', 1, 70, 70],
    ['71 × ê', e(71), 'UCS-2', 2, 71, 67],
    ['134 × ê', e(134), 'UCS-2', 2, 134, 67],
    ['135 × ê', e(135), 'UCS-2', 3, 135, 67],
    ['70 × 中', '中'.repeat(70), 'UCS-2', 1, 70, 70],
    ['71 × 中', '中'.repeat(71), 'UCS-2', 2, 71, 67],
    ['an emoji + 68 digits (70 code units)', '😜' + '1'.repeat(68), 'UCS-2', 1, 69, 70],
    ['an emoji + 69 digits (71 code units)', '😜' + '1'.repeat(69), 'UCS-2', 2, 70, 67],
    ['an emoji and 68 ] (extension characters are one unit in UCS-2)', '😀' + ']'.repeat(68), 'UCS-2', 1, 69, 70],
    ['an emoji and 69 ]', '😀' + ']'.repeat(69), 'UCS-2', 2, 70, 67],
    ['66 ê + emoji + 66 ê: the surrogate pair is not split', e(66) + '😀' + e(66), 'UCS-2', 3, 133, 67],
    ['65 ê + emoji + 67 ê: the pair fits at the end', e(65) + '😀' + e(67), 'UCS-2', 2, 133, 67],
    ['a flag + 66 digits (70 units)', '🇮🇹' + '1'.repeat(66), 'UCS-2', 1, 68, 70],
    ['65 ê + flag + 65 ê: a flag (two pairs) stays whole', e(65) + '🇲🇦' + e(65), 'UCS-2', 3, 132, 67],
    ['a skin-toned emoji at the boundary stays whole', e(64) + '👍🏽' + e(66), 'UCS-2', 3, 132, 67],
    ['66 ê + CRLF + 66 ê: CRLF may be split', `${e(66)}\r\n${e(66)}`, 'UCS-2', 2, 134, 67],
    ['one decomposed é (e + U+0301)', 'e\u0301', 'UCS-2', 1, 2, 70],
    ['70 decomposed é (3 segments on Twilio)', 'e\u0301'.repeat(70), 'UCS-2', 3, 140, 67],
    ['a letter under 100 combining marks', 'a' + '\u0301'.repeat(100), 'UCS-2', 2, 101, 67],
  ])('counts %s', (_, text, encoding, segments, characters, unitsPerSegment) => {
    expect(countSegments(text)).toEqual({ encoding, segments, characters, unitsPerSegment });
  });

  it('uses exactly the GSM 03.38 characters of Twilio’s UnicodeToGSM table', () => {
    // Code points transcribed from TwilioDevEd/message-segment-calculator src/libs/UnicodeToGSM.ts.
    const basic = [
      0x0a,
      0x0d,
      ...range(0x20, 0x5a),
      0x5f,
      ...range(0x61, 0x7a),
      0xa1,
      0xa3,
      0xa4,
      0xa5,
      0xa7,
      0xbf,
      0xc4,
      0xc5,
      0xc6,
      0xc7,
      0xc9,
      0xd1,
      0xd6,
      0xd8,
      0xdc,
      0xdf,
      0xe0,
      0xe4,
      0xe5,
      0xe6,
      0xe8,
      0xe9,
      0xec,
      0xf1,
      0xf2,
      0xf6,
      0xf8,
      0xf9,
      0xfc,
      0x393,
      0x394,
      0x398,
      0x39b,
      0x39e,
      0x3a0,
      0x3a3,
      0x3a6,
      0x3a8,
      0x3a9,
    ];
    const extension = [0x0c, 0x5b, 0x5c, 0x5d, 0x5e, 0x7b, 0x7c, 0x7d, 0x7e, 0x20ac];
    const codePoints = (chars: string) => [...chars].map((char) => char.codePointAt(0)).sort((x, y) => x! - y!);
    expect(codePoints(gsm7Basic)).toEqual(basic.sort((x, y) => x - y));
    expect(codePoints(gsm7Extension)).toEqual(extension.sort((x, y) => x - y));
  });

  it('agrees with a port of Twilio’s bit-level segment builder on random text', () => {
    fc.assert(
      fc.property(messageArbitrary, (text) => {
        const count = countSegments(text);
        expect(count.segments).toBe(referenceSegments(text));
        expect(count.characters).toBe([...text].length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps its invariants on random text', () => {
    fc.assert(
      fc.property(messageArbitrary, (text) => {
        const { encoding, segments, unitsPerSegment } = countSegments(text);
        const gsm = [...text].every((char) => gsmChars.has(char));
        expect(encoding).toBe(gsm ? 'GSM-7' : 'UCS-2');
        expect(segments).toBeGreaterThanOrEqual(1);
        const [single, multi] = gsm ? [160, 153] : [70, 67];
        const units = gsm ? septetLength(text) : text.length;
        expect(segments === 1).toBe(units <= single);
        expect(unitsPerSegment).toBe(segments === 1 ? single : multi);
        if (segments > 1) {
          expect(segments).toBeGreaterThanOrEqual(Math.ceil(units / multi));
          // GSM-7 loses at most one septet per segment to an escape pair that does not fit.
          if (gsm) expect(segments).toBeLessThanOrEqual(Math.ceil(units / (multi - 1)));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const gsmChars = new Set([...gsm7Basic, ...gsm7Extension]);
const extensionChars = new Set(gsm7Extension);

function septetLength(text: string): number {
  let length = 0;
  for (const char of text) length += extensionChars.has(char) ? 2 : 1;
  return length;
}

const basicChar = fc.constantFrom(...gsm7Basic);
const extensionChar = fc.constantFrom(...gsm7Extension);
const nonGsmChar = fc.constantFrom('ê', 'ç', 'á', 'í', 'ó', 'ú', 'œ', '’', '–', '`', 'α', '中', '\u0301');
const emoji = fc.constantFrom('😀', '👍🏽', '🇲🇦', '👨‍👩‍👧', '❤️', '🏳️‍🌈');
const gsmText = fc
  .array(fc.oneof({ arbitrary: basicChar, weight: 6 }, { arbitrary: extensionChar, weight: 1 }), {
    maxLength: 500,
    size: 'max',
  })
  .map((chars) => chars.join(''));
const mixedText = fc
  .array(
    fc.oneof(
      { arbitrary: basicChar, weight: 6 },
      { arbitrary: extensionChar, weight: 1 },
      { arbitrary: nonGsmChar, weight: 1 },
      { arbitrary: emoji, weight: 1 },
      { arbitrary: fc.constant('\r\n'), weight: 1 },
    ),
    { maxLength: 250, size: 'max' },
  )
  .map((chars) => chars.join(''));
const messageArbitrary = fc.oneof(gsmText, mixedText);

/**
 * Twilio's algorithm as written in SegmentedMessage._buildSegments and Segment.addHeader: fill
 * 1120-bit segments character by character; when a character does not fit, open a segment with
 * a 48-bit user data header and, if the previous segment had none (only the first), give it one
 * and move its trailing characters over until it fits again.
 */
function referenceSegments(text: string): number {
  const codePoints = [...text];
  const gsm = codePoints.every((char) => gsmChars.has(char));
  const sizes = gsm
    ? codePoints.map((char) => (extensionChars.has(char) ? 14 : 7))
    : graphemeUnits(text).map((n) => n * 16);
  interface Segment {
    bits: number[];
    header: boolean;
  }
  const size = (segment: Segment) => segment.bits.reduce((sum, bits) => sum + bits, 0) + (segment.header ? 48 : 0);
  const segments: Segment[] = [{ bits: [], header: false }];
  let current = segments[0]!;
  for (const bits of sizes) {
    if (1120 - size(current) < bits) {
      const next: Segment = { bits: [], header: true };
      if (!current.header) {
        current.header = true;
        const moved: number[] = [];
        while (size(current) > 1120) moved.unshift(current.bits.pop()!);
        next.bits.push(...moved);
      }
      segments.push(next);
      current = next;
    }
    current.bits.push(bits);
  }
  return segments.length;
}

/** UTF-16 lengths of the graphemes (CRLF as two; graphemes wider than a segment as code points). */
function graphemeUnits(text: string): number[] {
  const units: number[] = [];
  for (const { segment } of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)) {
    if (segment === '\r\n' || segment.length > 67) units.push(...[...segment].map((cp) => cp.length));
    else units.push(segment.length);
  }
  return units;
}
