/** JSON Schema of `gofer.config.json`, with the defaults every key takes. */
import type { JsonSchema } from '../api/index.js';

export const CONFIG_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    root: { type: 'string', minLength: 1 },
    dataDir: { type: 'string', minLength: 1, default: '.gofer' },
    scheduler: { type: 'string', minLength: 1, default: 'process' },
    schedulers: { type: 'object', additionalProperties: { type: 'object' }, default: {} },
    extensions: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'object' }, { const: false }] },
      default: {},
    },
    plugins: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    pluginDirs: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    discover: { type: 'boolean', default: true },
    pluginTimeoutMs: { type: 'integer', minimum: 1, default: 10_000 },
    parallelism: { type: 'integer', minimum: 0, default: 0 },
    stopTimeoutMs: { type: 'integer', minimum: 0, default: 10_000 },
    reapOrphans: { type: 'boolean', default: true },
    secretKey: { type: 'string', default: '' },
    logRetentionRuns: { type: 'integer', minimum: 1, default: 20 },
    pipelineObjectLimit: { type: 'integer', minimum: 1, default: 50 },
    runObjectExpiry: { type: 'integer', minimum: 1, default: 20 },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
      },
      default: {},
    },
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
  },
};

/**
 * Environment variables that override config keys, and how to parse them. `GOFER_CONFIG`
 * (the config file's path) is read separately.
 */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: string[]; parse: (v: string) => unknown }> = [
  { env: 'GOFER_ROOT', path: ['root'], parse: String },
  { env: 'GOFER_DATA_DIR', path: ['dataDir'], parse: String },
  { env: 'GOFER_SCHEDULER', path: ['scheduler'], parse: String },
  { env: 'GOFER_PLUGIN_DIRS', path: ['pluginDirs'], parse: (v) => v.split(':').filter(Boolean) },
  { env: 'GOFER_DISCOVER', path: ['discover'], parse: (v) => v !== '0' && v !== 'false' },
  { env: 'GOFER_PARALLELISM', path: ['parallelism'], parse: Number },
  { env: 'GOFER_STOP_TIMEOUT_MS', path: ['stopTimeoutMs'], parse: Number },
  { env: 'GOFER_SECRET_KEY', path: ['secretKey'], parse: String },
  { env: 'GOFER_HOST', path: ['server', 'host'], parse: String },
  { env: 'GOFER_PORT', path: ['server', 'port'], parse: Number },
  { env: 'GOFER_LOG_LEVEL', path: ['logLevel'], parse: String },
];
