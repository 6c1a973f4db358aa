import { z } from 'zod';
import {
  channels,
  countrySchema,
  fallbackRequestSchema,
  limitsPatchSchema,
  numberTypesRequestSchema,
  originSchema,
  priceTableSchema,
  quietHoursSchema,
  type Channel,
} from '@messagejs/shared-types';
import type { Project, ProjectLimits, Store } from '../../store/types.js';
import type { QuietHours } from '../../domain/project.js';
import { numberTypes } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { defaultPriceTable } from '../../domain/pricing.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { systemPrincipal, type Principal } from '../../domain/principal.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from './require-project.js';

/**
 * A project's settings (origins, countries, number types, limits, prices, fallbacks), shared by
 * the CLI and the admin API. Each needs `manage_settings`; each change is audited with the
 * setting before and after.
 */

export { limitsPatchSchema as limitsSchema, priceTableSchema };

type ProjectPatch = Parameters<Store['projects']['update']>[1];

/** Applies one settings change in a unit of work with its audit entry; `view` picks what the entry shows. */
async function changeSettings<V>(
  store: Store,
  project: Project,
  change: { action: string; patch: ProjectPatch; view: (p: Project) => V },
  now: number,
  actor: Actor,
): Promise<Project> {
  return store.transaction(async (tx) => {
    const updated = (await tx.projects.update(project.id, change.patch))!;
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: change.action,
      resource: { type: 'project', id: project.id },
      before: change.view(project),
      after: change.view(updated),
      at: now,
    });
    return updated;
  });
}

const settingsOf = (principal: Principal) => (store: Store, projectId: string) =>
  projectFor(store, projectId, 'manage_settings', principal);

/** The origin `input` names: `HTTPS://Shop.Example/` is `https://shop.example`; a path is refused. */
export function normaliseOrigin(input: string): string {
  const parsed = originSchema.safeParse(input.trim());
  if (!parsed.success) {
    throw new AppError('validation_failed', `\`origin\` ${parsed.error.issues[0]!.message}.`, { field: 'origin' });
  }
  return parsed.data;
}

/** `origins add|remove` and `POST|DELETE …/origins`. */
export async function updateOrigins(
  store: Store,
  projectId: string,
  op: 'add' | 'remove',
  origin: string,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  const normalised = normaliseOrigin(origin);
  const set = new Set(project.allowedOrigins);
  if (op === 'add') set.add(normalised);
  else set.delete(normalised);
  const allowedOrigins = [...set];
  const view = (p: Project) => ({ allowedOrigins: p.allowedOrigins });
  return changeSettings(store, project, { action: 'project.origins', patch: { allowedOrigins }, view }, now, actor);
}

/** `countries set` and `PUT …/countries`: the destination countries (any case) and, when given, the default. */
export async function setCountries(
  store: Store,
  projectId: string,
  countries: string[],
  defaultCountry?: string | null,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  const parsed = z
    .object({ allowedCountries: z.array(countrySchema).max(250), defaultCountry: countrySchema.nullable().optional() })
    .safeParse({ allowedCountries: countries, defaultCountry });
  if (!parsed.success) throw toValidationError(parsed.error);
  const patch: ProjectPatch = { allowedCountries: [...new Set(parsed.data.allowedCountries)] };
  if (parsed.data.defaultCountry !== undefined) patch.defaultCountry = parsed.data.defaultCountry;
  const view = (p: Project) => ({ allowedCountries: p.allowedCountries, defaultCountry: p.defaultCountry });
  return changeSettings(store, project, { action: 'project.countries', patch, view }, now, actor);
}

/** Marks a project as a development project or not (`projects development on|off`), audited. */
export async function setDevelopment(
  store: Store,
  projectId: string,
  development: boolean,
  now: number,
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  const view = (p: Project) => ({ development: p.development });
  return changeSettings(store, project, { action: 'project.development', patch: { development }, view }, now, actor);
}

/**
 * Sets the number types the project's phone channels (SMS, WhatsApp, verification) send to, e.g.
 * `['mobile', 'fixed_line_or_mobile', 'fixed_line']`. `fixed-line` and `FIXED_LINE` are read as
 * `fixed_line`; an unknown name is refused, naming it.
 */
