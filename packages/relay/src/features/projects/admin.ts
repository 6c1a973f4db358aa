import { z } from 'zod';
import { channels } from '@messagejs/shared-types';
import type { ApiKey, Project, ProjectLimits, Store } from '../../store/types.js';
import { defaultLimits, defaultNumberTypes, numberTypes } from '../../store/types.js';
import { keyPrefix, newApiKey, newId, sha256Hex } from '../../crypto/tokens.js';
import type { Sealer } from '../../crypto/sealer.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { defaultPriceTable } from '../../domain/pricing.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { requireProject } from './require-project.js';
import { ensureSigningKey } from '../verify/signing-keys.js';

/**
 * Project administration (projects, keys, origins, countries, number types, limits, prices,
 * fallbacks) shared by the CLI and (later) the admin API. Every function that changes something
 * takes the `Actor` making the change and writes it to the audit log itself; templates and
 * connectors do the same in `admin-templates.ts` and `admin-connectors.ts`.
 */

export { requireProject };

const originSchema = z.string().refine((o) => {
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
  } catch {
    return false;
  }
}, 'must be an origin such as https://example.com (scheme, host and port only)');

const countrySchema = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as MA');

const numberTypesSchema = z.array(z.enum(numberTypes)).min(1, 'name at least one number type').max(numberTypes.length);
export const projectInputSchema = z.strictObject({
  name: z.string().min(1).max(100),
  /** The owning account; left out, the relay's only account when it has exactly one (else none, until adopted). */
  accountId: z.string().min(1).max(100).nullable().optional(),
  allowedOrigins: z.array(originSchema).max(100).default([]),
  allowedCountries: z.array(countrySchema).max(250).default([]),
  defaultCountry: countrySchema.nullable().default(null),
  allowedNumberTypes: numberTypesSchema.default([...defaultNumberTypes]),
  development: z.boolean().default(false),
});

/**
 * Creates a project (country codes read in any case). With a `sealer`, the key that signs its
 * verification tokens is made with it, as the CLI and the demo do; without one, it is made on
 * first use.
 */
export async function createProject(
  store: Store,
  input: z.input<typeof projectInputSchema>,
  now: number,
  actor: Actor = systemActor,
  sealer?: Sealer,
): Promise<Project> {
  const parsed = projectInputSchema.safeParse({
    ...input,
    ...(input.allowedCountries && { allowedCountries: input.allowedCountries.map((c) => c.trim().toUpperCase()) }),
    ...(input.defaultCountry && { defaultCountry: input.defaultCountry.toUpperCase() }),
  });
  if (!parsed.success) throw toValidationError(parsed.error);
  const project: Project = {
    id: newId('prj'),
    ...parsed.data,
    accountId: parsed.data.accountId === undefined ? await onlyAccountId(store) : parsed.data.accountId,
    limits: { ...defaultLimits },
    prices: null,
    fallbacks: {},
    createdAt: now,
  };
  await store.projects.create(project);
  await recordChange(store, actor, { projectId: project.id, action: 'project.create', at: now });
  if (sealer) await ensureSigningKey(store, sealer, project.id, now);
  return project;
}

/** The relay's account when it has exactly one: where projects made without naming one go (issue 12). */
async function onlyAccountId(store: Store): Promise<string | null> {
  const accounts = await store.accounts.list(2);
  return accounts.length === 1 ? accounts[0]!.id : null;
}

/** Every project, oldest first. */
export function listProjects(store: Store): Promise<Project[]> {
  return store.projects.list();
}

/** A key as admin answers show it: its prefix, never the key; dates as ISO 8601. */
export function keyView(k: ApiKey) {
  return {
    id: k.id,
    kind: k.kind,
    prefix: `${k.prefix}…`,
    name: k.name,
    createdAt: new Date(k.createdAt).toISOString(),
    expiresAt: k.expiresAt && new Date(k.expiresAt).toISOString(),
    revoked: k.revokedAt !== null,
  };
}

