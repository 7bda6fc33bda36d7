/**
 * Validates a route's path params, query and JSON body with ajv (all errors, messages naming
 * the path). Params and query arrive as strings and are coerced to their schema's type.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { GoferError, type ErrorCode, type JsonSchema } from '../api/index.js';
import { describeAjvErrors, validatorFor } from '../plugins/ajv.js';
import type { Route } from './route.js';

const coercing = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const compiled = new WeakMap<Route, { params?: ValidateFunction; query?: ValidateFunction }>();

function objectSchema(props: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', properties: props, required, additionalProperties: true };
}

function validatorsOf(route: Route) {
  let v = compiled.get(route);
  if (!v) {
    v = {};
    if (route.params) v.params = coercing.compile(objectSchema(route.params, Object.keys(route.params)));
    if (route.query) v.query = coercing.compile(objectSchema(route.query, []));
    compiled.set(route, v);
  }
  return v;
}

function check(validate: ValidateFunction | undefined, data: unknown, where: string, code: ErrorCode = 'ERR_INVALID_ARGUMENT'): void {
  if (!validate || validate(data)) return;
  const problems = describeAjvErrors(validate.errors, where);
  throw new GoferError(code, `The request is invalid:\n  ${problems.join('\n  ')}`, { details: { problems } });
}

/** Coerces and checks params and query in place; throws ERR_INVALID_ARGUMENT listing every problem. */
export function validateParamsAndQuery(route: Route, params: Record<string, unknown>, query: Record<string, unknown>): void {
  const v = validatorsOf(route);
  check(v.params, params, 'path');
  check(v.query, query, 'query');
}

/** Checks a JSON body against the route's schema (defaults applied). */
export function validateBody(route: Route, body: unknown): void {
  if (!route.body || route.body === 'binary') return;
  check(validatorFor(route.body), body, 'body', route.invalidBodyCode);
}
