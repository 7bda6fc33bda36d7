/** One shared ajv set-up: all errors, defaults applied, formats; messages that name the path. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationProblem } from './errors.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a `default` export; under NodeNext the import is the namespace.
const addFormats = addFormatsModule.default;

/** Makes an ajv instance with Gofer's options. `useDefaults` fills in schema defaults; `coerceTypes` turns strings into numbers and booleans (URL parts). */
export function createAjv(opts: { useDefaults?: boolean; coerceTypes?: boolean } = {}) {
  const ajv = new Ajv({ allErrors: true, useDefaults: opts.useDefaults ?? true, coerceTypes: opts.coerceTypes ?? false, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const shared = createAjv();
const cache = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) and returns a validator. */
export function validatorFor(schema: object): ValidateFunction {
  const cached = cache.get(schema);
  if (cached) return cached;
  const fn = shared.compile(schema);
  cache.set(schema, fn);
  return fn;
}

/** One problem per ajv error, its path under `root`: `{ path: '/tasks/0/id', message: 'must match pattern "..."' }`. */
export function describeAjvErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): ValidationProblem[] {
  return (errors ?? []).map((e) => {
    const path = `${root}${e.instancePath}` || '/';
    if (e.keyword === 'additionalProperties') return { path, message: `unknown key "${String(e.params.additionalProperty)}"` };
    if (e.keyword === 'required') return { path, message: `missing required key "${String(e.params.missingProperty)}"` };
    if (e.keyword === 'enum') return { path, message: `${e.message} (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})` };
    return { path, message: e.message ?? 'is invalid' };
  });
}
