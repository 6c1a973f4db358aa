import {
  createConnectorRequestSchema,
  type Channel,
  type Connector as ConnectorView,
  type CreateConnectorRequest,
} from '@messagejs/shared-types';
import type { ConnectorRecord, Page, PageRequest, Store } from '../../store/types.js';
import { newId } from '../../crypto/tokens.js';
import type { Sealer } from '../../crypto/sealer.js';
import { getConnectorDefinition } from '../../providers/registry.js';
import { ConnectorError, type ConnectorDefinition } from '../../providers/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { systemPrincipal, type Principal } from '../../domain/principal.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';

/**
 * Connector administration shared by the CLI and the admin API (`manage_connectors`): create,
 * list, read and test here; update, replace credentials and delete in `update-connectors.ts`.
 * Credentials are write-only: validated by the type's own schema, sealed at once, never answered.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** A connector as admin answers show it: its credentials only as `sealed` or `none`. */
export function connectorView(c: ConnectorRecord): ConnectorView {
  return {
    id: c.id,
    projectId: c.projectId,
    type: c.type,
    name: c.name,
    channels: c.channels,
    config: c.config,
    priority: c.priority,
    sendRate: c.sendRate ?? null,
    enabled: c.enabled,
    credentials: c.sealedCredentials ? 'sealed' : 'none',
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt ?? c.createdAt),
  };
}

/** A validation error under `prefix` (`config.from`), naming the field, never echoing the value: it may be a secret. */
export function prefixed(error: AppError, prefix: string): AppError {
  const field = error.field ? `${prefix}.${error.field}` : prefix;
  return new AppError('validation_failed', error.message.replace(/^`[^`]*`/, `\`${field}\``), { field });
}

/** The type's definition, or `400` on `type`. */
export function definitionOf(type: string): ConnectorDefinition<unknown, unknown> {
  const definition = getConnectorDefinition(type);
  if (!definition) {
    throw new AppError(
      'validation_failed',
      `Unknown connector type \`${type.slice(0, 50)}\`: see GET /v1/connector-types.`,
      {
        field: 'type',
      },
    );
  }
  return definition;
}

/** Settings checked against the type's own schema. */
export function checkedConfig(definition: ConnectorDefinition<unknown, unknown>, config: unknown) {
  const parsed = definition.configSchema.safeParse(config ?? {});
  if (!parsed.success) throw prefixed(toValidationError(parsed.error), 'config');
  return parsed.data as Record<string, unknown>;
}

/** Credentials checked against the type's own schema and sealed. */
export function sealedCredentials(
  definition: ConnectorDefinition<unknown, unknown>,
  credentials: unknown,
  sealer: Sealer,
) {
  const parsed = definition.credentialsSchema.safeParse(credentials ?? {});
  if (!parsed.success) throw prefixed(toValidationError(parsed.error), 'credentials');
  return sealer.seal(parsed.data);
}

/** The channels a connector serves: all its type delivers by default, never one it does not. */
export function checkedChannels(
  definition: ConnectorDefinition<unknown, unknown>,
  wanted: readonly Channel[] | undefined,
) {
  const list = wanted ?? [...definition.channels];
  const unsupported = list.find((c) => !definition.channels.includes(c));
  if (unsupported) {
    throw new AppError(
      'validation_failed',
      `\`${definition.type}\` does not deliver \`${String(unsupported).slice(0, 30)}\`.`,
      {
        field: 'channels',
      },
    );
  }
  return [...new Set(list)];
}

/** Adds a connector: its settings validated, its credentials validated and sealed at once. */
export function addConnector(
  store: Store,
  sealer: Sealer,
  input: { projectId: string } & Omit<CreateConnectorRequest, 'config' | 'credentials'> & {
      config?: unknown;
      credentials?: unknown;
    },
  now: number,
  actor: Actor = systemActor,
): Promise<ConnectorRecord> {
  const { projectId, ...request } = input;
  return createConnector(store, sealer, projectId, request, now, actor);
}

