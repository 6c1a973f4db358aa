import type { Channel, TemplateCategory } from '@messagejs/shared-types';
import type { Template, TemplateDefinitionRecord, TemplateStats, TemplateVersionRecord } from './types/index.js';

/**
 * A row of `templates`. The same on every backend (the PostgreSQL schema mirrors SQLite's columns
 * and value representations), and so are the rows and mappers below, shared by both.
 */
export interface TemplateRow {
  id: string;
  project_id: string;
  name: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  body: string;
  html: string | null;
  params: string;
  channels: string | null;
  category: TemplateCategory;
  version: number;
  active: number;
  created_at: number;
  updated_at: number;
}

/** A row of `template_versions`. */
export interface TemplateVersionRow {
  template_id: string;
  version: number;
  definition: string;
  created_at: number;
  created_by: string;
}

/** A row of `template_stats` (or its columns joined beside a template's). */
export interface TemplateStatsRow {
  usage_count: number | null;
  last_used_at: number | null;
}

/** Maps a `templates` row to its template. */
export const toTemplate = (row: TemplateRow): Template => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  channel: row.channel,
  recipient: JSON.parse(row.recipient) as Template['recipient'],
  subject: row.subject,
  body: row.body,
  html: row.html,
  params: JSON.parse(row.params) as Template['params'],
  channels: row.channels ? (JSON.parse(row.channels) as Channel[]) : null,
  category: row.category,
  version: row.version,
  active: row.active === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Maps a `template_versions` row to its record. */
export const toVersion = (row: TemplateVersionRow): TemplateVersionRecord => ({
  templateId: row.template_id,
  version: row.version,
  definition: JSON.parse(row.definition) as TemplateDefinitionRecord,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

/** Maps a `template_stats` row to the stats; no row (or no join match) is no use yet. */
export const toStats = (row: TemplateStatsRow | undefined): TemplateStats => ({
  usageCount: row?.usage_count ?? 0,
  lastUsedAt: row?.last_used_at ?? null,
});
