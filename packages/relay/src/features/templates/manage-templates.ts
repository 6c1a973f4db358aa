import {
  listTemplatesQuerySchema,
  templateDefinitionSchema,
  templateNameSchema,
  updateTemplateRequestSchema,
  type TemplateSummary,
  type TemplateView,
} from '@messagejs/shared-types';
import type { Page, PageRequest, Project, Store, Template } from '../../store/types.js';
import type { Permission } from '../../domain/permissions.js';
import { requirePermission, visibleProject } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { recordChange } from '../audit/record-change.js';
import { definitionRecord, saveTemplateInput, writeVersion, type SaveOutcome } from './admin-templates.js';
import { definitionOf, summaryView, templateView } from './views.js';

/** What the template services need. */
export interface TemplateDeps {
  store: Store;
  now: () => number;
}

/**
 * The project, when `principal` sees it (`404 project_not_found` otherwise, never 403), and then
 * holds `permission` when one is needed (`403 forbidden` naming it): the order 401 → 404 → 403.
 */
export async function projectFor(
  store: Store,
  principal: Principal,
  projectId: string,
  permission?: Permission,
): Promise<Project> {
  const project = await store.projects.get(projectId);
  if (!project || !visibleProject(principal, project)) {
    throw new AppError('project_not_found', `No project ${projectId.slice(0, 100)}.`, { field: 'projectId' });
  }
  if (permission) requirePermission(principal, permission);
  return project;
}

/** The project's template by name, or `404 template_not_found`. */
export async function templateFor(store: Store, project: Project, name: string): Promise<Template> {
  const template = await store.templates.get(project.id, name);
  if (!template) {
    throw new AppError('template_not_found', `No template \`${name.slice(0, 100)}\` in this project.`, {
      field: 'name',
    });
  }
  return template;
}

/** A template with its use, as the API answers it. */
export async function viewOf(store: Store, template: Template): Promise<TemplateView> {
  return templateView(template, await store.templates.stats(template.id));
}

/** `GET /v1/projects/:projectId/templates` (any member who sees the project): by name. */
export async function listTemplatePage(
  deps: TemplateDeps,
  principal: Principal,
  projectId: string,
  query: Record<string, string>,
  page: PageRequest,
): Promise<Page<TemplateSummary>> {
  const project = await projectFor(deps.store, principal, projectId);
  const parsed = listTemplatesQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { category, active } = parsed.data;
  const found = await deps.store.templates.page(
    project.id,
    { ...(category && { category }), ...(active && { active: active === 'true' }) },
    page,
  );
  return { items: found.items.map(summaryView), next: found.next };
}

/** `GET …/templates/:name`. */
export async function getTemplate(deps: TemplateDeps, principal: Principal, projectId: string, name: string) {
  const project = await projectFor(deps.store, principal, projectId);
  return viewOf(deps.store, await templateFor(deps.store, project, name));
}

/** `POST …/templates` (`manage_templates`): a new template; a name in use is `409 already_exists`. */
export async function createTemplate(
  deps: TemplateDeps,
  principal: Principal,
  projectId: string,
  body: unknown,
  actor: Actor,
): Promise<TemplateView> {
  const project = await projectFor(deps.store, principal, projectId, 'manage_templates');
  const { template } = await saveTemplateInput(deps.store, project, body, deps.now(), actor, { createOnly: true });
  return viewOf(deps.store, template);
}

/**
 * `PUT …/templates/:name` (`manage_templates`): creates the template or replaces its definition,
 * as a new version when it changed. `category` left out keeps the current one.
 */
export async function putTemplate(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string },
  body: unknown,
  actor: Actor,
): Promise<SaveOutcome & { view: TemplateView }> {
  const project = await projectFor(deps.store, principal, ids.projectId, 'manage_templates');
  const name = templateNameSchema.safeParse(ids.name);
  if (!name.success) {
    throw new AppError('validation_failed', '`name` must be lowercase letters, digits, _ or -, up to 100.', {
      field: 'name',
    });
  }
  const parsed = templateDefinitionSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const current = parsed.data.category ? null : await deps.store.templates.get(project.id, name.data);
  const definition = definitionRecord(project, parsed.data, parsed.data.category ?? current?.category ?? 'other');
  const outcome = await writeVersion(deps.store, {
    projectId: project.id,
    name: name.data,
    definition,
    now: deps.now(),
    actor,
  });
  return { ...outcome, view: await viewOf(deps.store, outcome.template) };
}

/**
 * `PATCH …/templates/:name` (`manage_templates`): `active` switches sends on or off (audited, not
 * a version); another `category` is a new version with the same definition.
 */
export async function updateTemplate(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string },
  body: unknown,
  actor: Actor,
): Promise<TemplateView> {
  const project = await projectFor(deps.store, principal, ids.projectId, 'manage_templates');
  const existing = await templateFor(deps.store, project, ids.name);
  const parsed = updateTemplateRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { active, category } = parsed.data;
  const now = deps.now();
  let template = existing;
  if (category !== undefined && category !== existing.category) {
    const definition = { ...definitionOf(existing), category };
    const input = { projectId: project.id, name: existing.name, definition, now, actor };
    template = (await writeVersion(deps.store, input, { action: 'template.flags' })).template;
  }
  if (active !== undefined && active !== existing.active) {
    await deps.store.transaction(async (tx) => {
      await tx.templates.setActive(existing.id, active, now);
      await recordChange(tx, actor, {
        projectId: project.id,
        action: 'template.flags',
        resource: { type: 'template', id: existing.id },
        detail: { name: existing.name },
        before: { active: existing.active },
        after: { active },
        at: now,
      });
    });
    template = { ...template, active, updatedAt: now };
  }
  return viewOf(deps.store, template);
}

/** `DELETE …/templates/:name` (`manage_templates`): the template, its versions and its counter. */
export async function deleteTemplate(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string },
  actor: Actor,
): Promise<void> {
  const project = await projectFor(deps.store, principal, ids.projectId, 'manage_templates');
  const existing = await templateFor(deps.store, project, ids.name);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    await tx.templates.remove(existing.id);
    await recordChange(tx, actor, {
      projectId: project.id,
      action: 'template.delete',
      resource: { type: 'template', id: existing.id },
      detail: { name: existing.name, version: existing.version },
      before: definitionOf(existing),
      at: now,
    });
  });
}