export async function setNumberTypes(
  store: Store,
  projectId: string,
  types: string[],
  now: number,
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  const names = [...new Set(types.map((t) => t.trim().toLowerCase().replaceAll('-', '_')))];
  const parsed = numberTypesRequestSchema.safeParse({ allowedNumberTypes: names });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const bad = issue.path.length > 1 ? names[Number(issue.path[1])] : undefined;
    const message =
      bad === undefined
        ? `\`allowedNumberTypes\`: ${issue.message}.`
        : `\`allowedNumberTypes\`: \`${bad.slice(0, 40)}\` is not a number type; use ${numberTypes.join(', ')}.`;
    throw new AppError('validation_failed', message, { field: 'allowedNumberTypes' });
  }
  const patch = { allowedNumberTypes: parsed.data.allowedNumberTypes };
  const view = (p: Project) => ({ allowedNumberTypes: p.allowedNumberTypes });
  return changeSettings(store, project, { action: 'project.number_types', patch, view }, now, actor);
}

/** `limits set` and `PATCH …/limits`: the limits given change, the others keep their value. */
export async function setLimits(
  store: Store,
  projectId: string,
  patch: unknown,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  const parsed = limitsPatchSchema.safeParse(patch);
  if (!parsed.success) throw toValidationError(parsed.error);
  const given = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  const limits: ProjectLimits = { ...project.limits, ...given };
  const view = (p: Project) => ({ limits: p.limits });
  return changeSettings(store, project, { action: 'project.limits', patch: { limits }, view }, now, actor);
}

/** Sets the project's price table (null: back to the relay's defaults). */
export async function setPrices(
  store: Store,
  projectId: string,
  table: unknown,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  let prices: Project['prices'] = null;
  if (table !== null) {
    const parsed = priceTableSchema.safeParse(table);
    if (!parsed.success) throw toValidationError(parsed.error);
    prices = parsed.data;
  }
  const view = (p: Project) => ({ prices: p.prices });
  return changeSettings(store, project, { action: 'project.prices', patch: { prices }, view }, now, actor);
}

/** The project's price table, or the relay's default one when it set none. */
export async function showPrices(store: Store, projectId: string, principal: Principal = systemPrincipal) {
  return (await settingsOf(principal)(store, projectId)).prices ?? defaultPriceTable;
}

/** Sets the channels a channel falls back to when a message names none (empty list: none). */
export async function setFallbacks(
  store: Store,
  projectId: string,
  channel: string,
  to: string[],
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  const from = z.enum(channels).safeParse(channel);
  if (!from.success) {
    throw new AppError('validation_failed', `\`channel\` must be one of ${channels.join(', ')}.`, { field: 'channel' });
  }
  const parsed = fallbackRequestSchema.safeParse({ to });
  if (!parsed.success) throw toValidationError(parsed.error);
  if (parsed.data.to.includes(from.data)) {
    throw new AppError('validation_failed', 'A channel cannot fall back to itself.', { field: 'to' });
  }
  const fallbacks: Partial<Record<Channel, Channel[]>> = { ...project.fallbacks, [from.data]: parsed.data.to };
  if (parsed.data.to.length === 0) delete fallbacks[from.data];
  const view = (p: Project) => ({ fallbacks: p.fallbacks });
  return changeSettings(store, project, { action: 'project.fallbacks', patch: { fallbacks }, view }, now, actor);
}

/**
 * Sets a project's quiet hours (issue 16), or removes them (`null`): marketing messages accepted
 * between `start` and `end` in the recipient's time zone wait until `end`.
 */
export async function setQuietHours(
  store: Store,
  projectId: string,
  input: unknown,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await settingsOf(actor.principal)(store, projectId);
  let quietHours: QuietHours | null = null;
  if (input !== null) {
    const parsed = quietHoursSchema.safeParse(input);
    if (!parsed.success) throw toValidationError(parsed.error);
    quietHours = parsed.data;
  }
  const view = (p: Project) => ({ quietHours: p.quietHours ?? null });
  return changeSettings(store, project, { action: 'project.quiet_hours', patch: { quietHours }, view }, now, actor);
}

/** A project's settings as `GET …/origins|number-types|limits|fallbacks` read them (`manage_settings`). */
export async function readSettings(store: Store, projectId: string, principal: Principal) {
  const project = await settingsOf(principal)(store, projectId);
  return {
    allowedOrigins: project.allowedOrigins,
    allowedCountries: project.allowedCountries,
    defaultCountry: project.defaultCountry,
    allowedNumberTypes: project.allowedNumberTypes,
    limits: { ...project.limits },
    fallbacks: project.fallbacks,
    prices: project.prices,
    quietHours: project.quietHours ?? null,
  };
}
