import type { Project } from '../../domain/project.js';
import type { Page, PageRequest } from './page.js';

export {
  defaultLimits,
  defaultNumberTypes,
  numberTypes,
  type NumberType,
  type Project,
  type ProjectLimits,
} from '../../domain/project.js';

/** The projects. */
export interface ProjectsRepo {
  create(project: Project): Promise<void>;
  /**
   * Creates `project` only while the store holds no project at all (the demo, at first start):
   * false, and nothing written, when one exists. Atomic across processes: relays starting together
   * on one empty database create one project between them.
   */
  createFirst(project: Project): Promise<boolean>;
  get(id: string): Promise<Project | null>;
  list(): Promise<Project[]>;
  /** The account's projects, oldest first (only `projectIds` of them, when given). */
  listForAccount(accountId: string, projectIds?: readonly string[] | null): Promise<Project[]>;
  /**
   * Projects newest first: the account's (only `projectIds` of them, when given), or, with
   * `accountId` null, every project of the relay (the CLI's view).
   */
  page(
    filter: { accountId: string | null; projectIds?: readonly string[] | null },
    page: PageRequest,
  ): Promise<Page<Project>>;
  /** Deletes a project and, by cascade, everything it holds (keys, templates, connectors, messages, opt-outs…). */
  remove(id: string): Promise<boolean>;
  update(
    id: string,
    patch: Partial<
      Pick<
        Project,
        | 'name'
        | 'allowedOrigins'
        | 'allowedCountries'
        | 'defaultCountry'
        | 'limits'
        | 'prices'
        | 'fallbacks'
        | 'allowedNumberTypes'
        | 'development'
        | 'quietHours'
      >
    >,
  ): Promise<Project | null>;
}
