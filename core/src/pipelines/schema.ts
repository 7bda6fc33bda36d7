/** The JSON Schema of a pipeline config (see api/pipeline.ts for the meaning of each field). */
import type { JsonSchema } from '../api/index.js';

/** Pipeline and task ids: 3-32 of `[a-zA-Z0-9_-]`. */
export const ID_PATTERN = '^[a-zA-Z0-9_-]{3,32}$';

/** Environment variable names as POSIX shells accept them. */
const envMap = { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, additionalProperties: { type: 'string' } };

/** JSON Schema of one task in a pipeline config. */
export const TASK_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'image'],
  properties: {
    id: { type: 'string', pattern: ID_PATTERN },
    image: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    dependsOn: { type: 'object', additionalProperties: { enum: ['any', 'success', 'failure'] } },
    variables: envMap,
    secrets: { ...envMap, additionalProperties: { type: 'string', minLength: 1 } },
    entrypoint: { type: 'array', items: { type: 'string' } },
    command: { type: 'array', items: { type: 'string' } },
    registryAuth: {
      type: 'object',
      additionalProperties: false,
      required: ['user', 'pass'],
      properties: { user: { type: 'string', minLength: 1 }, pass: { type: 'string' } },
    },
    alwaysPull: { type: 'boolean' },
    injectApiToken: { type: 'boolean' },
    timeoutMs: { type: 'integer', minimum: 0 },
  },
};

/** JSON Schema of a whole pipeline config. */
export const PIPELINE_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'tasks'],
  properties: {
    id: { type: 'string', pattern: ID_PATTERN },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string' },
    parallelism: { type: 'integer', minimum: 0 },
    tasks: { type: 'array', minItems: 1, items: TASK_SCHEMA },
  },
};

