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
export * from './gofer.js';