/** Creates a key and returns it in full — the only time it is ever shown. */
export async function createKey(
  store: Store,
  input: { projectId: string; kind: 'public' | 'secret'; name?: string | null; expiresAt?: number | null },
  now: number,
  actor: Actor = systemActor,
): Promise<{ key: ApiKey; secret: string }> {
  await requireProject(store, input.projectId);
  const secret = newApiKey(input.kind);
  const key: ApiKey = {
    id: newId('key'),
    projectId: input.projectId,
    kind: input.kind,
    prefix: keyPrefix(secret),
    name: input.name ?? null,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
  };
  await store.keys.create(key, sha256Hex(secret));
  await recordChange(store, actor, {
    projectId: key.projectId,
    action: 'key.create',
    detail: { keyId: key.id, kind: key.kind },
    at: now,
  });
  return { key, secret };
}

/** The project's keys, prefixes only (none for an unknown project). */
export async function listKeys(store: Store, projectId: string): Promise<Array<ReturnType<typeof keyView>>> {
  return (await store.keys.list(projectId)).map(keyView);
}

/**
 * Revokes a key; false when there is no active key with that id. The audit entry names no
 * project: the key store finds keys by hash, not by id.
 */
export async function revokeKey(
  store: Store,
  keyId: string,
  now: number,
  actor: Actor = systemActor,
): Promise<boolean> {
  if (!(await store.keys.revoke(keyId, now))) return false;
  await recordChange(store, actor, { projectId: null, action: 'key.revoke', detail: { keyId }, at: now });
  return true;
}

export async function updateOrigins(
  store: Store,
  projectId: string,
  op: 'add' | 'remove',
  origin: string,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await requireProject(store, projectId);
  const parsed = originSchema.safeParse(origin);
  if (!parsed.success)
    throw new AppError('validation_failed', `\`origin\` ${parsed.error.issues[0]!.message}.`, { field: 'origin' });
  const set = new Set(project.allowedOrigins);
  if (op === 'add') set.add(origin);
  else set.delete(origin);
  const updated = (await store.projects.update(projectId, { allowedOrigins: [...set] }))!;
  await recordChange(store, actor, {
    projectId,
    action: 'project.origins',
    detail: { before: project.allowedOrigins, after: updated.allowedOrigins },
    at: now,
  });
  return updated;
}

export async function setCountries(
  store: Store,
  projectId: string,
  countries: string[],
  defaultCountry?: string | null,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await requireProject(store, projectId);
  const parsed = z.array(countrySchema).safeParse(countries.map((c) => c.trim().toUpperCase()));
  if (!parsed.success) throw toValidationError(parsed.error);
  const patch: Partial<Project> = { allowedCountries: [...new Set(parsed.data)] };
  if (defaultCountry !== undefined) patch.defaultCountry = defaultCountry ? defaultCountry.toUpperCase() : null;
  const updated = (await store.projects.update(projectId, patch))!;
  const countriesOf = (p: Project) => ({ allowedCountries: p.allowedCountries, defaultCountry: p.defaultCountry });
  await recordChange(store, actor, {
    projectId,
    action: 'project.countries',
    detail: { before: countriesOf(project), after: countriesOf(updated) },
    at: now,
  });
  return updated;
}

/** Marks a project as a development project or not (`projects development on|off`), audited. */
export async function setDevelopment(
  store: Store,
  projectId: string,
  development: boolean,
  now: number,
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await requireProject(store, projectId);
  const updated = (await store.projects.update(projectId, { development }))!;
  await recordChange(store, actor, {
    projectId,
    action: 'project.development',
    detail: { before: project.development, after: development },
    at: now,
  });
  return updated;
}

/**
 * Sets the number types the project's phone channels (SMS, WhatsApp, verification) send to, e.g.
 * `['mobile', 'fixed_line_or_mobile', 'fixed_line']`. Names are checked against `numberTypes`;
 * the change is audited with the lists before and after.
 */
