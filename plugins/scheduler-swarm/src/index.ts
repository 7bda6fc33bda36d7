/**
 * `@gofer/scheduler-swarm`: runs Gofer tasks as Docker Swarm services, spread over the nodes of
 * a swarm. The default export is the plugin definition.
 */
import { defineScheduler, GOFER_API_VERSION } from '@gofer/core/api';
import { managerClient } from './docker-client.js';
import { resolveSettings, settingsSchema, type SwarmSettings } from './settings.js';
import { SwarmScheduler } from './swarm-scheduler.js';

export { SwarmScheduler } from './swarm-scheduler.js';
export { resolveSettings, settingsSchema, type SwarmSettings } from './settings.js';
export { serviceNameFor } from './service-name.js';

/** The swarm scheduler plugin (`"scheduler": "swarm"`). */
export default defineScheduler<Partial<SwarmSettings>>({
  name: 'swarm',
  apiVersion: GOFER_API_VERSION,
  settingsSchema,
  create: (ctx, settings) => {
    const resolved = resolveSettings(settings);
    return new SwarmScheduler(resolved, managerClient(resolved), ctx.logger);
  },
});
