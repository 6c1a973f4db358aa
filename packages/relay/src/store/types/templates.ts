import type { Channel } from '@messagejs/shared-types';

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
  createdAt: number;
  updatedAt: number;
}

/** The templates of each project, by name. */
export interface TemplatesRepo {
  upsert(template: Template): Promise<void>;
  get(projectId: string, name: string): Promise<Template | null>;
  list(projectId: string): Promise<Template[]>;
}
