import type { Project } from '../../domain/project.js';

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
  get(id: string): Promise<Project | null>;
  list(): Promise<Project[]>;
  /** The account's projects, oldest first (only `projectIds` of them, when given). */
  listForAccount(accountId: string, projectIds?: readonly string[] | null): Promise<Project[]>;
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
      >
    >,
  ): Promise<Project | null>;
}
