import {
  listTemplatesQuerySchema,
  pageQuerySchema,
  pageSchema,
  previewTemplateRequestSchema,
  previewTemplateResponseSchema,
  templateDefinitionSchema,
  templateInputSchema,
  templateSchema,
  templateSummarySchema,
  templateVersionSchema,
  updateTemplateRequestSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteDoc } from '../../http/platform/route.js';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplatePage,
  putTemplate,
  updateTemplate,
  type TemplateDeps,
} from './manage-templates.js';
import { getVersion, listVersions, previewTemplate, restoreVersion } from './template-versions.js';

const TEMPLATES = '/v1/projects/:projectId/templates';
const TEMPLATE = `${TEMPLATES}/:name`;
const VERSION = `${TEMPLATE}/versions/:version`;

const doc = (summary: string, rest: Omit<RouteDoc, 'summary' | 'tag' | 'auth'>): RouteDoc => ({
  summary,
  tag: 'Templates',
  auth: 'admin',
  ...rest,
});

type Ids = { projectId: string; name: string };

/** The template routes that read: any member (or admin token) who sees the project. */
function readRoutes(deps: TemplateDeps): Route[] {
  return [
    {
      method: 'GET',
      path: TEMPLATES,
      doc: doc('List a project’s templates, by name', {
        query: listTemplatesQuerySchema,
        responses: { 200: pageSchema(templateSummarySchema) },
      }),
      async handle(request) {
        const query = request.query();
        const page = pageRequest(query);
        const found = await listTemplatePage(deps, request.adminPrincipal(), request.params.projectId!, query, page);
        return { body: pageReply(found, (t) => t) };
      },
    },
    {
      method: 'GET',
      path: TEMPLATE,
      doc: doc('Get a template', { responses: { 200: templateSchema } }),
      handle: async (request) => ({
        body: await getTemplate(deps, request.adminPrincipal(), request.params.projectId!, request.params.name!),
      }),
    },
    {
      method: 'GET',
      path: `${TEMPLATE}/versions`,
      doc: doc('List a template’s versions, newest first', {
        query: pageQuerySchema,
        responses: { 200: pageSchema(templateVersionSchema) },
      }),
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await listVersions(deps, request.adminPrincipal(), request.params as Ids, page);
        return { body: pageReply(found, (v) => v) };
      },
    },
    {
      method: 'GET',
      path: VERSION,
      doc: doc('Get one version of a template', { responses: { 200: templateVersionSchema } }),
      handle: async (request) => ({
        body: await getVersion(deps, request.adminPrincipal(), request.params as Ids & { version: string }),
      }),
    },
    {
      method: 'POST',
      path: `${TEMPLATE}/preview`,
      use: [jsonBody({ limit: '64kb' })],
      doc: doc('Render a template with sample params: text, segments, encoding and estimated cost', {
        body: previewTemplateRequestSchema,
        responses: { 200: previewTemplateResponseSchema },
      }),
      handle: async (request) => ({
        body: await previewTemplate(deps, request.adminPrincipal(), request.params as Ids, request.body),
      }),
    },
  ];
}

/** The template routes that write (`manage_templates`): each change audited, each definition change a version. */
function writeRoutes(deps: TemplateDeps): Route[] {
  const body = [jsonBody({ limit: '256kb' })];
  const permission = 'manage_templates' as const;
  return [
    {
      method: 'POST',
      path: TEMPLATES,
      use: body,
      doc: doc('Create a template', { permission, body: templateInputSchema, responses: { 201: templateSchema } }),
      async handle(request) {
        const { projectId } = request.params as Ids;
        const created = await createTemplate(deps, request.adminPrincipal(), projectId, request.body, request.actor());
        return { status: 201, body: created };
      },
    },
    {
      method: 'PUT',
      path: TEMPLATE,
      use: body,
      doc: doc('Create or replace a template (a new version when its definition changed)', {
        permission,
        body: templateDefinitionSchema,
        responses: { 200: templateSchema, 201: templateSchema },
      }),
      async handle(request) {
        const ids = request.params as Ids;
        const outcome = await putTemplate(deps, request.adminPrincipal(), ids, request.body, request.actor());
        return { status: outcome.created ? 201 : 200, body: outcome.view };
      },
    },
    {
      method: 'PATCH',
      path: TEMPLATE,
      use: body,
      doc: doc('Switch a template on or off, or change its category', {
        permission,
        body: updateTemplateRequestSchema,
        responses: { 200: templateSchema },
      }),
      handle: async (request) => ({
        body: await updateTemplate(
          deps,
          request.adminPrincipal(),
          request.params as Ids,
          request.body,
          request.actor(),
        ),
      }),
    },
    {
      method: 'DELETE',
      path: TEMPLATE,
      doc: doc('Delete a template with its versions', { permission, responses: { 204: null } }),
      async handle(request) {
        await deleteTemplate(deps, request.adminPrincipal(), request.params as Ids, request.actor());
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${VERSION}/restore`,
      doc: doc('Restore a version: its definition becomes the next version', {
        permission,
        responses: { 200: templateSchema },
      }),
      handle: async (request) => ({
        body: await restoreVersion(
          deps,
          request.adminPrincipal(),
          request.params as Ids & { version: string },
          request.actor(),
        ),
      }),
    },
  ];
}

/** `/v1/projects/:projectId/templates…`, behind the admin access step. */
export function templateRoutes(deps: TemplateDeps): Route[] {
  return [...readRoutes(deps), ...writeRoutes(deps)];
}
