import { z } from 'zod';
import type { Channel, Params } from '@messagejs/shared-types';
import type { ParamSpec, Template } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { compileParamPattern, DEFAULT_PATTERN_MAX_LENGTH, MAX_PATTERN_VALUE_LENGTH } from './param-pattern.js';
import { refuseCallerText } from './caller-text.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
// C0/C1 control characters other than tab and newlines have no place in a message param.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const emailSchema = z.email();

/** Counts user-visible characters (code points), not UTF-16 units, for max-length checks. */
const lengthOf = (value: string) => [...value].length;

/** Placeholders a template body uses. */
export function placeholdersOf(...texts: Array<string | null | undefined>): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const match of (text ?? '').matchAll(PLACEHOLDER)) names.add(match[1]!);
  return [...names];
}

/**
 * Checks caller params against the template's declarations: every declared, required param
 * present and of its type and size; nothing undeclared. Returns the values as strings.
 */
export function validateParams(template: Template, params: Params | undefined): Record<string, string> {
  const given = params ?? {};
  const out = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(template.params, name)) {
      throw new AppError('validation_failed', `\`${name}\` is not a param of template \`${template.name}\`.`, {
        field: `params.${name}`,
      });
    }
  }
  for (const [name, spec] of Object.entries(template.params)) {
    const field = `params.${name}`;
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined || value === '') {
      if (spec.required === false) {
        out[name] = '';
        continue;
      }
      throw new AppError('validation_failed', `\`${name}\` is required.`, { field });
    }
    out[name] = checkParam(template, name, spec, value, field);
  }
  return out;
}

function checkParam(template: Template, name: string, spec: ParamSpec, value: string | number, field: string): string {
  const fail = (why: string) => new AppError('validation_failed', `\`${name}\` ${why}.`, { field });
  switch (spec.type) {
    case 'number': {
      const n = typeof value === 'number' ? value : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw fail('must be a number');
      if (spec.integer && !Number.isInteger(n)) throw fail('must be an integer');
      if (spec.min !== undefined && n < spec.min) throw fail(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw fail(`must be at most ${spec.max}`);
      return String(n);
    }
    case 'text':
      if (typeof value !== 'string') throw fail('must be a string');
      if (lengthOf(value) > spec.maxLength) throw fail(`must be at most ${spec.maxLength} characters`);
      if (CONTROL.test(value)) throw fail('must not contain control characters');
      if (template.recipient.mode === 'caller') {
        const refused = refuseCallerText(value, spec);
        if (refused) throw fail(refused);
      }
      return value;
    case 'email':
      if (typeof value !== 'string') throw fail('must be a string');
      if (value.length > 254 || !emailSchema.safeParse(value).success) throw fail('must be an email address');
      return value;
    case 'pattern': {
      if (typeof value !== 'string') throw fail('must be a string');
      // Templates saved before the cap keep their declared maxLength only up to it.
      const maxLength = Math.min(spec.maxLength ?? DEFAULT_PATTERN_MAX_LENGTH, MAX_PATTERN_VALUE_LENGTH);
      if (value.length > maxLength * 2 || lengthOf(value) > maxLength)
        throw fail(`must be at most ${maxLength} characters`);
      const compiled = compileParamPattern(spec.pattern);
      if (!compiled.ok) {
        // A template stored before patterns were checked for linear-time matching: fail closed.
        throw new AppError(
          'template_invalid',
          `Template \`${template.name}\` declares a pattern for \`${name}\` that this relay refuses (it ${compiled.reason}); the project must save the template again.`,
          { field },
        );
      }
      if (!compiled.regexp.test(value)) throw fail(`must match ${spec.pattern}`);
      return value;
    }
  }
}

/** A pattern param of a stored template that the pattern engine refuses (sends with it answer `template_invalid`). */
export interface RefusedPattern {
  template: string;
  param: string;
  reason: string;
}

/** The pattern params of `templates` that would be refused if saved today, e.g. stored by an older relay. */
export function refusedPatterns(templates: Template[]): RefusedPattern[] {
  const refused: RefusedPattern[] = [];
  for (const template of templates) {
    for (const [param, spec] of Object.entries(template.params)) {
      if (spec.type !== 'pattern') continue;
      const compiled = compileParamPattern(spec.pattern);
      if (!compiled.ok) refused.push({ template: template.name, param, reason: compiled.reason });
    }
  }
  return refused;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML body. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Replaces `{{name}}` placeholders in one pass: a value containing `{{x}}` is never expanded again. */
export function fill(text: string, values: Record<string, string>, escape: (v: string) => string = (v) => v): string {
  return text.replace(PLACEHOLDER, (_, name: string) => escape(values[name] ?? ''));
}

/** The rendered parts of a message. HTML bodies get their values escaped; plain text needs none. */
export function renderTemplate(
  template: Template,
  values: Record<string, string>,
): { text: string; subject: string | null; html: string | null } {
  return {
    text: fill(template.body, values),
    subject: template.subject ? fill(template.subject, values) : null,
    html: template.html ? fill(template.html, values, escapeHtml) : null,
  };
}

/** Channels whose messages carry a subject. */
export const channelHasSubject = (channel: Channel) => channel === 'email';
