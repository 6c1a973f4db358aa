/**
 * SMS segment counting, matching Twilio's Message Segment Calculator
 * (https://github.com/TwilioDevEd/message-segment-calculator, `src/libs/SegmentedMessage.ts`):
 *
 * - A message is GSM-7 when every character is in the GSM 03.38 default alphabet or its
 *   extension table, UCS-2 otherwise (one non-GSM character switches the whole message).
 * - A segment carries 140 octets: 160 septets or 70 UTF-16 code units. A multipart message spends
 *   6 octets of each segment on the concatenation header (UDH), leaving 153 septets or 67 units.
 * - Extension characters take two septets (ESC + char); the pair is never split across segments.
 * - In UCS-2, a grapheme (an emoji with its surrogate pair, skin tone or ZWJ sequence; a flag; a
 *   letter with combining accents) is never split across segments, except `\r\n`, which Twilio
 *   treats as two characters.
 *
 * Two deliberate differences from Twilio's calculator: graphemes come from `Intl.Segmenter`
 * (current Unicode, where Twilio bundles the older `grapheme-splitter`), and a grapheme wider than
 * a whole segment (67 units), which Twilio would let overflow its segment, is split between code
 * points.
 */

/** The SMS data coding a message needs. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** The answer of {@link countSegments}. */
export interface SegmentCount {
  encoding: SmsEncoding;
  /** Number of SMS segments the message is sent (and billed) as. `1` for the empty text. */
  segments: number;
  /** Number of Unicode code points (`[...text].length`): an emoji counts 1, `€` counts 1. */
  characters: number;
  /**
   * Capacity of one segment for this message, in septets (GSM-7) or UTF-16 code units (UCS-2):
   * 160 or 70 for a single segment, 153 or 67 once the message is split.
   */
  unitsPerSegment: number;
}

/**
 * The GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1), in code order 0x00–0x7F, without 0x1B
 * (ESC, which introduces the extension table and is not a character). Twilio's `UnicodeToGSM.ts`
 * maps the same 127 characters. 0x09 is `Ç` (capital), as in Twilio's table: `ç` is not GSM.
 */
export const gsm7Basic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/**
 * The characters of the GSM 03.38 extension table (3GPP TS 23.038 §6.2.1.1) that Twilio sends:
 * form feed, `^ { } \ [ ~ ] |` and `€`. Each costs two septets (ESC + code).
 */
export const gsm7Extension = '\f^{}\\[~]|€';

const SINGLE_GSM7 = 160;
const MULTI_GSM7 = 153;
const SINGLE_UCS2 = 70;
const MULTI_UCS2 = 67;

const gsmSeptets = new Map<string, 1 | 2>([
  ...[...gsm7Basic].map((char) => [char, 1] as const),
  ...[...gsm7Extension].map((char) => [char, 2] as const),
]);

let graphemeSegmenter: Intl.Segmenter | undefined;

/** UTF-16 length of each unit that must stay within one segment, in order. */
function ucs2Units(text: string): number[] {
  graphemeSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const units: number[] = [];
  for (const { segment } of graphemeSegmenter.segment(text)) {
    if (segment.length <= MULTI_UCS2 && segment !== '\r\n') {
      units.push(segment.length);
      continue;
    }
    // `\r\n` is one grapheme but two characters for Twilio. A grapheme wider than a whole
    // segment (a letter under dozens of combining marks) cannot stay whole: fall back to
    // code points, which still keeps surrogate pairs together.
    for (const codePoint of segment) units.push(codePoint.length);
  }
  return units;
}

/** Number of segments when units of these sizes fill segments of `capacity` in order. */
function fill(units: readonly number[], capacity: number): number {
  let segments = 1;
  let used = 0;
  for (const size of units) {
    if (used + size > capacity) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return segments;
}

/**
 * Counts the SMS segments a text is sent as, the way Twilio's segment calculator does (see the
 * module comment for the rules). The empty text counts as one segment, like Twilio's calculator:
 * a sent SMS is never free.
 *
 * @example
 * countSegments('Hello €') // → { encoding: 'GSM-7', segments: 1, characters: 7, unitsPerSegment: 160 }
 * countSegments('Salut 👋') // → { encoding: 'UCS-2', segments: 1, characters: 7, unitsPerSegment: 70 }
 */
export function countSegments(text: string): SegmentCount {
  const septets: number[] = [];
  let characters = 0;
  let gsm = true;
  for (const char of text) {
    characters++;
    if (!gsm) continue;
    const size = gsmSeptets.get(char);
    if (size === undefined) gsm = false;
    else septets.push(size);
  }

  const [encoding, units, single, multi]: [SmsEncoding, number[], number, number] = gsm
    ? ['GSM-7', septets, SINGLE_GSM7, MULTI_GSM7]
    : ['UCS-2', ucs2Units(text), SINGLE_UCS2, MULTI_UCS2];
  const total = units.reduce((sum, size) => sum + size, 0);
  const segments = total <= single ? 1 : fill(units, multi);
  return { encoding, segments, characters, unitsPerSegment: segments === 1 ? single : multi };
}
