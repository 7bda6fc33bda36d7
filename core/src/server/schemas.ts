/**
 * JSON Schemas of what the API sends and receives. They are the OpenAPI document's components
 * and the server's request validators. Response schemas describe the core's types in api/.
 */
import type { JsonSchema } from '../api/index.js';
import { ERROR_CODES } from '../api/index.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** `$ref` to a component. */
export const ref = (name: keyof typeof COMPONENT_SCHEMAS): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A pipeline, run or namespace id in a path. */
export const ID_PARAM: JsonSchema = { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' };
export const RUN_ID_PARAM: JsonSchema = { type: 'integer', minimum: 1 };
export const KEY_PARAM: JsonSchema = { type: 'string', pattern: '^[a-zA-Z0-9_.-]{1,128}$' };

export const COMPONENT_SCHEMAS = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'details'],
        properties: { code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: str, details: { type: 'object' } },
      },
    },
  },
  Health: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] }, version: str } },
  PipelineInfo: {
    type: 'object',
    required: ['pipelineId', 'namespace', 'name', 'state', 'liveVersion', 'latestVersion'],
    properties: {
      pipelineId: str, namespace: str, name: str, description: str,
      state: { type: 'string', enum: ['active', 'disabled'] },
      liveVersion: int, latestVersion: int, created: int, modified: int,
    },
  },
  PipelineVersion: {
    type: 'object',
    required: ['pipelineId', 'version', 'config'],
    properties: { pipelineId: str, version: int, config: { type: 'object' }, created: int, deployed: { type: 'boolean' } },
  },
  Run: {
    type: 'object',
    required: ['pipelineId', 'runId', 'state', 'status'],
    properties: {
      pipelineId: str, runId: int, version: int,
      state: { type: 'string', enum: ['pending', 'running', 'complete'] },
      status: { type: 'string', enum: ['unknown', 'successful', 'failed', 'cancelled'] },
      statusReason: { type: 'object', properties: { reason: str, description: str } },
      initiator: { type: 'object', properties: { kind: str, name: str, subscriptionId: str, reason: str } },
      variables: stringMap, started: int, ended: int,
    },
  },
  TaskExecution: {
    type: 'object',
    required: ['pipelineId', 'runId', 'taskId', 'state', 'status', 'variables'],
    properties: {
      pipelineId: str, runId: int, taskId: str, image: str,
      state: { type: 'string', enum: ['processing', 'waiting', 'running', 'complete'] },
      status: { type: 'string', enum: ['unknown', 'successful', 'failed', 'cancelled', 'skipped'] },
      statusReason: { type: 'object', properties: { reason: str, description: str } },
      exitCode: int, schedulerId: str,
      variables: {
        type: 'array',
        items: { type: 'object', required: ['key', 'value', 'source'], properties: { key: str, value: str, source: { type: 'string', enum: ['pipeline_config', 'run_options', 'system'] } } },
      },
      created: int, started: int, ended: int,
    },
  },
  Keys: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: str } } },
  ReapResult: {
    type: 'object',
    required: ['removed', 'kept', 'supported'],
    properties: {
      removed: { type: 'array', items: { type: 'object', required: ['schedulerId', 'labels'], properties: { schedulerId: str, labels: { type: 'object', additionalProperties: str } } } },
      kept: int,
      supported: { type: 'boolean' },
    },
  },
  ApiToken: {
    type: 'object',
    required: ['tokenId', 'kind', 'namespaces', 'created'],
    properties: { tokenId: str, kind: { type: 'string', enum: ['management', 'client'] }, namespaces: { type: 'array', items: str }, description: str, created: int, expires: int },
  },
  NewApiToken: {
    type: 'object',
    required: ['token', 'secret'],
    properties: { token: { $ref: '#/components/schemas/ApiToken' }, secret: { type: 'string', description: 'Shown once: keep it; only its hash is stored.' } },
  },
  Namespace: { type: 'object', required: ['namespaceId', 'created'], properties: { namespaceId: str, description: str, created: int } },
  PluginInfo: {
    type: 'object',
    required: ['kind', 'name', 'status', 'source'],
    properties: {
      kind: { type: 'string', enum: ['scheduler', 'extension'] }, name: str, packageName: str, packageDir: str, version: str,
      source: { type: 'string', enum: ['host', 'config', 'scan', 'dir'] },
      status: { type: 'string', enum: ['active', 'loaded', 'failed'] },
      error: { type: 'object', properties: { code: str, message: str } },
      command: { type: 'array', items: str },
    },
  },
  Event: { type: 'object', required: ['id', 'type', 'at', 'payload'], properties: { id: int, type: str, at: int, payload: { type: 'object' } } },
  Subscription: {
    type: 'object',
    required: ['subscriptionId', 'pipelineId', 'extension', 'label', 'status'],
    properties: {
      subscriptionId: str, pipelineId: str, extension: str, label: str, settings: stringMap,
      status: { type: 'string', enum: ['active', 'error'] }, statusReason: str, created: int, modified: int,
    },
  },
  ExtensionInfo: {
    type: 'object',
    required: ['name', 'status', 'subscriptions'],
    properties: {
      name: str, packageName: str, status: { type: 'string', enum: ['active', 'loaded', 'failed'] },
      error: { type: 'object', properties: { code: str, message: str } },
      command: { type: 'array', items: str },
      process: { type: 'object', properties: { state: str, pid: int, restarts: int, lastExitCode: { type: ['integer', 'null'] } } },
      subscriptions: { type: 'object', properties: { active: int, error: int } },
      subscriptionSchema: { type: 'object' },
    },
  },
} satisfies Record<string, JsonSchema>;

/** `{ items: [...] }` list envelope: room to add paging fields later without breaking clients. */
export const listOf = (name: keyof typeof COMPONENT_SCHEMAS): JsonSchema => ({
  type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref(name) } },
});

/** Request bodies. */
export const VARIABLES_BODY: JsonSchema = stringMap;
