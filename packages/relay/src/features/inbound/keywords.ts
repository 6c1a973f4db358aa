import type { InboundKeyword, InboundSettingsData } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';

/**
 * Opt-out keywords (issue 15): a message whose whole text is STOP, START or HELP (or another word
 * of the project's lists) opts its sender out, back in, or gets the project's help text. Pure
 * functions: the defaults, the normalisation, the match and the answer.
 */

/**
 * The relay's defaults, in English and French: the English lists are the ones US carriers and
 * Twilio's Advanced Opt-Out honour; French adds ARRET (ARRÊT) and AIDE. A project's settings
 * replace them (`PUT …/inbound-settings`).
 */
export const defaultInboundSettings: InboundSettingsData = Object.freeze({
  defaultLanguage: 'en',
  languages: {
    en: {
      stop: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
      start: ['START', 'YES', 'UNSTOP'],
      help: ['HELP', 'INFO'],
      replies: {
        stop: 'You are unsubscribed from {{project}} and will receive no more messages. Reply START to subscribe again.',
        start: 'You are subscribed to {{project}} again. Reply STOP to unsubscribe.',
        help: '{{project}}: reply STOP to unsubscribe, START to subscribe again.',
      },
    },
    fr: {
      stop: ['ARRET', 'STOP', 'DESABONNER'],
      start: ['START', 'REPRENDRE'],
      help: ['AIDE', 'INFO'],
      replies: {
        stop: 'Vous êtes désabonné(e) de {{project}} et ne recevrez plus de messages. Répondez START pour vous réabonner.',
        start: 'Vous êtes de nouveau abonné(e) à {{project}}. Répondez STOP pour vous désabonner.',
        help: '{{project}} : répondez STOP pour vous désabonner, START pour vous réabonner.',
      },
    },
  },
});

/** No keyword is longer (`keywordSchema` in shared-types): longer text is never one, and is not normalised. */
const MAX_KEYWORD = 32;

/**
 * A text as keywords are compared: trimmed, its accents taken off (NFKD, then combining marks
 * dropped: `arrêt` → `ARRET`) and in capitals. The whole text must equal a keyword, as Twilio's
 * Advanced Opt-Out reads them (https://help.twilio.com/articles/223134027).
 */
export function normalizeKeyword(text: string): string {
  return text.trim().normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase();
}

/** The keyword a text is, and the language whose list named it. */
export interface KeywordMatch {
  kind: InboundKeyword;
  language: string;
}

const kinds: readonly InboundKeyword[] = ['stop', 'start', 'help'];

/** The languages in the order they are tried: the default first, then the others as written. */
function languageOrder(settings: InboundSettingsData): string[] {
  return [settings.defaultLanguage, ...Object.keys(settings.languages).filter((l) => l !== settings.defaultLanguage)];
}

/** The keyword `text` is under `settings`, or null. */
export function matchKeyword(text: string, settings: InboundSettingsData): KeywordMatch | null {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_KEYWORD * 2) return null;
  const word = normalizeKeyword(trimmed);
  for (const language of languageOrder(settings)) {
    const lists = settings.languages[language];
    if (!lists) continue;
    for (const kind of kinds) {
      if (lists[kind].some((keyword) => normalizeKeyword(keyword) === word)) return { kind, language };
    }
  }
  return null;
}

/** The answer to a keyword in its language (`{{project}}` filled in), or null when that language answers nothing. */
export function keywordReply(match: KeywordMatch, settings: InboundSettingsData, projectName: string): string | null {
  const reply = settings.languages[match.language]?.replies[match.kind] ?? null;
  return reply === null ? null : reply.replaceAll('{{project}}', projectName);
}

/**
 * Refuses settings in which one word of a language is two keywords (STOP and START at once): the
 * answer would depend on the order of the lists. `validation_failed` names the second one.
 */
export function checkKeywordLists(settings: InboundSettingsData): void {
  for (const [language, lists] of Object.entries(settings.languages)) {
    const seen = new Map<string, InboundKeyword>();
    for (const kind of kinds) {
      for (const [index, keyword] of lists[kind].entries()) {
        const word = normalizeKeyword(keyword);
        const other = seen.get(word);
        if (other !== undefined && other !== kind) {
          throw new AppError(
            'validation_failed',
            `\`${keyword}\` is already a ${other} keyword of ${language}: a word can be one keyword only.`,
            { field: `languages.${language}.${kind}.${index}` },
          );
        }
        seen.set(word, kind);
      }
    }
  }
}
