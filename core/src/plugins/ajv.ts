/** One shared ajv set-up: all errors, defaults applied, formats; messages that name the path. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a `default` export; under NodeNext the import is the namespace.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

/** Makes an ajv instance with Gofer's options. `useDefaults` fills in schema defaults. */
export function createAjv(opts: { useDefaults?: boolean } = {}) {
  const ajv = new Ajv({ allErrors: true, useDefaults: opts.useDefaults ?? true, strict: false, allowUnionTypes: true });
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

/** One readable line per ajv error: `/tasks/0/id: must match pattern "..."`. */
export function describeAjvErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): string[] {
  return (errors ?? []).map((e) => {
    const path = `${root}${e.instancePath}` || '/';
    if (e.keyword === 'additionalProperties') return `${path}: unknown key "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'required') return `${path}: missing required key "${String(e.params.missingProperty)}"`;
    if (e.keyword === 'enum') return `${path}: ${e.message} (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
    return `${path}: ${e.message ?? 'is invalid'}`;
  });
}
