/**
 * `@gofer/scheduler-swarm`: runs Gofer tasks as Docker Swarm services, spread over the nodes of
 * a swarm. The default export is the plugin definition.
 */
import { defineScheduler, type SchedulerDefinition } from '@gofer/core/api';
import { engineClient } from '@gofer/docker-common';
import { resolveSettings, settingsSchema } from './settings.js';
import type { SwarmSettings } from './settings.js';
import { SwarmScheduler } from './swarm-scheduler.js';

export { SwarmScheduler } from './swarm-scheduler.js';
export { resolveSettings, settingsSchema, type SwarmSettings } from './settings.js';
export { serviceNameFor } from './service-name.js';

/** The swarm scheduler plugin (`"scheduler": "swarm"`). */
// Typed by name, so the published declaration (and the API report) does not spell the inferred
// settings type out in whatever property order the compiler met it.
const scheduler: SchedulerDefinition<SwarmSettings> = defineScheduler({
  name: 'swarm',
  apiVersion: 1,
  settingsSchema,
  create: (ctx, settings) => {
    const resolved = resolveSettings(settings);
    return new SwarmScheduler(resolved, engineClient(resolved), ctx.logger, ctx.state);
  },
});

export default scheduler;
