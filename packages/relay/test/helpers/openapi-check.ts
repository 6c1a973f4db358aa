import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop in some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

type Json = Record<string, any>;

/** Checks answers against the relay's OpenAPI document (`GET /v1/openapi.json`). */
export interface OpenApiChecker {
  /**
   * What is wrong with an answer to `method url` (path and query as sent), by the document: an
   * undocumented route or status, or a body its schema refuses. Empty when it matches.
   */
  check(method: string, url: string, status: number, body: unknown, contentType: string | null): string[];
  /** The path template (`/v1/projects/{projectId}`) a request path matches, or null. */
  templateOf(path: string): string | null;
}

interface Template {
  path: string;
  segments: Array<string | null>;
  literals: number;
}

function templatesOf(document: Json): Template[] {
  return Object.keys(document.paths as Json)
    .map((path) => {
      const segments = path.split('/').map((s) => (/^\{.+\}$/.test(s) ? null : s));
      return { path, segments, literals: segments.filter((s) => s !== null).length };
    })
    .sort((a, b) => b.literals - a.literals);
}

/**
 * Compiles every answer schema of the document once, with Ajv's 2020-12 dialect (the one of
 * OpenAPI 3.1). The components go in as one schema of `$defs`, and references to them are
 * rewritten to point there.
 */
export function createOpenApiChecker(document: Json): OpenApiChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const rewrite = (schema: unknown) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"components#/$defs/')) as Json;
  ajv.addSchema({ $id: 'components', $defs: rewrite(document.components?.schemas ?? {}) });
  const compiled = new Map<object, ValidateFunction>();
  const validatorOf = (schema: Json) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(rewrite(schema));
      compiled.set(schema, validate);
    }
    return validate;
  };
  const templates = templatesOf(document);
  // Matched as Express matches routes: case-insensitive, a trailing slash allowed, literal
  // segments percent-decoded (`router.ts` hands such spellings to Express).
  const decode = (segment: string) => {
    try {
      return decodeURIComponent(segment).toLowerCase();
    } catch {
      return segment.toLowerCase();
    }
  };
  const templateOf = (path: string) => {
    const parts = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
    const found = templates.find(
      (t) =>
        t.segments.length === parts.length &&
        t.segments.every((s, i) => (s === null ? parts[i] !== '' : s.toLowerCase() === decode(parts[i]!))),
    );
    return found?.path ?? null;
  };
  const errorResponse = document.components.responses.Error as Json;

  const checkBody = (response: Json, body: unknown, contentType: string | null): string[] => {
    const content = response.content as Json | undefined;
    if (!content) return body === '' ? [] : [`an answer without a body was documented, got ${JSON.stringify(body)}`];
    const json = content['application/json'];
    if (!json) return typeof body === 'string' ? [] : ['a text answer was documented, got JSON'];
    if (!contentType?.startsWith('application/json')) {
      // Another media type the answer may also come in (a provider webhook's TwiML): text.
      const media = contentType?.split(';')[0]!.trim();
      if (media && content[media] && typeof body === 'string') return [];
      return [`a JSON answer was documented, got ${contentType}`];
    }
    const validate = validatorOf(json.schema as Json);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
  };

  return {
    templateOf,
    check(method, url, status, body, contentType) {
      const path = url.split('?')[0]!.split('#')[0]!;
      const template = templateOf(path);
      if (!template) {
        // An undocumented path: only the relay's own pages and files (the demo, the SDK) are not
        // JSON; any JSON answer there, and anything under /v1, is an error body.
        const isJson = contentType?.startsWith('application/json') ?? false;
        if (!isJson && !path.startsWith('/v1/')) return [];
        return status >= 400 ? checkBody(errorResponse, body, contentType) : [`no route ${path} in the document`];
      }
      const operation = (document.paths[template] as Json)[method.toLowerCase()] as Json | undefined;
      const responses = (operation?.responses ?? {}) as Json;
      let response = responses[String(status)] as Json | undefined;
      if (!response && status >= 400) response = errorResponse;
      if (!response) return [`${method} ${template} does not document status ${status}`];
      if (response.$ref) response = errorResponse;
      return checkBody(response, body, contentType).map((p) => `${method} ${template} ${status}: ${p}`);
    },
  };
}

const checkers = new Map<string, Promise<OpenApiChecker>>();
const byDocument = new Map<string, OpenApiChecker>();

/**
 * The checker for the relay at `baseUrl`, built from its document on first use. Relays of one
 * process answer the same document: its schemas are compiled once for all of them.
 */
export function openApiCheckerFor(baseUrl: string): Promise<OpenApiChecker> {
  let checker = checkers.get(baseUrl);
  if (!checker) {
    checker = fetch(`${baseUrl}/v1/openapi.json`)
      .then(async (res) => {
        if (!res.ok) throw new Error(`GET /v1/openapi.json answered ${res.status}`);
        const text = await res.text();
        let found = byDocument.get(text);
        if (!found) {
          found = createOpenApiChecker(JSON.parse(text) as Json);
          byDocument.set(text, found);
        }
        return found;
      })
      .catch((error: unknown) => {
        checkers.delete(baseUrl);
        throw error;
      });
    checkers.set(baseUrl, checker);
  }
  return checker;
}
