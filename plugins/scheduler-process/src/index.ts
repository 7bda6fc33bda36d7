/**
 * `@gofer/scheduler-process`: the local-process scheduler plugin (zero setup, no Docker).
 * The default export is the plugin definition the core loads.
 */
import { defineScheduler } from '@gofer/core/api';
import { ProcessScheduler } from './process-scheduler.js';
import { settingsSchema, type ProcessSchedulerSettings } from './settings.js';

export { ProcessScheduler, MANAGED_LABELS } from './process-scheduler.js';
export { executionNameFor } from './execution-files.js';
export { DEFAULT_SETTINGS, settingsSchema, withDefaults, type ProcessSchedulerSettings, type SecretSourceSettings } from './settings.js';

/** The `process` scheduler plugin: task commands run as local processes. */
export default defineScheduler<ProcessSchedulerSettings>({
  name: 'process',
  apiVersion: 1,
  settingsSchema,
  create: (ctx, settings) => new ProcessScheduler(ctx, settings),
});
