/**
 * Request validation for Fastify with Gofer's ajv rules (every error at once, defaults
 * applied): path params and query arrive as strings and are coerced to their schema's type;
 * JSON bodies are not coerced. Every failure, and every error Fastify raises about a request
 * before a handler runs, becomes a coded GoferError whose `details.problems` names each path.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { GoferError, problemLines, type ErrorCode } from '../api/index.js';
import { createAjv, describeAjvErrors, validatorFor } from '../api/ajv.js';

const coercing = createAjv({ coerceTypes: true });

/**
 * A validator compiled on its first request. Fastify compiles every route's schemas when the app
 * is ready; compiling them all took a third of the service's start-up CPU, for routes most
 * processes (a CLI-driven service, a test's short-lived one) never call. Fastify reads a failed
 * validation's problems from the function's `errors`, so the wrapper passes them on.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

/** Fastify's validator compiler: params and query coerce, bodies do not. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  compiledOnFirstUse(() => (httpPart === 'body' ? validatorFor(schema) : coercing.compile(schema)));

/** Where a request part's problems are reported. */
const PART: Record<string, string> = { params: 'path', querystring: 'query', body: 'body', headers: 'headers' };

/** An error Fastify raised while reading or validating a request (it carries a 4xx statusCode). */
interface FastifyRequestError extends Error {
  code?: string;
  statusCode?: number;
  validation?: ErrorObject[];
  validationContext?: string;
}

/** The request's problems as a GoferError listing every one, or undefined when `err` is not one Fastify raised about the request. */
export function requestError(err: unknown, invalidBodyCode: ErrorCode = 'ERR_INVALID_ARGUMENT'): GoferError | undefined {
  const e = err as FastifyRequestError;
  if (typeof e !== 'object' || e === null) return undefined;
  if (Array.isArray(e.validation)) {
    const part = e.validationContext ?? 'body';
    const problems = describeAjvErrors(e.validation, PART[part] ?? part);
    return new GoferError(part === 'body' ? invalidBodyCode : 'ERR_INVALID_ARGUMENT', `The request is invalid:\n  ${problemLines(problems).join('\n  ')}`, {
      details: { problems },
    });
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new GoferError('ERR_PAYLOAD_TOO_LARGE', `The request body is larger than this service accepts. ${e.message}`, { cause: err });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_'))
    return new GoferError('ERR_INVALID_ARGUMENT', `The request is invalid: ${e.message}`, { cause: err, details: { reason: e.code } });
  return undefined;
}
