/**
 * `@gofer/core/api`: everything a plugin author or host application needs, and nothing else.
 */
export * from './errors.js';
export * from './plugin.js';
export * from './scheduler.js';
export * from './extension.js';
export * from './pipeline.js';
export * from './runs.js';
export * from './events.js';
export * from './config.js';
export * from './gofer.js';
export * from './clock.js';
/**
 * Streaming masker of secret values in task output (chunk boundaries and multi-line values
 * handled). Schedulers that resolve secrets themselves (for example from a secrets directory)
 * use it to mask the values the core never sees.
 */
export { SecretMasker, SECRET_MASK } from './secret-masker.js';
export * from './secret-source.js';
export * from './settings.js';
export * from './masked-logs.js';
