import { z } from 'zod';
import { channels, type Channel } from '@messagejs/shared-types';
import type { ApiKey, ConnectorRecord, Project, ProjectLimits, Store, Template } from '../store/types.js';
import { defaultLimits, defaultNumberTypes, numberTypes } from '../store/types.js';
import { keyPrefix, newApiKey, newId, sha256Hex } from '../crypto/tokens.js';
import type { Sealer } from '../crypto/sealer.js';
import { getConnectorDefinition } from '../connectors/registry.js';
import { HttpError } from './http-error.js';
import { paramSpecSchema, placeholdersOf } from './templates.js';
import { toValidationError } from './send-message.js';
import { resolveRecipient } from './recipients.js';

/** Project administration shared by the CLI and (later) the admin API. */

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
  allowedOrigins: z.array(originSchema).max(100).default([]),
  allowedCountries: z.array(countrySchema).max(250).default([]),
  defaultCountry: countrySchema.nullable().default(null),
  allowedNumberTypes: numberTypesSchema.default([...defaultNumberTypes]),
  development: z.boolean().default(false),
});

export async function createProject(store: Store, input: z.input<typeof projectInputSchema>, now: number): Promise<Project> {
  const parsed = projectInputSchema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  const project: Project = { id: newId('prj'), ...parsed.data, limits: { ...defaultLimits }, prices: null, fallbacks: {}, createdAt: now };
  await store.projects.create(project);
  await store.audit.record({ projectId: project.id, actor: 'cli', action: 'project.create', at: now });
  return project;
}

export async function requireProject(store: Store, id: string): Promise<Project> {
  const project = await store.projects.get(id);
  if (!project) throw new HttpError('project_not_found', `No project ${id}.`, { field: 'project' });
  return project;
}

/** Creates a key and returns it in full — the only time it is ever shown. */
export async function createKey(
  store: Store,
  input: { projectId: string; kind: 'public' | 'secret'; name?: string | null; expiresAt?: number | null },
  now: number,
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
  await store.audit.record({ projectId: key.projectId, actor: 'cli', action: 'key.create', detail: { keyId: key.id, kind: key.kind }, at: now });
  return { key, secret };
}

export async function updateOrigins(store: Store, projectId: string, op: 'add' | 'remove', origin: string): Promise<Project> {
  const project = await requireProject(store, projectId);
  const parsed = originSchema.safeParse(origin);
  if (!parsed.success) throw new HttpError('validation_failed', `\`origin\` ${parsed.error.issues[0]!.message}.`, { field: 'origin' });
  const set = new Set(project.allowedOrigins);
  if (op === 'add') set.add(origin);
  else set.delete(origin);
  return (await store.projects.update(projectId, { allowedOrigins: [...set] }))!;
}

export async function setCountries(store: Store, projectId: string, countries: string[], defaultCountry?: string | null): Promise<Project> {
  await requireProject(store, projectId);
  const parsed = z.array(countrySchema).safeParse(countries.map((c) => c.trim().toUpperCase()));
  if (!parsed.success) throw toValidationError(parsed.error);
  const patch: Partial<Project> = { allowedCountries: [...new Set(parsed.data)] };
  if (defaultCountry !== undefined) patch.defaultCountry = defaultCountry ? defaultCountry.toUpperCase() : null;
  return (await store.projects.update(projectId, patch))!;
}

/**
 * Sets the number types the project's phone channels (SMS, WhatsApp, verification) send to, e.g.
 * `['mobile', 'fixed_line_or_mobile', 'fixed_line']`. Names are checked against `numberTypes`;
 * the change is audited with the lists before and after.
 */
/** Marks a project as a development project or not (`projects development on|off`), audited. */
export async function setDevelopment(store: Store, projectId: string, development: boolean, now: number): Promise<Project> {
  const project = await requireProject(store, projectId);
  const updated = (await store.projects.update(projectId, { development }))!;
  await store.audit.record({ projectId, actor: 'cli', action: 'project.development', detail: { before: project.development, after: development }, at: now });
  return updated;
}