export async function setNumberTypes(
  store: Store,
  projectId: string,
  types: string[],
  now: number,
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await requireProject(store, projectId);
  // `fixed-line` and `FIXED_LINE` are read as `fixed_line`.
  const names = [...new Set(types.map((t) => t.trim().toLowerCase().replaceAll('-', '_')))];
  const parsed = numberTypesSchema.safeParse(names);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const bad = issue.path.length > 0 ? names[Number(issue.path[0])] : undefined;
    const message =
      bad === undefined
        ? `\`allowedNumberTypes\`: ${issue.message}.`
        : `\`allowedNumberTypes\`: \`${bad.slice(0, 40)}\` is not a number type; use ${numberTypes.join(', ')}.`;
    throw new AppError('validation_failed', message, { field: 'allowedNumberTypes' });
  }
  const allowedNumberTypes = parsed.data;
  const updated = (await store.projects.update(projectId, { allowedNumberTypes }))!;
  await recordChange(store, actor, {
    projectId,
    action: 'project.number_types',
    detail: { before: project.allowedNumberTypes, after: allowedNumberTypes },
    at: now,
  });
  return updated;
}

export const limitsSchema = z
  .strictObject({
    perKeyPerHour: z.number().int().min(1),
    perIpPerMinute: z.number().int().min(1),
    perRecipientPer10Minutes: z.number().int().min(1),
    perTemplatePer10Minutes: z.number().int().min(1),
    perPrefixPerHour: z.number().int().min(1),
    perProjectPerDay: z.number().int().min(1),
  })
  .partial();

export async function setLimits(
  store: Store,
  projectId: string,
  patch: Partial<ProjectLimits>,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await requireProject(store, projectId);
  const parsed = limitsSchema.safeParse(patch);
  if (!parsed.success) throw toValidationError(parsed.error);
  const updated = (await store.projects.update(projectId, { limits: { ...project.limits, ...parsed.data } }))!;
  await recordChange(store, actor, {
    projectId,
    action: 'project.limits',
    detail: { before: project.limits, after: updated.limits },
    at: now,
  });
  return updated;
}

const priceSchema = z.strictObject({ eur: z.number().min(0).max(100), mad: z.number().min(0).max(1000) });
/** A price table: channel → country code (or `*` for any other) → price per SMS segment or per message. */
export const priceTableSchema = z.partialRecord(
  z.enum(channels),
  z.record(z.string().regex(/^([A-Z]{2}|\*)$/, 'must be a country code such as MA, or *'), priceSchema),
);

/** Sets the project's price table (null: back to the relay's defaults). */
export async function setPrices(
  store: Store,
  projectId: string,
  table: unknown,
  now = Date.now(),
  actor: Actor = systemActor,
): Promise<Project> {
  const project = await requireProject(store, projectId);
  let prices: Project['prices'] = null;
  if (table !== null) {
    const parsed = priceTableSchema.safeParse(table);
    if (!parsed.success) throw toValidationError(parsed.error);
    prices = parsed.data;
  }
  const updated = (await store.projects.update(projectId, { prices }))!;
  await recordChange(store, actor, {
    projectId,
    action: 'project.prices',
    detail: { before: project.prices, after: updated.prices },
    at: now,
  });
  return updated;
}

/** The project's price table, or the relay's default one when it set none. */
export async function showPrices(store: Store, projectId: string) {
  return (await requireProject(store, projectId)).prices ?? defaultPriceTable;
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
  const project = await requireProject(store, projectId);
  const parsed = z
    .object({ channel: z.enum(channels), to: z.array(z.enum(channels)).max(4) })
    .safeParse({ channel, to });
  if (!parsed.success) throw toValidationError(parsed.error);
  if (parsed.data.to.includes(parsed.data.channel)) {
    throw new AppError('validation_failed', 'A channel cannot fall back to itself.', { field: 'to' });
  }
  const fallbacks = { ...project.fallbacks, [parsed.data.channel]: parsed.data.to };
  if (parsed.data.to.length === 0) delete fallbacks[parsed.data.channel];
  const updated = (await store.projects.update(projectId, { fallbacks }))!;
  const detail = {
    channel: parsed.data.channel,
    before: project.fallbacks[parsed.data.channel] ?? [],
    after: parsed.data.to,
  };
  await recordChange(store, actor, { projectId, action: 'project.fallbacks', detail, at: now });
  return updated;
}
