import { RE2JS } from 're2js';

/**
 * Template `pattern` params are matched with RE2JS, an RE2 engine in plain JavaScript: matching
 * takes time linear in the value's length, so a stored pattern such as `^(a+)+$` cannot freeze
 * the event loop (issue 10). RE2 has no lookaround and no backreferences; patterns that use them
 * are refused when the template is saved.
 */

/** The maximum length of a pattern param's value when its declaration names none. */
export const DEFAULT_PATTERN_MAX_LENGTH = 200;

/** The largest `maxLength` a pattern param may declare (and the cap applied at send time). */
export const MAX_PATTERN_VALUE_LENGTH = 1000;

/**
 * The largest compiled program (RE2's approximate count of instructions) a pattern may have.
 * Matching is linear in the value's length, but the cost per character grows with the program:
 * counted repetitions such as `(.{1,30}){1,30}` compile to thousands of instructions.
 */
export const MAX_PATTERN_PROGRAM_SIZE = 1000;

/** Compiled patterns kept in memory, by pattern string; the oldest goes first when full. */
const CACHE_SIZE = 256;

/** A pattern compiled for matching, or the reason it is refused. */
export type CompiledPattern = { ok: true; regexp: RE2JS } | { ok: false; reason: string };

const cache = new Map<string, CompiledPattern>();

/**
 * Compiles a template pattern (JavaScript syntax, translated to RE2's) once and keeps it, or says
 * why it is refused: syntax RE2 lacks (lookaround, backreferences) or a program too large.
 */
export function compileParamPattern(pattern: string): CompiledPattern {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const compiled = compile(pattern);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(pattern, compiled);
  return compiled;
}

function compile(pattern: string): CompiledPattern {
  // The syntax is JavaScript's with the `u` flag (constructing a RegExp only parses it). RE2JS's
  // translation reads an unknown escape such as `\k` as a plain letter, so the one backreference
  // the `u` syntax allows and RE2 would not see, `\k<name>`, is refused here.
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return { ok: false, reason: `must be a valid regular expression: ${(error as Error).message}` };
  }
  if (hasNamedBackreference(pattern))
    return {
      ok: false,
      reason:
        'must be a linear-time regular expression (RE2 syntax): backreferences such as \\k<name> are not supported',
    };
  let regexp: RE2JS;
  try {
    regexp = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const detail = String((error as Error)?.message ?? error).replace(/^error parsing regexp: /, '');
    return {
      ok: false,
      reason: `must be a linear-time regular expression (RE2 syntax: no lookaround, no backreferences): ${detail}`,
    };
  }
  if (regexp.programSize() > MAX_PATTERN_PROGRAM_SIZE) {
    return {
      ok: false,
      reason: `is too complex (compiles to ${regexp.programSize()} instructions, at most ${MAX_PATTERN_PROGRAM_SIZE}): use fewer or smaller counted repetitions`,
    };
  }
  return { ok: true, regexp };
}

/** Whether a pattern (valid with the `u` flag, where `\k` is nothing else) has a `\k<name>`. */
function hasNamedBackreference(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    if (pattern[i + 1] === 'k') return true;
    i++;
  }
  return false;
}