export async function setNumberTypes(store: Store, projectId: string, types: string[], now: number): Promise<Project> {
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
    throw new HttpError('validation_failed', message, { field: 'allowedNumberTypes' });
  }
  const allowedNumberTypes = parsed.data;
  const updated = (await store.projects.update(projectId, { allowedNumberTypes }))!;
  await store.audit.record({
    projectId,
    actor: 'cli',
    action: 'project.number_types',
    detail: { before: project.allowedNumberTypes, after: allowedNumberTypes },
    at: now,
  });
  return updated;
}

export const limitsSchema = z.strictObject({
  perKeyPerHour: z.number().int().min(1),
  perIpPerMinute: z.number().int().min(1),
  perRecipientPer10Minutes: z.number().int().min(1),
  perTemplatePer10Minutes: z.number().int().min(1),
  perPrefixPerHour: z.number().int().min(1),
  perProjectPerDay: z.number().int().min(1),
}).partial();

export async function setLimits(store: Store, projectId: string, patch: Partial<ProjectLimits>): Promise<Project> {
  const project = await requireProject(store, projectId);
  const parsed = limitsSchema.safeParse(patch);
  if (!parsed.success) throw toValidationError(parsed.error);
  return (await store.projects.update(projectId, { limits: { ...project.limits, ...parsed.data } }))!;
}

const channelSchema = z.enum(channels);

/** A template as written in a JSON/YAML file or built from CLI flags. */
export const templateInputSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be lowercase letters, digits, _ or -'),
  channel: channelSchema,
  channels: z.array(channelSchema).min(1).max(5).optional(),
  recipient: z.union([z.strictObject({ mode: z.literal('fixed'), to: z.string().min(1) }), z.strictObject({ mode: z.literal('caller') })]),
  subject: z.string().min(1).max(500).optional(),
  body: z.string().min(1).max(10_000),
  html: z.string().min(1).max(100_000).optional(),
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), paramSpecSchema).default({}),
});

/** Validates and stores a template: every placeholder must be a declared param. */
export async function saveTemplate(store: Store, projectId: string, input: unknown, now: number): Promise<Template> {
  const project = await requireProject(store, projectId);
  const parsed = templateInputSchema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  const t = parsed.data;
  for (const name of placeholdersOf(t.body, t.subject, t.html)) {
    if (!Object.hasOwn(t.params, name)) {
      throw new HttpError('validation_failed', `The template uses {{${name}}} but declares no param \`${name}\`.`, { field: `params.${name}` });
    }
  }
  const first = t.channels?.[0];
  if (first && first !== t.channel) throw new HttpError('validation_failed', '`channels` must start with `channel`.', { field: 'channels' });
  const recipient = t.recipient.mode === 'fixed' ? { mode: 'fixed' as const, to: resolveRecipient(t.channel, t.recipient.to, project, 'recipient.to').address } : t.recipient;
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
  return template;
}

/** Adds a connector: config validated, credentials validated and sealed at once. */
export async function addConnector(
  store: Store,
  sealer: Sealer,
  input: { projectId: string; type: string; name?: string; channels?: Channel[]; config?: unknown; credentials?: unknown; priority?: number },
  now: number,
): Promise<ConnectorRecord> {
  await requireProject(store, input.projectId);
  const definition = getConnectorDefinition(input.type);
  if (!definition) throw new HttpError('validation_failed', `Unknown connector type \`${input.type}\`.`, { field: 'type' });
  const config = definition.configSchema.safeParse(input.config ?? {});
  if (!config.success) throw prefixed(toValidationError(config.error), 'config');
  const credentials = definition.credentialsSchema.safeParse(input.credentials ?? {});
  if (!credentials.success) throw prefixed(toValidationError(credentials.error), 'credentials');
  const wanted = input.channels ?? [...definition.channels];
  const unsupported = wanted.find((c) => !definition.channels.includes(c));
  if (unsupported) throw new HttpError('validation_failed', `\`${input.type}\` does not deliver \`${unsupported}\`.`, { field: 'channels' });
  const record: ConnectorRecord = {
    id: newId('con'),
    projectId: input.projectId,
    type: input.type,
    name: input.name ?? input.type,
    channels: wanted,
    config: config.data as Record<string, unknown>,
    sealedCredentials: input.credentials === undefined ? null : sealer.seal(credentials.data),
    priority: input.priority ?? 100,
    enabled: true,
    createdAt: now,
  };
  await store.connectors.create(record);
  await store.audit.record({ projectId: record.projectId, actor: 'cli', action: 'connector.create', detail: { connectorId: record.id, type: record.type }, at: now });
  return record;
}

