/**
 * Generates the OpenAPI 3.0 document from the route table the server runs on: every route,
 * its parameters, body, responses, and the auth answers (401/403) every protected route gives.
 */
import { createRequire } from 'node:module';
import type { JsonSchema } from '../api/index.js';
import type { Route } from './route.js';
import { COMPONENT_SCHEMAS, ref } from './schemas.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Responses every route may give, added to each operation as they apply. */
function standardResponses(route: Route): Record<string, unknown> {
  const err = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
  const out: Record<string, unknown> = {};
  if (route.params || route.query || route.body) out['400'] = err('The request is invalid (ERR_INVALID_ARGUMENT, ERR_PIPELINE_INVALID): every problem is listed.');
  if (!route.public) {
    out['401'] = err('Missing, unknown, revoked or expired token (ERR_UNAUTHENTICATED).');
    out['403'] = err('The token may not act on this namespace or route (ERR_FORBIDDEN).');
  }
  if (route.params) out['404'] = err('Something the path names does not exist (ERR_NOT_FOUND).');
  return out;
}

function content(spec: { schema?: JsonSchema; contentType?: string | string[] }): Record<string, unknown> | undefined {
  const types = spec.contentType === undefined ? (spec.schema ? ['application/json'] : []) : [spec.contentType].flat();
  if (types.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const type of types) {
    out[type] = { schema: type === 'application/json' && spec.schema ? spec.schema : type === 'application/octet-stream' ? { type: 'string', format: 'binary' } : { type: 'string' } };
  }
  return out;
}

/** A parameter's schema; its description moves to the parameter itself. */
function parameterSchema(schema: JsonSchema): JsonSchema {
  const { description: _d, ...rest } = schema;
  return rest;
}

function operation(route: Route): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const [name, schema] of Object.entries(route.params ?? {})) parameters.push({ name, in: 'path', required: true, schema: parameterSchema(schema) });
  for (const [name, schema] of Object.entries(route.query ?? {})) {
    parameters.push({ name, in: 'query', required: false, schema: parameterSchema(schema), ...(typeof schema.description === 'string' ? { description: schema.description } : {}) });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const c = content(spec);
    responses[status] = { description: spec.description, ...(c ? { content: c } : {}) };
  }
  for (const [status, spec] of Object.entries(standardResponses(route))) responses[status] ??= spec;
  const op: Record<string, unknown> = { operationId: route.operationId, summary: route.summary, tags: [route.tag], responses };
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) {
    op.requestBody = {
      required: true,
      content: route.body === 'binary' ? { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } : { 'application/json': { schema: route.body } },
    };
  }
  if (route.public) op.security = [];
  return op;
}

/** The OpenAPI 3.1 document for a route table (3.1: schemas are plain JSON Schema, as ajv uses them). */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Gofer API', version: pkg.version, description: 'The HTTP API of the Gofer service. Authenticate with `Authorization: Bearer <token>`; errors are `{ error: { code, message, details } }`.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: COMPONENT_SCHEMAS,
    },
  };
}
