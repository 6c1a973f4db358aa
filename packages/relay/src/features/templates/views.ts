import type { TemplateSummary, TemplateVersionView, TemplateView } from '@messagejs/shared-types';
import type { Template, TemplateDefinitionRecord, TemplateStats, TemplateVersionRecord } from '../../store/types.js';
import { maskAddress } from '../../domain/mask.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** A template's definition, the part a version keeps, always in this key order (versions are compared as JSON). */
export function definitionOf(t: TemplateDefinitionRecord): TemplateDefinitionRecord {
  return {
    channel: t.channel,
    channels: t.channels,
    recipient: t.recipient,
    subject: t.subject,
    body: t.body,
    html: t.html,
    params: t.params,
    category: t.category,
  };
}

/** A definition as answers show it: a fixed recipient masked. */
function definitionView(t: TemplateDefinitionRecord) {
  const d = definitionOf(t);
  return {
    ...d,
    recipient: d.recipient.mode === 'fixed' ? { mode: 'fixed' as const, to: maskAddress(d.recipient.to) } : d.recipient,
  };
}

/** A template in full, with its use. */
export function templateView(t: Template, stats: TemplateStats): TemplateView {
  return {
    name: t.name,
    ...definitionView(t),
    version: t.version,
    active: t.active,
    usageCount: stats.usageCount,
    lastUsedAt: stats.lastUsedAt === null ? null : iso(stats.lastUsedAt),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** A template in a list. */
export function summaryView(t: Template & TemplateStats): TemplateSummary {
  return {
    name: t.name,
    channel: t.channel,
    recipient: t.recipient.mode,
    params: Object.keys(t.params),
    version: t.version,
    active: t.active,
    category: t.category,
    usageCount: t.usageCount,
    updatedAt: iso(t.updatedAt),
  };
}

/** A kept version; `current` when it is the template's version now. */
export function versionView(v: TemplateVersionRecord, currentVersion: number): TemplateVersionView {
  return {
    version: v.version,
    current: v.version === currentVersion,
    createdAt: iso(v.createdAt),
    createdBy: v.createdBy,
    ...definitionView(v.definition),
  };
}
