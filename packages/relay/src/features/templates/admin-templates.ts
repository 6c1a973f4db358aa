import { z } from 'zod';
import { channels } from '@messagejs/shared-types';
import type { Store, Template } from '../../store/types.js';
import { newId } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { paramSpecSchema, placeholdersOf, refusedPatterns, type RefusedPattern } from './templates.js';
import { toValidationError } from '../../domain/validation.js';
import { resolveRecipient } from '../recipients/recipients.js';
import { maskAddress } from '../../domain/mask.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { requireProject } from '../projects/require-project.js';

/** Template administration shared by the CLI and (later) the admin API; every save is audited. */

const channelSchema = z.enum(channels);

/** A template as written in a JSON/YAML file or built from CLI flags. */
export const templateInputSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be lowercase letters, digits, _ or -'),
  channel: channelSchema,
  channels: z.array(channelSchema).min(1).max(5).optional(),
  recipient: z.union([
    z.strictObject({ mode: z.literal('fixed'), to: z.string().min(1) }),
    z.strictObject({ mode: z.literal('caller') }),
  ]),
  subject: z.string().min(1).max(500).optional(),
  body: z.string().min(1).max(10_000),
  html: z.string().min(1).max(100_000).optional(),
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), paramSpecSchema).default({}),
});

/** Validates and stores a template: every placeholder must be a declared param. */
export async function saveTemplate(
  store: Store,
  projectId: string,
  input: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<Template> {
  const project = await requireProject(store, projectId);
  const parsed = templateInputSchema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  const t = parsed.data;
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
  const recipient =
    t.recipient.mode === 'fixed'
      ? { mode: 'fixed' as const, to: resolveRecipient(t.channel, t.recipient.to, project, 'recipient.to').address }
      : t.recipient;
  const existing = await store.templates.get(projectId, t.name);
  const template: Template = {
    id: existing?.id ?? newId('tpl'),
    projectId,
    name: t.name,
    channel: t.channel,
    channels: t.channels ?? null,
    recipient,
    subject: t.subject ?? null,
    body: t.body,
    html: t.html ?? null,
    params: t.params,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await store.templates.upsert(template);
  await recordChange(store, actor, {
    projectId,
    action: 'template.save',
    detail: { templateId: template.id, name: template.name, created: !existing },
    at: now,
  });
  return template;
}

/** A template in a list: its name, channel, recipient mode and param names. */
export function templateSummary(t: Template) {
  return { name: t.name, channel: t.channel, recipient: t.recipient.mode, params: Object.keys(t.params) };
}

/** The project's templates, by name. */
export async function listTemplates(
  store: Store,
  projectId: string,
): Promise<Array<ReturnType<typeof templateSummary>>> {
  return (await store.templates.list(projectId)).map(templateSummary);
}

/** One template in full, a fixed recipient masked; null when the project has none by that name. */
export async function showTemplate(store: Store, projectId: string, name: string) {
  const t = await store.templates.get(projectId, name);
  if (!t) return null;
  return {
    ...t,
    recipient: t.recipient.mode === 'fixed' ? { mode: 'fixed' as const, to: maskAddress(t.recipient.to) } : t.recipient,
  };
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
