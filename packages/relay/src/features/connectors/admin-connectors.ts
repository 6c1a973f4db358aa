import type { Channel } from '@messagejs/shared-types';
import type { ConnectorRecord, Store } from '../../store/types.js';
import { newId } from '../../crypto/tokens.js';
import type { Sealer } from '../../crypto/sealer.js';
import { getConnectorDefinition } from '../../providers/registry.js';
import { ConnectorError } from '../../providers/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { requireProject } from '../projects/require-project.js';

/** Connector administration shared by the CLI and (later) the admin API; every addition is audited. */

/** Adds a connector: config validated, credentials validated and sealed at once. */
export async function addConnector(
  store: Store,
  sealer: Sealer,
  input: {
    projectId: string;
    type: string;
    name?: string;
    channels?: Channel[];
    config?: unknown;
    credentials?: unknown;
    priority?: number;
  },
  now: number,
  actor: Actor = systemActor,
): Promise<ConnectorRecord> {
  await requireProject(store, input.projectId);
  const definition = getConnectorDefinition(input.type);
  if (!definition)
    throw new AppError('validation_failed', `Unknown connector type \`${input.type}\`.`, { field: 'type' });
  const config = definition.configSchema.safeParse(input.config ?? {});
  if (!config.success) throw prefixed(toValidationError(config.error), 'config');
  const credentials = definition.credentialsSchema.safeParse(input.credentials ?? {});
  if (!credentials.success) throw prefixed(toValidationError(credentials.error), 'credentials');
  const wanted = input.channels ?? [...definition.channels];
  const unsupported = wanted.find((c) => !definition.channels.includes(c));
  if (unsupported)
    throw new AppError('validation_failed', `\`${input.type}\` does not deliver \`${unsupported}\`.`, {
      field: 'channels',
    });
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
  await recordChange(store, actor, {
    projectId: record.projectId,
    action: 'connector.create',
    detail: { connectorId: record.id, type: record.type },
    at: now,
  });
  return record;
}

function prefixed(error: AppError, prefix: string): AppError {
  // Name the field, never echo the value: it may be a secret.
  const field = error.field ? `${prefix}.${error.field}` : prefix;
  return new AppError('validation_failed', error.message.replace(/^`[^`]*`/, `\`${field}\``), { field });
}

/** A connector as admin answers show it: its credentials only as `sealed` or `none`. */
export function connectorView(c: ConnectorRecord) {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    channels: c.channels,
    priority: c.priority,
    enabled: c.enabled,
    credentials: c.sealedCredentials ? ('sealed' as const) : ('none' as const),
  };
}

/** The project's connectors, credentials never shown. */
export async function listConnectors(
  store: Store,
  projectId: string,
): Promise<Array<ReturnType<typeof connectorView>>> {
  return (await store.connectors.list(projectId)).map(connectorView);
}

/** What `connectors test` reports: the connector's own words, or the provider's refusal. */
export type ConnectorCheck =
  | { ok: true; type: string; detail: string }
  | { ok: false; code: string; providerCode: string | null; kind: ConnectorError['kind']; detail: string };

/** Calls the connector's check; rejects with its `ConnectorError` when the provider refuses. */
async function runConnectorTest(
  store: Store,
  sealer: Sealer,
  id: string,
  baseUrls: Record<string, string>,
): Promise<{ type: string; detail: string }> {
  const record = await store.connectors.get(id);
  if (!record) throw new AppError('connector_not_found', `No connector ${id}.`, { field: 'id' });
  const definition = getConnectorDefinition(record.type);
  if (!definition) throw new AppError('connector_not_found', `Unknown connector type ${record.type}.`);
  const connector = definition.create({
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- validated by the definition's own zod schema
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
 * `connectors test`: calls the provider's cheapest authenticated endpoint with the stored
 * credentials. A provider's refusal (`ConnectorError`) is an answer (`ok: false`), not a throw.
 */
export async function testConnector(
  store: Store,
  sealer: Sealer,
  id: string,
  baseUrls: Record<string, string> = {},
): Promise<ConnectorCheck> {
  try {
    return { ok: true, ...(await runConnectorTest(store, sealer, id, baseUrls)) };
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    return { ok: false, code: error.code, providerCode: error.providerCode, kind: error.kind, detail: error.message };
  }
}
