/**
 * The cron extension: starts a run of each subscribed pipeline on a cron schedule (croner), in
 * the subscription's timezone. The last fire time is kept in the plugin state, so a restart
 * neither fires an occurrence twice nor drops one that fell due while Gofer was down
 * (`catchUp: "one"` starts a single run for everything missed; `"none"` skips it).
 */
import { defineExtension, type ExtensionDefinition } from '@gofer/core/api';
import { systemClock, type Clock } from './clock.js';
import { CronExtension, settingsSchema, type CronSettings } from './cron-extension.js';

/** The building blocks, for embedding apps and tests. */
export { systemClock, type Clock } from './clock.js';
export { CronExtension, settingsSchema, type CronSettings } from './cron-extension.js';

/** Options that only code can give: the clock (tests inject a fake one). */
export interface CronExtensionOptions {
  clock?: Clock;
}

/** Makes the cron extension's definition; the default export uses the wall clock. */
export function createCronExtension(options: CronExtensionOptions = {}): ExtensionDefinition<CronSettings> {
  const clock = options.clock ?? systemClock;
  return defineExtension({
    name: 'cron',
    apiVersion: 1,
    settingsSchema,
    subscriptionSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['expression'],
      properties: {
        expression: { type: 'string', minLength: 1, description: 'A cron expression: 5 fields, or 6 with seconds first.' },
        timezone: { type: 'string', minLength: 1, description: 'An IANA timezone such as "Europe/Paris".' },
      },
    },
    create: (ctx, settings) => new CronExtension(ctx, settings, clock),
  });
}

/** The cron extension's definition on the wall clock (the package's default export). */
const cronExtension: ExtensionDefinition<CronSettings> = createCronExtension();
export default cronExtension;
