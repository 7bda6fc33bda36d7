/**
 * `@gofer/scheduler-docker`: the Docker scheduler plugin. The default export is the plugin
 * definition the core loads; the named exports are for host apps and tests.
 */
import { defineScheduler } from '@gofer/core/api';
import { DockerScheduler } from './docker-scheduler.js';
import { settingsSchema, type DockerSchedulerSettings } from './settings.js';

export { DockerScheduler, MANAGED_LABELS } from './docker-scheduler.js';
export { containerNameFor } from './container-name.js';
export { registryAddressOf } from './image-reference.js';
export { parseEnvFile } from '@gofer/core/api';
export {
  DEFAULT_SETTINGS, settingsSchema, withDefaults,
  type DockerSchedulerSettings, type PullPolicy, type RemoveAfterExitPolicy, type SecretSourceSettings,
} from './settings.js';

/** The `docker` scheduler plugin: tasks run as containers on a Docker engine. */
export default defineScheduler<DockerSchedulerSettings>({
  name: 'docker',
  apiVersion: 1,
  settingsSchema,
  create: (ctx, settings) => new DockerScheduler(ctx, settings),
});
