import {
  replaceCredentialsRequestSchema,
  updateConnectorRequestSchema,
  type Connector as ConnectorView,
} from '@messagejs/shared-types';
import type { ConnectorPatch, ConnectorRecord, Store } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import { toValidationError } from '../../domain/validation.js';
import type { Actor } from '../../domain/actor.js';
import type { Principal } from '../../domain/principal.js';
import { recordChange } from '../audit/record-change.js';
import {
  checkedChannels,
  checkedConfig,
  connectorFor,
  connectorView,
  definitionOf,
  sealedCredentials,
} from './admin-connectors.js';

/** Which project and connector a change is about. */
export interface ConnectorIds {
  projectId: string;
  connectorId: string;
}

/** `GET …/connectors/:connectorId`: its settings, its credentials only as `sealed` or `none`. */
export async function getConnector(store: Store, ids: ConnectorIds, principal: Principal): Promise<ConnectorView> {
  return connectorView(await connectorFor(store, ids, principal));
}

/** Writes a change with its audit entry in one unit of work. */
async function change(
  store: Store,
  record: ConnectorRecord,
  patch: ConnectorPatch,
  action: string,
  now: number,
  actor: Actor,
): Promise<ConnectorView> {
  return store.transaction(async (tx) => {
    const updated = (await tx.connectors.update(record.id, patch, now))!;
    await recordChange(tx, actor, {
      projectId: record.projectId,
      action,
      resource: { type: 'connector', id: record.id },
      before: connectorView(record),
      after: connectorView(updated),
      at: now,
    });
    return connectorView(updated);
  });
}

/**
 * `PATCH …/connectors/:connectorId`: name, channels, settings (replaced whole, checked against the
 * type's schema), priority, send rate, and `enabled`. A change of `enabled` alone is audited as
 * `connector.enable` or `connector.disable`; a disabled connector sends nothing (a channel with no
 * enabled connector answers `422 channel_not_configured`).
 */
export async function updateConnector(
  store: Store,
  ids: ConnectorIds,
  body: unknown,
  now: number,
  actor: Actor,
): Promise<ConnectorView> {
  const record = await connectorFor(store, ids, actor.principal);
  const parsed = updateConnectorRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const request = parsed.data;
  const definition = definitionOf(record.type);
  const patch: ConnectorPatch = {
    ...(request.name !== undefined && { name: request.name }),
    ...(request.channels !== undefined && { channels: checkedChannels(definition, request.channels) }),
    ...(request.config !== undefined && { config: checkedConfig(definition, request.config) }),
    ...(request.priority !== undefined && { priority: request.priority }),
    ...(request.sendRate !== undefined && { sendRate: request.sendRate }),
    ...(request.enabled !== undefined && { enabled: request.enabled }),
  };
  const onlyEnabled = Object.keys(patch).length === 1 && patch.enabled !== undefined;
  const action = onlyEnabled ? (patch.enabled ? 'connector.enable' : 'connector.disable') : 'connector.update';
  return change(store, record, patch, action, now, actor);
}

/** `PUT …/connectors/:connectorId/credentials`: new credentials, checked by the type and sealed; the old ones are gone. */
export async function replaceCredentials(
  store: Store,
  sealer: Sealer,
  ids: ConnectorIds,
  body: unknown,
  now: number,
  actor: Actor,
): Promise<ConnectorView> {
  const record = await connectorFor(store, ids, actor.principal);
  const parsed = replaceCredentialsRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const sealed = sealedCredentials(definitionOf(record.type), parsed.data.credentials, sealer);
  return change(store, record, { sealedCredentials: sealed }, 'connector.credentials', now, actor);
}

/** `DELETE …/connectors/:connectorId`: the connector and its sealed credentials. */
export async function deleteConnector(store: Store, ids: ConnectorIds, now: number, actor: Actor): Promise<void> {
  const record = await connectorFor(store, ids, actor.principal);
  await store.transaction(async (tx) => {
    await tx.connectors.remove(record.id);
    await recordChange(tx, actor, {
      projectId: record.projectId,
      action: 'connector.delete',
      resource: { type: 'connector', id: record.id },
      before: connectorView(record),
      at: now,
    });
  });
}
