import {
  createProjectRequestSchema,
  deleteProjectQuerySchema,
  pageQuerySchema,
  pageSchema,
  projectSchema,
  updateProjectRequestSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import { createProjectFromRequest, deleteProject, getProject, pageProjects, updateProject } from './projects.js';
import type { ProjectAdminDeps } from './route-deps.js';
import { projectView } from './views.js';

/** The project a route names. */
export const projectIdOf = (request: RouteRequest) => request.params.projectId!;

/**
 * Runs a change, then forgets cached keys and origins: this relay answers with the new settings at
 * once, and the other relays (told through Redis) before the change's answer is sent.
 */
export async function changing<T>(deps: ProjectAdminDeps, work: Promise<T>): Promise<T> {
  const result = await work;
  await deps.invalidate();
  return result;
}

const tag = 'Projects';

/** `GET|POST /v1/projects`, `GET|PATCH|DELETE /v1/projects/:projectId`, behind the admin access step. */
export function projectRoutes(deps: ProjectAdminDeps): Route[] {
  return [...collectionRoutes(deps), ...itemRoutes(deps)];
}

function collectionRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, sealer } = deps;
  return [
    {
      method: 'GET',
      path: '/v1/projects',
      doc: {
        summary: 'List the projects this credential sees',
        tag,
        auth: 'admin',
        query: pageQuerySchema,
        responses: { 200: pageSchema(projectSchema) },
      },
      async handle(request) {
        const page = pageRequest(request.query());
        return { body: pageReply(await pageProjects(store, page, request.adminPrincipal()), projectView) };
      },
    },
    {
      method: 'POST',
      path: '/v1/projects',
      use: [jsonBody({ limit: '64kb' })],
      doc: {
        summary: 'Create a project in the caller’s account',
        tag,
        auth: 'admin',
        permission: 'manage_settings',
        body: createProjectRequestSchema,
        responses: { 201: projectSchema },
      },
      handle: async (request) => ({
        status: 201,
        body: projectView(await createProjectFromRequest(store, sealer, request.body, deps.now(), request.actor())),
      }),
    },
  ];
}

function itemRoutes(deps: ProjectAdminDeps): Route[] {
  const { store } = deps;
  return [
    {
      method: 'GET',
      path: '/v1/projects/:projectId',
      doc: { summary: 'Read a project', tag, auth: 'admin', responses: { 200: projectSchema } },
      handle: async (request) => ({ body: await getProject(store, projectIdOf(request), request.adminPrincipal()) }),
    },
    {
      method: 'PATCH',
      path: '/v1/projects/:projectId',
      use: [jsonBody({ limit: '64kb' })],
      doc: {
        summary: 'Rename a project or change its settings',
        tag,
        auth: 'admin',
        permission: 'manage_settings',
        body: updateProjectRequestSchema,
        responses: { 200: projectSchema },
      },
      handle: async (request) => ({
        body: await changing(
          deps,
          updateProject(store, projectIdOf(request), request.body, deps.now(), request.actor()),
        ),
      }),
    },
    {
      method: 'DELETE',
      path: '/v1/projects/:projectId',
      doc: {
        summary: 'Delete a project and everything it holds (`?confirm=<projectId>`)',
        tag,
        auth: 'admin',
        permission: 'manage_settings',
        query: deleteProjectQuerySchema,
        responses: { 204: null },
      },
      async handle(request) {
        const confirm = request.query().confirm;
        await changing(deps, deleteProject(store, projectIdOf(request), confirm, deps.now(), request.actor()));
        return { status: 204 };
      },
    },
  ];
}
