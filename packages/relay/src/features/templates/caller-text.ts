import { createRequire } from 'node:module';
import { LinkifyIt } from 'linkify-it';

/**
 * What a `text` param may carry in a template whose recipient the caller chooses (issue 10): the
 * caller writes to a stranger under the project's name, so the text must not bring a link, a
 * second paragraph or characters that hide or reorder what the recipient reads.
 */

let linkify: LinkifyIt | undefined;
// Built on first use: the CLI's admin commands never need it.
const linkifier = () =>
  // The full IANA list (the `tlds` package), so bare domains such as `bit.ly/3xYz` are links too.
  (linkify ??= new LinkifyIt({ fuzzyLink: true, fuzzyIP: true, fuzzyEmail: true }).tlds(
    createRequire(import.meta.url)('tlds') as string[],
  ));

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LINE_BREAK = /[\n\r\u000B\u000C\u0085\u2028\u2029]/;
// Unicode bidirectional formatting characters (UAX #9): embeddings, overrides, isolates and marks.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
// Format characters (zero-width spaces and joiners, word joiner, BOM, soft hyphen, tags…) and
// blank fillers that render as nothing.
// eslint-disable-next-line no-misleading-character-class -- each variation selector is matched on its own, on purpose
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u180B-\u180F\u3164\uFFA0]/u;
// Joiners that are part of an emoji: ZWJ sequences (👩‍💻) and subdivision flags (🏴 + tags).
const EMOJI_FORMAT =
  // eslint-disable-next-line no-misleading-character-class -- an optional skin-tone modifier, matched on its own
  /(?<=\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic})|\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;
// `www.` starts a link whatever follows (linkify-it wants a known top-level domain after it).
const WWW = /(?:^|[^\p{L}\p{N}_.-])www\.[\p{L}\p{N}]/iu;
// Ideographic and fullwidth full stops separate domain labels too (UTS #46).
const DOT_LIKE = /[\u3002\uFF0E\uFF61]/g;

/** Opt-ins of a text param. */
export interface CallerTextOptions {
  /** Links and domain names are allowed. */
  allowLinks?: boolean;
  /** Line breaks are allowed. */
  multiline?: boolean;
}

/** Why `value` may not go to a caller-chosen recipient, or null when it may. */
export function refuseCallerText(value: string, options: CallerTextOptions): string | null {
  if (BIDI.test(value)) return 'must not contain bidirectional control characters';
  if (INVISIBLE.test(value) && INVISIBLE.test(value.replace(EMOJI_FORMAT, '')))
    return 'must not contain invisible characters (zero-width or format characters)';
  if (!options.multiline && LINE_BREAK.test(value))
    return 'must be a single line (the param does not allow line breaks)';
  if (!options.allowLinks && isLinkLike(value.normalize('NFKC').replace(DOT_LIKE, '.'))) {
    return 'must not contain links, domain names or email addresses (the param does not allow links)';
  }
  return null;
}

// Every link linkify-it finds has a dot, a colon (scheme), an @ (email) or a slash (`//host`).
const LINK_CHARACTER = /[.:@/]/;

function isLinkLike(text: string): boolean {
  return LINK_CHARACTER.test(text) && (WWW.test(text) || linkifier().test(text));
}
