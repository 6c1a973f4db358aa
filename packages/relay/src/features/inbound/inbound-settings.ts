import { inboundSettingsRequestSchema, type InboundSettings } from '@messagejs/shared-types';
import type { InboundSettingsData, Store } from '../../store/types.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { isoTime } from '../../domain/iso-time.js';
import { toValidationError } from '../../domain/validation.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';
import { checkKeywordLists, defaultInboundSettings } from './keywords.js';

/** What the inbound admin services need: the store and the clock. */
export interface InboundAdminDeps {
  store: Store;
  now: () => number;
}

/**
 * A project's inbound settings (keywords and answers per language). Kept in a table of their own
 * (`inbound_settings`), not a column of `projects`: the project row is read and cached on every
 * authenticated request, these only when a message comes in or an admin reads them, and a project
 * that never changes them stores nothing (the defaults are the code's, so improving them reaches
 * every such project). Reading and writing need `manage_settings`, as the other project settings.
 */

/** The settings inbound messages are read with: the stored ones, or the defaults. */
export async function loadInboundSettings(store: Store, projectId: string): Promise<InboundSettingsData> {
  return (await store.inbound.getSettings(projectId))?.settings ?? defaultInboundSettings;
}

function settingsView(settings: InboundSettingsData, updatedAt: number | null): InboundSettings {
  return {
    defaultLanguage: settings.defaultLanguage,
    languages: settings.languages,
    custom: updatedAt !== null,
    updatedAt: updatedAt === null ? null : isoTime(updatedAt),
  };
}

/** `GET /v1/projects/:projectId/inbound-settings`. */
export async function showInboundSettings(
  deps: InboundAdminDeps,
  projectId: string,
  actor: Actor = systemActor,
): Promise<InboundSettings> {
  await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  const stored = await deps.store.inbound.getSettings(projectId);
  return stored ? settingsView(stored.settings, stored.updatedAt) : settingsView(defaultInboundSettings, null);
}

/** `PUT /v1/projects/:projectId/inbound-settings`: replaces them all, audited as `inbound.settings`. */
export async function replaceInboundSettings(
  deps: InboundAdminDeps,
  projectId: string,
  body: unknown,
  actor: Actor = systemActor,
): Promise<InboundSettings> {
  const project = await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  const parsed = inboundSettingsRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const settings: InboundSettingsData = parsed.data;
  checkKeywordLists(settings);
  const before = await deps.store.inbound.getSettings(projectId);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    await tx.inbound.saveSettings(projectId, settings, now);
    await recordChange(tx, actor, {
      projectId,
      accountId: project.accountId,
      action: 'inbound.settings',
      resource: { type: 'project', id: projectId },
      before: before ? before.settings : defaultInboundSettings,
      after: settings,
      at: now,
    });
  });
  return settingsView(settings, now);
}
