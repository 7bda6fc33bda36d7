/**
 * A route of the table as a Fastify route schema: what Fastify validates (params, query, body)
 * and what @fastify/swagger documents (operation, success responses, and one response per
 * error status with the codes the route can answer there).
 */
import { Type, type TSchema } from 'typebox';
import { ERROR_CODES, type ErrorCode } from '../api/index.js';
import { validatorFor } from '../api/ajv.js';
import { STATUS_BY_CODE } from './http-status.js';
import type { ResponseSpec, Route } from './route.js';
import { ref } from './schemas.js';

/** Largest request body accepted (objects are the big ones). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** How a binary body is documented (Fastify reads it raw; nothing to validate). */
export const BINARY_BODY = { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };

/**
 * Every error code a route can answer, with when: the ones its shape implies (input to
 * validate, a token to check, something its path names, a body to read) and its own.
 */
export function errorCodesOf(route: Route): Map<ErrorCode, string> {
  const codes = new Map<ErrorCode, string>();
  if (route.params || route.query || route.body)
    codes.set('ERR_INVALID_ARGUMENT', 'The request is invalid; `details.problems` lists every problem with its path.');
  if (route.body && route.body !== 'binary' && route.invalidBodyCode)
    codes.set(route.invalidBodyCode, 'The body does not match its schema; `details.problems` lists every problem with its path.');
  if (route.body) codes.set('ERR_PAYLOAD_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  if (!route.public) codes.set('ERR_UNAUTHENTICATED', 'The token is missing, unknown, revoked or expired.');
  if (route.access === 'management') codes.set('ERR_FORBIDDEN', 'The route needs a management token.');
  // A pipeline the token may not see answers as a missing one (404), so a route that names one
  // answers no 403 for the namespace: a client token cannot probe what other namespaces hold.
  const namesPipeline = route.path.includes('{pipelineId}');
  if (route.access === 'namespace' && !namesPipeline) codes.set('ERR_FORBIDDEN', "The token may not act on this pipeline's namespace.");
  for (const [code, when] of Object.entries(route.errors ?? {}) as Array<[ErrorCode, string]>) codes.set(code, when);
  if (route.access === 'namespace' && namesPipeline) {
    const notFound = codes.get('ERR_NOT_FOUND');
    codes.set('ERR_NOT_FOUND', `${notFound ? `${notFound} ` : ''}A pipeline in a namespace the token may not act on answers the same, as if it did not exist.`);
  }
  codes.set('ERR_INTERNAL', ERROR_CODES.ERR_INTERNAL);
  return codes;
}

/** The statuses a route can answer with an error, each with its codes. */
export function errorStatusesOf(route: Route): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(route).keys()) {
    const status = STATUS_BY_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

function successResponse(spec: ResponseSpec): Record<string, unknown> {
  const content: Record<string, { schema: unknown }> = {};
  if (spec.schema) content['application/json'] = { schema: spec.schema };
  if (spec.contentType)
    content[spec.contentType] = {
      schema: spec.contentType === 'application/octet-stream' ? BINARY_BODY.content['application/octet-stream'].schema : Type.String(),
    };
  if (spec.events) content['text/event-stream'] = { schema: spec.events };
  return Object.keys(content).length === 0 ? { description: spec.description, type: 'null' } : { description: spec.description, content };
}

function errorResponse(route: Route, codes: ErrorCode[]): Record<string, unknown> {
  const when = errorCodesOf(route);
  const schema = Type.Intersect([ref('Error'), Type.Object({ error: Type.Object({ code: Type.Enum(codes) }) })]);
  return {
    description: codes.map((code) => `- \`${code}\`: ${when.get(code)}`).join('\n'),
    content: { 'application/json': { schema } },
  };
}

/** True when the route's JSON body schema accepts `{}`: an empty request body is then fine, and the document says the body is optional. */
export function bodyIsOptional(route: Route): boolean {
  if (!route.body || route.body === 'binary') return false;
  return validatorFor(route.body)({}) === true;
}

/** The Fastify `schema` of a route. */
export function fastifySchemaOf(route: Route): Record<string, unknown> {
  const response: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) response[status] = successResponse(spec);
  for (const [status, codes] of errorStatusesOf(route)) response[String(status)] = errorResponse(route, codes);
  const optional = (schema: TSchema) => Type.Optional(schema);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.public ? { security: [] } : {}),
    ...(route.params ? { params: Type.Object(route.params) } : {}),
    ...(route.query ? { querystring: Type.Object(Object.fromEntries(Object.entries(route.query).map(([k, s]) => [k, optional(s)]))) } : {}),
    ...(route.body && route.body !== 'binary' ? { body: route.body } : {}),
    response,
  };
}