/** `POST /v1/projects/:projectId/connectors`: the body as the API takes it (`createConnectorRequestSchema`). */
export async function createConnector(
  store: Store,
  sealer: Sealer,
  projectId: string,
  body: unknown,
  now: number,
  actor: Actor,
): Promise<ConnectorRecord> {
  const project = await projectFor(store, projectId, 'manage_connectors', actor.principal);
  const parsed = createConnectorRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const request = parsed.data;
  const definition = definitionOf(request.type);
  const record: ConnectorRecord = {
    id: newId('con'),
    projectId: project.id,
    type: request.type,
    name: request.name ?? request.type,
    config: checkedConfig(definition, request.config),
    channels: checkedChannels(definition, request.channels),
    sealedCredentials:
      request.credentials === undefined ? null : sealedCredentials(definition, request.credentials, sealer),
    priority: request.priority ?? 100,
    ...(request.sendRate != null && { sendRate: request.sendRate }),
    enabled: request.enabled ?? true,
    createdAt: now,
    updatedAt: now,
  };
  await store.transaction(async (tx) => {
    await tx.connectors.create(record);
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'connector.create',
      resource: { type: 'connector', id: record.id },
      after: connectorView(record),
      at: now,
    });
  });
  return record;
}

/** The project's connector, after the project (404) and `manage_connectors` (403) checks. */
export async function connectorFor(
  store: Store,
  ids: { projectId: string; connectorId: string },
  principal: Principal,
): Promise<ConnectorRecord> {
  await projectFor(store, ids.projectId, 'manage_connectors', principal);
  const record = await store.connectors.get(ids.connectorId);
  if (!record || record.projectId !== ids.projectId) {
    throw new AppError('connector_not_found', `No connector ${ids.connectorId.slice(0, 100)} in this project.`, {
      field: 'connectorId',
    });
  }
  return record;
}

/** The project's connectors, newest first, credentials never shown. */
export async function pageConnectors(
  store: Store,
  projectId: string,
  page: PageRequest,
  principal: Principal,
): Promise<Page<ConnectorRecord>> {
  await projectFor(store, projectId, 'manage_connectors', principal);
  return store.connectors.page(projectId, page);
}

/** Every connector of the project by priority (`connectors list`), credentials never shown. */
export async function listConnectors(
  store: Store,
  projectId: string,
  principal: Principal = systemPrincipal,
): Promise<ConnectorView[]> {
  await projectFor(store, projectId, 'manage_connectors', principal);
  return (await store.connectors.list(projectId)).map(connectorView);
}

/** What `connectors test` reports: the connector's own words, or the provider's refusal. */
export type ConnectorCheck =
  | { ok: true; type: string; detail: string }
  | { ok: false; code: string; providerCode: string | null; kind: ConnectorError['kind']; detail: string };

/** Calls the connector's check; rejects with its `ConnectorError` when the provider refuses. */
async function runConnectorTest(
  record: ConnectorRecord,
  sealer: Sealer,
  baseUrls: Record<string, string>,
): Promise<{ type: string; detail: string }> {
  const definition = definitionOf(record.type);
  const connector = definition.create({
    config: definition.configSchema.parse(record.config),
    ...(baseUrls[record.type] && { baseUrl: baseUrls[record.type] }),
  });
  try {
    if (!connector.test) return { type: record.type, detail: 'This connector has no check.' };
    const credentials = record.sealedCredentials ? sealer.open(record.sealedCredentials) : {};
    const { detail } = await connector.test(credentials, { signal: AbortSignal.timeout(15_000) });
    return { type: record.type, detail };
  } finally {
    await connector.close?.();
  }
}

/**
 * `connectors test` and `POST …/connectors/:connectorId/test`: calls the provider's cheapest
 * authenticated endpoint with the stored credentials (a `webhook` receiver gets a signed test
 * request). A provider's refusal (`ConnectorError`) is an answer (`ok: false`), not a throw.
 * With no project (the CLI), any connector.
 */
export async function testConnector(
  store: Store,
  sealer: Sealer,
  ids: { projectId: string | null; connectorId: string },
  baseUrls: Record<string, string> = {},
  principal: Principal = systemPrincipal,
): Promise<ConnectorCheck> {
  const record =
    ids.projectId === null
      ? await store.connectors.get(ids.connectorId)
      : await connectorFor(store, { projectId: ids.projectId, connectorId: ids.connectorId }, principal);
  if (!record || (ids.projectId === null && principal.kind !== 'cli' && principal.kind !== 'system')) {
    throw new AppError('connector_not_found', `No connector ${ids.connectorId.slice(0, 100)}.`, {
      field: 'connectorId',
    });
  }
  try {
    return { ok: true, ...(await runConnectorTest(record, sealer, baseUrls)) };
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    return { ok: false, code: error.code, providerCode: error.providerCode, kind: error.kind, detail: error.message };
  }
}