function prefixed(error: HttpError, prefix: string): HttpError {
  // Name the field, never echo the value: it may be a secret.
  const field = error.field ? `${prefix}.${error.field}` : prefix;
  return new HttpError('validation_failed', error.message.replace(/^`[^`]*`/, `\`${field}\``), { field });
}

/**
 * `connectors test`: calls the provider's cheapest authenticated endpoint with the stored
 * credentials. Resolves with the connector's own words, or rejects with its `ConnectorError`.
 */
export async function testConnector(store: Store, sealer: Sealer, id: string, baseUrls: Record<string, string> = {}): Promise<{ type: string; detail: string }> {
  const record = await store.connectors.get(id);
  if (!record) throw new HttpError('connector_not_found', `No connector ${id}.`, { field: 'id' });
  const definition = getConnectorDefinition(record.type);
  if (!definition) throw new HttpError('connector_not_found', `Unknown connector type ${record.type}.`);
  const connector = definition.create({ config: definition.configSchema.parse(record.config), ...(baseUrls[record.type] && { baseUrl: baseUrls[record.type] }) });
  try {
    if (!connector.test) return { type: record.type, detail: 'This connector has no check.' };
    const credentials = record.sealedCredentials ? sealer.open(record.sealedCredentials) : {};
    const { detail } = await connector.test(credentials, { signal: AbortSignal.timeout(15_000) });
    return { type: record.type, detail };
  } finally {
    await connector.close?.();
  }
}

const priceSchema = z.strictObject({ eur: z.number().min(0).max(100), mad: z.number().min(0).max(1000) });
/** A price table: channel → country code (or `*` for any other) → price per SMS segment or per message. */
export const priceTableSchema = z.partialRecord(
  z.enum(channels),
  z.record(z.string().regex(/^([A-Z]{2}|\*)$/, 'must be a country code such as MA, or *'), priceSchema),
);

/** Sets the project's price table (null: back to the relay's defaults). */
export async function setPrices(store: Store, projectId: string, table: unknown): Promise<Project> {
  await requireProject(store, projectId);
  if (table === null) return (await store.projects.update(projectId, { prices: null }))!;
  const parsed = priceTableSchema.safeParse(table);
  if (!parsed.success) throw toValidationError(parsed.error);
  return (await store.projects.update(projectId, { prices: parsed.data }))!;
}

/** Sets the channels a channel falls back to when a message names none (empty list: none). */
export async function setFallbacks(store: Store, projectId: string, channel: string, to: string[]): Promise<Project> {
  const project = await requireProject(store, projectId);
  const parsed = z.object({ channel: z.enum(channels), to: z.array(z.enum(channels)).max(4) }).safeParse({ channel, to });
  if (!parsed.success) throw toValidationError(parsed.error);
  if (parsed.data.to.includes(parsed.data.channel)) {
    throw new HttpError('validation_failed', 'A channel cannot fall back to itself.', { field: 'to' });
  }
  const fallbacks = { ...project.fallbacks, [parsed.data.channel]: parsed.data.to };
  if (parsed.data.to.length === 0) delete fallbacks[parsed.data.channel];
  return (await store.projects.update(projectId, { fallbacks }))!;
}
