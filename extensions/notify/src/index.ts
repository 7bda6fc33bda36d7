/**
 * The notify extension: a listener (no subscriptions) that posts run outcomes to a URL as
 * Gofer's JSON document or a Slack message: on failure, on recovery, after N failures in a row,
 * or when a run takes longer than a limit. Retried with backoff; never carries a secret.
 */
import { defineListener, type ExtensionDefinition } from '@gofer/core/api';
import { NotifyListener, systemClock, type NotifyClock, type NotifySettings } from './notify-extension.js';

export { NotifyListener, systemClock, type NotifyClock, type NotifySettings } from './notify-extension.js';
export { ruleMatches, parseDuration, type NotifyRule, type Outcome } from './rules.js';
export { notification, render, type Notification } from './message.js';

const SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['on'],
        anyOf: [{ required: ['url'] }, { required: ['urlSecret'] }],
        properties: {
          on: { enum: ['failure', 'recovery', 'streak', 'slow'] },
          url: { type: 'string', pattern: '^https?://' },
          urlSecret: { type: 'string', minLength: 1 },
          format: { enum: ['json', 'slack'], default: 'json' },
          pipelines: { type: 'array', items: { type: 'string' } },
          count: { type: 'integer', minimum: 1 },
          longerThan: { type: 'string', pattern: '^(\\d+(ms|s|m|h|d))+$' },
        },
        if: { properties: { on: { const: 'slow' } } },
        then: { required: ['longerThan'] },
      },
    },
    publicUrl: { type: 'string', minLength: 1 },
    attempts: { type: 'integer', minimum: 1, maximum: 20, default: 5 },
    retryBaseMs: { type: 'integer', minimum: 1, default: 1000 },
    timeoutMs: { type: 'integer', minimum: 1, default: 10000 },
  },
};

/** Makes the definition; tests inject a clock. */
export function createNotifyExtension(options: { clock?: NotifyClock } = {}): ExtensionDefinition<NotifySettings> {
  return defineListener<NotifySettings>({
    name: 'notify',
    apiVersion: 1,
    settingsSchema: SETTINGS_SCHEMA,
    create: (ctx, settings) => new NotifyListener(ctx, settings, options.clock ?? systemClock),
  });
}

const notifyExtension = createNotifyExtension();
export default notifyExtension;
