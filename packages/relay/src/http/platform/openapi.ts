import { STATUS_CODES } from 'node:http';
import { z, type ZodType } from 'zod';
import { schemas } from '@messagejs/shared-types';
import type { Route, RouteDoc } from './route.js';

/** A JSON Schema or OpenAPI object, as the document holds it. */
type Json = Record<string, unknown>;

/** What the document says of the relay besides its routes. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** Where every error answer is described, once for all operations. */
const ERROR_RESPONSE = '#/components/responses/Error';

const securitySchemes = {
  projectKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'A project key: `pk_…` (public, from a page) or `sk_…` (secret, from a server).',
  },
  adminBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'A member’s access token (a JWT from `POST /v1/auth/login`) or an admin token (`mat_…`).',
  },
  adminCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-mjs_at',
    description: 'A browser session; writes also send `X-CSRF-Token`.',
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'The relay’s metrics token (`MESSAGEJS_METRICS_TOKEN`), for a Prometheus scraper.',
  },
} as const;

const security: Record<RouteDoc['auth'], Json[]> = {
  key: [{ projectKey: [] }],
  admin: [{ adminBearer: [] }, { adminCookie: [] }],
  metrics: [{ metricsToken: [] }],
  public: [],
};

/** JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of a zod schema, as a request (`input`) or an answer (`output`). */
function jsonSchemaOf(schema: ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'throw',
    cycles: 'throw',
  }) as Json;
  delete json.$schema;
  return json;
}

/**
 * The document's `components.schemas`: every schema the contract names (`schemas` of
 * `@messagejs/shared-types`) that a route uses, referenced by name. A schema used both in requests
 * and in answers whose two forms differ (a default, for instance) is kept twice: `Name` for the
 * answer, `NameInput` for the request.
 */
function componentRegistry(routes: readonly Route[]) {
  const names = new Map<ZodType, string>(Object.entries(schemas).map(([name, schema]) => [schema as ZodType, name]));
  const outputs = new Set<ZodType>([schemas.ErrorBody]);
  for (const { doc } of routes) for (const s of Object.values(doc?.responses ?? {})) if (s) outputs.add(s);
  const components: Record<string, Json> = {};
  const use = (schema: ZodType, io: 'input' | 'output'): Json => {
    const name = names.get(schema);
    if (!name) return jsonSchemaOf(schema, io);
    let key = name;
    if (io === 'input' && outputs.has(schema)) {
      const input = jsonSchemaOf(schema, 'input');
      if (JSON.stringify(input) !== JSON.stringify(jsonSchemaOf(schema, 'output'))) key = `${name}Input`;
    }
    components[key] ??= jsonSchemaOf(schema, io);
    return { $ref: `#/components/schemas/${key}` };
  };
  return { use, components };
}

/** `/v1/projects/:projectId` → `/v1/projects/{projectId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A stable operation id: the method and the path's words (`getV1ProjectsByProjectIdTemplates`). */
function operationId(route: Route): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

function parametersOf(route: Route, doc: RouteDoc): Json[] {
  const path = route.path
    .split('/')
    .filter((s) => s.startsWith(':'))
    .map((s) => ({ name: s.slice(1), in: 'path', required: true, schema: { type: 'string' } }));
  if (!doc.query) return path;
  const query = jsonSchemaOf(doc.query, 'input');
  const required = new Set((query.required as string[] | undefined) ?? []);
  const properties = (query.properties ?? {}) as Record<string, Json>;
  return [
    ...path,
    ...Object.entries(properties).map(([name, schema]) => ({
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof schema.description === 'string' && { description: schema.description }),
      schema,
    })),
  ];
}

function responsesOf(doc: RouteDoc, use: ReturnType<typeof componentRegistry>['use']): Json {
  const responses: Json = {};
  for (const [status, schema] of Object.entries(doc.responses)) {
    const description = STATUS_CODES[Number(status)] ?? 'Answer';
    if (schema === null) {
      responses[status] = { description };
      continue;
    }
    const media = doc.contentType ?? 'application/json';
    const content: Record<string, Json> = { [media]: { schema: use(schema, 'output') } };
    for (const [type, other] of Object.entries(doc.alsoAnswers?.[Number(status)] ?? {})) {
      content[type] = { schema: use(other, 'output') };
    }
    responses[status] = { description, content };
  }
  responses.default = { $ref: ERROR_RESPONSE };
  return responses;
}

function operationOf(route: Route, doc: RouteDoc, use: ReturnType<typeof componentRegistry>['use']): Json {
  return {
    operationId: operationId(route),
    summary: doc.summary,
    tags: [doc.tag],
    security: security[doc.auth],
    ...(doc.permission && {
      'x-permission': doc.permission,
      description: `Needs the \`${doc.permission}\` permission.`,
    }),
    parameters: parametersOf(route, doc),
    ...(doc.body && {
      requestBody: { required: true, content: { 'application/json': { schema: use(doc.body, 'input') } } },
    }),
    responses: responsesOf(doc, use),
  };
}

/**
 * The OpenAPI 3.1 document of every mounted route that carries a `doc` (a test fails for any that
 * does not), built from the same zod schemas the routes validate with and answer in. Errors share
 * one response, `{ error: { code, message, field?, requestId } }`.
 */
export function buildOpenApiDocument(routes: readonly Route[], info: OpenApiInfo): Json {
  const { use, components } = componentRegistry(routes);
  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    if (!route.doc) continue;
    tags.add(route.doc.tag);
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method.toLowerCase()] = operationOf(route, route.doc, use);
  }
  const errorBody = use(schemas.ErrorBody, 'output');
  return {
    // No `jsonSchemaDialect`: OpenAPI 3.1's default dialect is JSON Schema 2020-12 (with its own
    // vocabulary), which is what z.toJSONSchema writes; viewers refuse any other value.
    openapi: '3.1.0',
    info,
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      responses: {
        Error: {
          description:
            'An error: a stable `code`, a message, the `field` at fault when there is one, and the request id.',
          content: { 'application/json': { schema: errorBody } },
        },
      },
      securitySchemes,
    },
  };
}
