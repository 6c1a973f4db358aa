import type { Page, PageRequest } from './page.js';

/** Where an opt-out came from: the admin API, the command line, or a provider's report (a STOP, a block). */
export type OptOutSource = 'api' | 'cli' | 'provider';

/** A recipient that opted out of a project's messages. */
export interface OptOutRecord {
  projectId: string;
  /** The normalised address (E.164, an email with its domain lowercased, a chat id). */
  address: string;
  reason: string | null;
  source: OptOutSource;
  createdAt: number;
}

/** Recipients that opted out, per project. */
export interface OptOutsRepo {
  /**
   * Adds an opt-out; true when it is new (an existing one is kept as it was). Without `entry`, a
   * provider reported it.
   */
  add(
    projectId: string,
    address: string,
    at: number,
    entry?: { reason?: string | null; source?: OptOutSource },
  ): Promise<boolean>;
  has(projectId: string, address: string): Promise<boolean>;
  /** Which of `addresses` opted out of the project: one read for a bulk request's recipients. */
  among(projectId: string, addresses: readonly string[]): Promise<Set<string>>;
  get(projectId: string, address: string): Promise<OptOutRecord | null>;
  /** The project's opt-outs, newest first. */
  page(projectId: string, page: PageRequest): Promise<Page<OptOutRecord>>;
  /** True when there was one to remove. */
  remove(projectId: string, address: string): Promise<boolean>;
}
