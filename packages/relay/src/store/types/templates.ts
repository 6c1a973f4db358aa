import type { Channel, TemplateCategory } from '@messagejs/shared-types';
import type { Page, PageRequest } from './page.js';

/** A declared template param. */
export type ParamSpec =
  | {
      type: 'text';
      maxLength: number;
      required?: boolean;
      /** Line breaks allowed in templates whose recipient the caller chooses (always allowed otherwise). */
      multiline?: boolean;
      /** Links and domain names allowed in templates whose recipient the caller chooses (always allowed otherwise). */
      allowLinks?: boolean;
    }
  | { type: 'email'; required?: boolean }
  | { type: 'number'; min?: number; max?: number; integer?: boolean; required?: boolean }
  | { type: 'pattern'; pattern: string; maxLength?: number; required?: boolean };

/** A message template of a project, with its declared params. */
export interface Template {
  id: string;
  projectId: string;
  name: string;
  channel: Channel;
  /** `fixed`: always `to`; `caller`: the caller names the recipient. */
  recipient: { mode: 'fixed'; to: string } | { mode: 'caller' };
  subject: string | null;
  body: string;
  html: string | null;
  params: Record<string, ParamSpec>;
  /** Optional cascade order (e.g. `['whatsapp', 'sms']`); the first is `channel`. */
  channels: Channel[] | null;
  /** What the template is for. */
  category: TemplateCategory;
  /** The current version of its definition (1 when created). */
  version: number;
  /** An inactive template refuses sends (`422 template_inactive`). */
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

/** What a version of a template keeps: its definition, everything a send renders from. */
export type TemplateDefinitionRecord = Pick<
  Template,
  'channel' | 'channels' | 'recipient' | 'subject' | 'body' | 'html' | 'params' | 'category'
>;

/** One kept version of a template. */
export interface TemplateVersionRecord {
  templateId: string;
  version: number;
  definition: TemplateDefinitionRecord;
  createdAt: number;
  /** `member:<id>`, `admin_token:<id>`, `cli`, `system` or `migration`. */
  createdBy: string;
}

/** How often a template was used to send. */
export interface TemplateStats {
  usageCount: number;
  lastUsedAt: number | null;
}

/** Filters of a project's template list. */
export interface TemplateFilter {
  category?: TemplateCategory;
  active?: boolean;
}

/**
 * The templates of each project, by name, with their versions and use counts. A save writes the
 * row (`upsert`), its version (`addVersion`) and its counter row (`ensureStats`) in one unit of
 * work; a send counts its use inside `messages.enqueue` (`EnqueueInput.templateId`).
 */
export interface TemplatesRepo {
  /** Writes the template row as given (its current version, flags and definition). */
  upsert(template: Template): Promise<void>;
  get(projectId: string, name: string): Promise<Template | null>;
  /** Every template of the project, by name. */
  list(projectId: string): Promise<Template[]>;
  /** A page of the project's templates by name, with their use counts. */
  page(projectId: string, filter: TemplateFilter, page: PageRequest): Promise<Page<Template & TemplateStats>>;
  stats(templateId: string): Promise<TemplateStats>;
  /** Creates the template's counter row, if it has none. */
  ensureStats(templateId: string): Promise<void>;
  addVersion(version: TemplateVersionRecord): Promise<void>;
  /** The template's versions, newest first. */
  versions(templateId: string, page: PageRequest): Promise<Page<TemplateVersionRecord>>;
  version(templateId: string, version: number): Promise<TemplateVersionRecord | null>;
  setActive(templateId: string, active: boolean, at: number): Promise<void>;
  /** Deletes the template with its versions and counter; false when it was not there. */
  remove(templateId: string): Promise<boolean>;
}
