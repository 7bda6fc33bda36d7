/**
 * The webhook extension: starts runs from HTTP deliveries (GitHub-style), one path per
 * subscription, with optional HMAC verification and body/header fields mapped to variables.
 */
import { GOFER_API_VERSION, defineExtension } from '@gofer/core/api';
import { VARIABLE_KEY_PATTERN, VARIABLE_SOURCE_PATTERN } from './variable-mapping.js';
import { WebhookExtension, type WebhookSettings } from './webhook-extension.js';

/** The building blocks, for embedding apps and tests. */
export { WebhookExtension, type WebhookSettings } from './webhook-extension.js';
export { signBody, verifySignature } from './signature.js';
export { mapVariables, readPointer } from './variable-mapping.js';

/** The webhook extension's definition (the package's default export). */
const webhookExtension = defineExtension<WebhookSettings>({
  name: 'webhook',
  apiVersion: GOFER_API_VERSION,
  settingsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Interface to listen on.' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 8091, description: 'Port to listen on; 0 picks a free one.' },
      maxBodyBytes: { type: 'integer', minimum: 1, default: 1_048_576, description: 'Larger bodies are refused with 413.' },
    },
  },
  subscriptionSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      secret: { type: 'string', description: 'HMAC-SHA256 secret; when set, X-Hub-Signature-256 is required.' },
    },
    patternProperties: {
      [VARIABLE_KEY_PATTERN]: { type: 'string', pattern: VARIABLE_SOURCE_PATTERN },
    },
  },
  create: (ctx, settings) => new WebhookExtension(ctx, settings),
});

export default webhookExtension;
