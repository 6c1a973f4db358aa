import {
  createInboundRuleRequestSchema,
  updateInboundRuleRequestSchema,
  type InboundRule,
} from '@messagejs/shared-types';
import type { InboundRulePatch, InboundRuleRecord } from '../../store/types.js';
import { newId } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { isoTime } from '../../domain/iso-time.js';
import { toValidationError } from '../../domain/validation.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';
import type { InboundAdminDeps } from './inbound-settings.js';
import { checkRulePattern } from './rule-match.js';

/**
 * Auto-reply rules of a project (`manage_settings`): a keyword or a regular expression, and the
 * answer to an inbound message it matches (`rule-match.ts`). Rules are tried by priority; the
 * first that matches answers. Opt-out keywords come first and are never answered by a rule.
 */

/** How many rules a project may have: each inbound message is matched against them all. */
export const MAX_INBOUND_RULES = 100;

export function ruleView(r: InboundRuleRecord): InboundRule {
  return {
    id: r.id,
    projectId: r.projectId,
    kind: r.kind,
    pattern: r.pattern,
    reply: r.reply,
    priority: r.priority,
    active: r.active,
    createdAt: isoTime(r.createdAt),
    updatedAt: isoTime(r.updatedAt),
  };
}

const notFound = (id: string) =>
  new AppError('inbound_rule_not_found', `No auto-reply rule ${id.slice(0, 100)} in this project.`, {
    field: 'ruleId',
  });

/** `GET /v1/projects/:projectId/inbound-rules`: in the order they are tried. */
export async function listInboundRules(deps: InboundAdminDeps, projectId: string, actor: Actor = systemActor) {
  await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  return (await deps.store.inbound.listRules(projectId)).map(ruleView);
}

export async function getInboundRule(
  deps: InboundAdminDeps,
  projectId: string,
  ruleId: string,
  actor: Actor = systemActor,
): Promise<InboundRule> {
  await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  const rule = await deps.store.inbound.getRule(projectId, ruleId);
  if (!rule) throw notFound(ruleId);
  return ruleView(rule);
}

/** `POST …/inbound-rules`: a pattern RE2 cannot run safely is `400 validation_failed` naming `pattern`. */
export async function createInboundRule(
  deps: InboundAdminDeps,
  projectId: string,
  body: unknown,
  actor: Actor = systemActor,
): Promise<InboundRule> {
  const project = await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  const parsed = createInboundRuleRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  checkRulePattern(input.kind, input.pattern);
  if ((await deps.store.inbound.listRules(projectId)).length >= MAX_INBOUND_RULES) {
    throw new AppError('limit_exceeded', `A project may have at most ${MAX_INBOUND_RULES} auto-reply rules.`, {
      field: 'pattern',
    });
  }
  const now = deps.now();
  const rule: InboundRuleRecord = { id: newId('inr'), projectId, ...input, createdAt: now, updatedAt: now };
  await deps.store.transaction(async (tx) => {
    await tx.inbound.createRule(rule);
    await recordChange(tx, actor, {
      projectId,
      accountId: project.accountId,
      action: 'inbound_rule.create',
      resource: { type: 'inbound_rule', id: rule.id },
      after: ruleView(rule),
      at: now,
    });
  });
  return ruleView(rule);
}

/** `PATCH …/inbound-rules/:ruleId`: the pattern is checked again against the kind it will have. */
export async function updateInboundRule(
  deps: InboundAdminDeps,
  projectId: string,
  ruleId: string,
  body: unknown,
  actor: Actor = systemActor,
): Promise<InboundRule> {
  await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  const parsed = updateInboundRuleRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const before = await deps.store.inbound.getRule(projectId, ruleId);
  if (!before) throw notFound(ruleId);
  const patch: InboundRulePatch = Object.fromEntries(
    Object.entries(parsed.data).filter(([, value]) => value !== undefined),
  );
  if (patch.kind !== undefined || patch.pattern !== undefined) {
    checkRulePattern(patch.kind ?? before.kind, patch.pattern ?? before.pattern);
  }
  const now = deps.now();
  return deps.store.transaction(async (tx) => {
    const after = await tx.inbound.updateRule(projectId, ruleId, patch, now);
    if (!after) throw notFound(ruleId);
    await recordChange(tx, actor, {
      projectId,
      action: 'inbound_rule.update',
      resource: { type: 'inbound_rule', id: ruleId },
      before: ruleView(before),
      after: ruleView(after),
      at: now,
    });
    return ruleView(after);
  });
}

/** `DELETE …/inbound-rules/:ruleId`: answers the rule as it was. */
export async function deleteInboundRule(
  deps: InboundAdminDeps,
  projectId: string,
  ruleId: string,
  actor: Actor = systemActor,
): Promise<InboundRule> {
  await projectFor(deps.store, projectId, 'manage_settings', actor.principal);
  const before = await deps.store.inbound.getRule(projectId, ruleId);
  if (!before) throw notFound(ruleId);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    if (!(await tx.inbound.removeRule(projectId, ruleId))) throw notFound(ruleId);
    await recordChange(tx, actor, {
      projectId,
      action: 'inbound_rule.delete',
      resource: { type: 'inbound_rule', id: ruleId },
      before: ruleView(before),
      at: now,
    });
  });
  return ruleView(before);
}
