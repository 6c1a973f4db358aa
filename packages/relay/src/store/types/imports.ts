import type { Page, PageRequest } from './page.js';

/** Where an import stands: `queued` until a relay reads its file, then `processing`, then its outcome. */
export type ImportStatus = 'queued' | 'processing' | 'completed' | 'failed';

/** How much of an import's file was read, and what its rows did. */
export interface ImportCounts {
  /** Data rows read and committed (the header excluded): a resumed import starts after them. */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Rows refused (each in the error report, up to its cap). */
  failed: number;
}

/** A CSV import of contacts (issue 16). */
export interface ImportRecord extends ImportCounts {
  id: string;
  projectId: string;
  status: ImportStatus;
  fileName: string | null;
  bytes: number;
  sha256: string;
  /** The import's settings as JSON (delimiter, column mapping, group): the feature reads them. */
  settings: string;
  /** Why the whole import failed (a file that could not be read to its end). */
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The last progress written: a `processing` import whose relay stopped grows old here. */
  updatedAt: number;
}

/** A row of the file an import refused: the downloadable report. */
export interface ImportRowError {
  /** The data row (1 = the first after the header). */
  row: number;
  /** The file's line the row starts on (1 = the header). */
  line: number;
  field: string | null;
  code: string;
  message: string;
}

/** Contact imports and their error reports. */
export interface ImportsRepo {
  create(record: ImportRecord): Promise<void>;
  get(id: string): Promise<ImportRecord | null>;
  /** A project's imports, newest first. */
  page(projectId: string, page: PageRequest): Promise<Page<ImportRecord>>;
  /**
   * Marks a `queued` or `processing` import `processing` (from `at` on, unless it started before):
   * false when it is finished or gone.
   */
  start(id: string, at: number): Promise<boolean>;
  /** Writes the counts after a chunk (in the chunk's transaction: a resumed import starts after it). */
  progress(id: string, counts: ImportCounts, at: number): Promise<void>;
  /** Keeps refused rows in the report, as long as it holds fewer than `cap` of this import. */
  addErrors(id: string, errors: readonly ImportRowError[], cap: number): Promise<void>;
  /** Ends an import: `completed`, or `failed` with its reason. */
  finish(id: string, outcome: { status: 'completed' | 'failed'; error?: string }, at: number): Promise<void>;
  /** The refused rows after `afterRow`, in file order. */
  errors(id: string, afterRow: number, limit: number): Promise<ImportRowError[]>;
  /** Unfinished imports whose last progress is older than `before` (their relay stopped): oldest first. */
  stale(before: number, limit: number): Promise<ImportRecord[]>;
}
