import { inboundStatsQuerySchema, type InboundStats } from '@messagejs/shared-types';
import { systemActor, type Actor } from '../../domain/actor.js';
import { isoTime } from '../../domain/iso-time.js';
import { toValidationError } from '../../domain/validation.js';
import { projectFor } from '../projects/require-project.js';
import type { InboundAdminDeps } from './inbound-settings.js';

/** The window stats cover when the query names none: the last 7 days. */
const DEFAULT_WINDOW_MS = 7 * 86_400_000;

/**
 * `GET /v1/projects/:projectId/inbound/stats` (`view_analytics`, as the other figures): the SMS
 * Router's figures over a window — messages in, routed to a user by a phone mapping or not,
 * keywords, answers, and the time from receipt to stored.
 */
export async function inboundStats(
  deps: InboundAdminDeps,
  projectId: string,
  query: Record<string, string>,
  actor: Actor = systemActor,
): Promise<InboundStats> {
  await projectFor(deps.store, projectId, 'view_analytics', actor.principal);
  const parsed = inboundStatsQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const until = parsed.data.until === undefined ? deps.now() + 1 : Date.parse(parsed.data.until);
  const since = parsed.data.since === undefined ? until - DEFAULT_WINDOW_MS : Date.parse(parsed.data.since);
  const figures = await deps.store.inbound.stats(projectId, since, until);
  return {
    since: isoTime(since),
    until: isoTime(until),
    ...figures,
    unrouted: figures.inbound - figures.routed,
  };
}
