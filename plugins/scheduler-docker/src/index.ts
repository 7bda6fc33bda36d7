/**
 * `@gofer/scheduler-docker`: the Docker scheduler plugin. The default export is the plugin
 * definition the core loads; the named exports are for host apps and tests.
 */
import { defineScheduler, type SchedulerDefinition } from '@gofer/core/api';
import { DockerScheduler } from './docker-scheduler.js';
import { settingsSchema } from './settings.js';
import type { DockerSchedulerSettings } from './settings.js';

export { DockerScheduler, MANAGED_LABELS } from './docker-scheduler.js';
export { containerNameFor } from './container-name.js';
export { parseEnvFile } from '@gofer/core/api';
export { DEFAULT_SETTINGS, settingsSchema, withDefaults, type DockerSchedulerSettings, type PullPolicy, type SecretSourceSettings } from './settings.js';

/** The `docker` scheduler plugin: tasks run as containers on a Docker engine. */
// Typed by name, so the published declaration (and the API report) does not spell the inferred
// settings type out in whatever property order the compiler met it.
const scheduler: SchedulerDefinition<DockerSchedulerSettings> = defineScheduler({
  name: 'docker',
  apiVersion: 1,
  settingsSchema,
  create: (ctx, settings) => new DockerScheduler(ctx, settings),
});

export default scheduler;
