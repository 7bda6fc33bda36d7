/** The config's schema (one source, in the public API) and the environment overrides of its keys. */
export { CONFIG_SCHEMA } from '../api/index.js';

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
  { env: 'GOFER_REMOVE_AFTER_EXIT', path: ['removeAfterExit'], parse: String },
  { env: 'GOFER_LOG_RETENTION_RUNS', path: ['logRetentionRuns'], parse: Number },
  { env: 'GOFER_LOG_DISK_RESERVE_MB', path: ['logDiskReserveMb'], parse: Number },
  { env: 'GOFER_EVENT_RETENTION_DAYS', path: ['eventRetentionDays'], parse: Number },
  { env: 'GOFER_EVENT_RETENTION_COUNT', path: ['eventRetentionCount'], parse: Number },
  { env: 'GOFER_CHECK_SCHEDULER', path: ['checkScheduler'], parse: (v) => v !== '0' && v !== 'false' },
  { env: 'GOFER_SECRET_KEY', path: ['secretKey'], parse: String },
  { env: 'GOFER_HOST', path: ['server', 'host'], parse: String },
  { env: 'GOFER_PORT', path: ['server', 'port'], parse: Number },
  { env: 'GOFER_UI_DIR', path: ['server', 'uiDir'], parse: String },
  { env: 'GOFER_LOG_LEVEL', path: ['logLevel'], parse: String },
];
