/**
 * `@gofer/scheduler-process`: the local-process scheduler plugin (zero setup, no Docker).
 * The default export is the plugin definition the core loads.
 */
import { defineScheduler, type SchedulerDefinition } from '@gofer/core/api';
import { ProcessScheduler } from './process-scheduler.js';
import { settingsSchema } from './settings.js';
import type { ProcessSchedulerSettings } from './settings.js';

export { ProcessScheduler, MANAGED_LABELS } from './process-scheduler.js';
export { executionNameFor } from './execution-files.js';
export { DEFAULT_SETTINGS, settingsSchema, withDefaults, type ProcessSchedulerSettings, type SecretSourceSettings } from './settings.js';

/** The `process` scheduler plugin: task commands run as local processes. */
// Typed by name, so the published declaration (and the API report) does not spell the inferred
// settings type out in whatever property order the compiler met it.
const scheduler: SchedulerDefinition<ProcessSchedulerSettings> = defineScheduler({
  name: 'process',
  apiVersion: 1,
  settingsSchema,
  create: (ctx, settings) => new ProcessScheduler(ctx, settings),
});

export default scheduler;
