import { RE2JS } from 're2js';
import type { InboundRuleRecord } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { compileParamPattern } from '../templates/param-pattern.js';
import { normalizeKeyword } from './keywords.js';

/**
 * Auto-reply rules (issue 15): a keyword (the whole text, compared as opt-out keywords are) or a
 * regular expression found anywhere in the text, without regard to case. Expressions run on RE2
 * (re2js) as template patterns do (docs/adr/0006-re2-for-template-patterns.md): linear in the
 * text's length, so no stored pattern can freeze the event loop. A pattern template patterns would
 * refuse (invalid, lookaround, backreferences, a program too large) is refused when it is saved.
 */

/** The most of a message a rule reads: inbound text is at most a few thousand characters (WhatsApp, Telegram: 4,096). */
export const MAX_MATCHED_TEXT = 4096;

/** Longer text is no keyword (keywords have at most 32 letters; spaces around them are trimmed). */
const MAX_KEYWORD_TEXT = 128;

/** Compiled expressions kept in memory, by pattern; the oldest goes first when full. */
const CACHE_SIZE = 256;
const cache = new Map<string, RE2JS>();

/** The rule's expression, compiled case-insensitive, or why it is refused. */
function compileRegex(pattern: string): { ok: true; regexp: RE2JS } | { ok: false; reason: string } {
  const cached = cache.get(pattern);
  if (cached) return { ok: true, regexp: cached };
  const checked = compileParamPattern(pattern);
  if (!checked.ok) return checked;
  // Same program, case folded: no larger than the one checked against the size cap.
  const regexp = RE2JS.compile(RE2JS.translateRegExp(pattern), RE2JS.CASE_INSENSITIVE);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(pattern, regexp);
  return { ok: true, regexp };
}

/**
 * Refuses a rule pattern that could not be matched safely: a keyword that is not one word of
 * letters and digits, or an expression RE2 cannot run in linear time within the size cap.
 * `validation_failed` naming `field`.
 */
export function checkRulePattern(kind: InboundRuleRecord['kind'], pattern: string, field = 'pattern'): void {
  if (kind === 'keyword') {
    if (!/^[\p{L}\p{M}\p{N}]{1,32}$/u.test(pattern.trim())) {
      throw new AppError('validation_failed', `\`${field}\` must be one word of letters and digits (at most 32).`, {
        field,
      });
    }
    return;
  }
  const compiled = compileRegex(pattern);
  if (!compiled.ok) throw new AppError('validation_failed', `\`${field}\` ${compiled.reason}.`, { field });
}

/** True when `rule` matches `text`. A stored pattern this relay no longer accepts matches nothing. */
export function ruleMatches(rule: Pick<InboundRuleRecord, 'kind' | 'pattern'>, text: string): boolean {
  if (rule.kind === 'keyword') {
    return text.length <= MAX_KEYWORD_TEXT && normalizeKeyword(text) === normalizeKeyword(rule.pattern);
  }
  const compiled = compileRegex(rule.pattern);
  return compiled.ok && compiled.regexp.matcher(text.slice(0, MAX_MATCHED_TEXT)).find();
}

/** The first active rule, in the order given (priority), that matches `text`. */
export function firstMatchingRule(rules: readonly InboundRuleRecord[], text: string): InboundRuleRecord | null {
  return rules.find((rule) => rule.active && ruleMatches(rule, text)) ?? null;
}
