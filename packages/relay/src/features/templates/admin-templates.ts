import {
  templateDefinitionSchema,
  templateInputSchema,
  type TemplateCategory,
  type TemplateSummary,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { Project, Repositories, Store, Template, TemplateDefinitionRecord } from '../../store/types.js';
import { newId } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { placeholdersOf, refusedPatterns, type RefusedPattern } from './templates.js';
import { compileParamPattern } from './param-pattern.js';
import { toValidationError } from '../../domain/validation.js';
import { resolveRecipient } from '../recipients/recipients.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { requireProject } from '../projects/require-project.js';
import { definitionOf, summaryView, templateView } from './views.js';

/**
 * Template administration shared by the CLI and the admin API: every change of a template's
 * definition is kept as a new version, and audited.
 */

type Definition = z.output<typeof templateDefinitionSchema>;

/** Placeholders, the cascade and patterns: what the schema alone cannot check. */
function checkDefinition(t: Definition): void {
  for (const name of placeholdersOf(t.body, t.subject, t.html)) {
    if (!Object.hasOwn(t.params, name)) {
      throw new AppError('validation_failed', `The template uses {{${name}}} but declares no param \`${name}\`.`, {
        field: `params.${name}`,
      });
    }
  }
  const first = t.channels?.[0];
  if (first && first !== t.channel)
    throw new AppError('validation_failed', '`channels` must start with `channel`.', { field: 'channels' });
  for (const [name, spec] of Object.entries(t.params)) {
    if (spec.type !== 'pattern') continue;
    const compiled = compileParamPattern(spec.pattern);
    if (!compiled.ok) {
      throw new AppError('validation_failed', `\`params.${name}.pattern\`: ${compiled.reason}`, {
        field: `params.${name}.pattern`,
      });
    }
  }
}

/** A parsed definition as a version keeps it: a fixed recipient normalised for the channel. */
export function definitionRecord(
  project: Project,
  t: Definition,
  category: TemplateCategory,
): TemplateDefinitionRecord {
  checkDefinition(t);
  const recipient =
    t.recipient.mode === 'fixed'
      ? { mode: 'fixed' as const, to: resolveRecipient(t.channel, t.recipient.to, project, 'recipient.to').address }
      : { mode: 'caller' as const };
  return {
    channel: t.channel,
    channels: t.channels ?? null,
    recipient,
    subject: t.subject ?? null,
    body: t.body,
    html: t.html ?? null,
    params: t.params,
    category,
  };
}

/** Who saved a version: the member or token, the CLI or the relay (never a session id). */
export function savedBy(actor: Actor): string {
  const p = actor.principal;
  if (p.kind === 'member') return `member:${p.memberId}`;
  if (p.kind === 'admin_token') return `admin_token:${p.tokenId}`;
  if (p.kind === 'key') return `key:${p.key.id}`;
  return p.kind;
}

/** What `writeVersion` did: the template as it now is, and whether it was new or changed. */
export interface SaveOutcome {
  template: Template;
  created: boolean;
  changed: boolean;
}

/**
 * Stores `definition` as the template's next version in one unit of work: the row, the version
 * and its counter row, and the audit entry. A definition equal to the current one changes nothing
 * unless `force` (a restore is a new version whatever it restores).
 */
export async function writeVersion(
  store: Store,
  input: { projectId: string; name: string; definition: TemplateDefinitionRecord; now: number; actor: Actor },
  options: { createOnly?: boolean; force?: boolean; action?: string; detail?: Record<string, unknown> } = {},
): Promise<SaveOutcome> {
  const { projectId, name, definition, now, actor } = input;
  return store.transaction(async (tx) => {
    const existing = await tx.templates.get(projectId, name);
    if (existing && options.createOnly) {
      throw new AppError('already_exists', `Template \`${name}\` already exists: PUT it to replace it.`, {
        field: 'name',
      });
    }
    if (existing && !options.force && JSON.stringify(definitionOf(existing)) === JSON.stringify(definition)) {
      return { template: existing, created: false, changed: false };
    }
    const template: Template = {
      id: existing?.id ?? newId('tpl'),
      projectId,
      name,
      ...definition,
      version: (existing?.version ?? 0) + 1,
      active: existing?.active ?? true,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await saveRows(tx, template, actor, now);
    await recordChange(tx, actor, {
      projectId,
      action: options.action ?? 'template.save',
      resource: { type: 'template', id: template.id },
      detail: { name, version: template.version, created: !existing, ...options.detail },
      ...(existing && { before: definitionOf(existing) }),
      after: definition,
      at: now,
    });
    return { template, created: !existing, changed: true };
  });
}

async function saveRows(tx: Repositories, template: Template, actor: Actor, now: number): Promise<void> {
  await tx.templates.upsert(template);
  await tx.templates.addVersion({
    templateId: template.id,
    version: template.version,
    definition: definitionOf(template),
    createdAt: now,
    createdBy: savedBy(actor),
  });
  await tx.templates.ensureStats(template.id);
}

/**
 * Validates and stores a template (name and definition, as a CLI file or `POST …/templates` has
 * it): a new version when its definition changed. Every placeholder must be a declared param.
 */
export async function saveTemplate(
  store: Store,
  projectId: string,
  input: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<Template> {
  const project = await requireProject(store, projectId);
  return (await saveTemplateInput(store, project, input, now, actor)).template;
}

/** `saveTemplate` for a project already found; `createOnly` refuses a name in use (`409 already_exists`). */
export async function saveTemplateInput(
  store: Store,
  project: Project,
  input: unknown,
  now: number,
  actor: Actor,
  options: { createOnly?: boolean } = {},
): Promise<SaveOutcome> {
  const parsed = templateInputSchema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { name, ...rest } = parsed.data;
  const current = rest.category ? null : await store.templates.get(project.id, name);
  const definition = definitionRecord(project, rest, rest.category ?? current?.category ?? 'other');
  return writeVersion(store, { projectId: project.id, name, definition, now, actor }, options);
}

/** A template in a list: its name, channel, recipient mode, param names, version, flags and use. */
export function templateSummary(t: Template): Pick<TemplateSummary, 'name' | 'channel' | 'recipient' | 'params'> {
  return { name: t.name, channel: t.channel, recipient: t.recipient.mode, params: Object.keys(t.params) };
}

/** The project's templates, by name (the CLI's `templates list`). */
export async function listTemplates(store: Store, projectId: string) {
  await requireProject(store, projectId);
  const templates = await store.templates.list(projectId);
  return Promise.all(
    templates.map(async (t) => {
      const { usageCount } = await store.templates.stats(t.id);
      const { updatedAt: _, ...summary } = summaryView({ ...t, usageCount, lastUsedAt: null });
      return summary;
    }),
  );
}

/** One template in full, a fixed recipient masked; null when the project has none by that name. */
export async function showTemplate(store: Store, projectId: string, name: string) {
  const t = await store.templates.get(projectId, name);
  if (!t) return null;
  return templateView(t, await store.templates.stats(t.id));
}

/** Every stored template pattern the pattern engine refuses, in every project: their sends fail closed. */
export async function listRefusedPatterns(store: Store): Promise<Array<RefusedPattern & { projectId: string }>> {
  const found: Array<RefusedPattern & { projectId: string }> = [];
  for (const project of await store.projects.list()) {
    for (const refused of refusedPatterns(await store.templates.list(project.id)))
      found.push({ projectId: project.id, ...refused });
  }
  return found;
}
