/**
 * The interval extension: starts a run of each subscribed pipeline every `every` (a duration
 * string such as "30s" or "5m"), optionally delayed by a random jitter.
 */
import { defineExtension, type ExtensionDefinition } from '@gofer/core/api';
import { DURATION_PATTERN } from './duration.js';
import { IntervalExtension, settingsSchema } from './interval-extension.js';
import type { IntervalSettings } from './interval-extension.js';

/** The building blocks, for embedding apps and tests. */
export { parseDuration, DURATION_PATTERN } from './duration.js';
export { IntervalExtension, settingsSchema, type IntervalSettings } from './interval-extension.js';

/** The interval extension's definition (the package's default export). */
const intervalExtension: ExtensionDefinition<IntervalSettings> = defineExtension({
  name: 'interval',
  apiVersion: 1,
  settingsSchema,
  subscriptionSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['every'],
    properties: {
      every: { type: 'string', pattern: DURATION_PATTERN, description: 'How often to start a run: "30s", "5m", "1h30m".' },
      jitter: { type: 'string', pattern: DURATION_PATTERN, description: 'Adds a random delay between 0 and this to every firing.' },
    },
  },
  create: (ctx, settings) => new IntervalExtension(ctx, settings),
});

export default intervalExtension;
