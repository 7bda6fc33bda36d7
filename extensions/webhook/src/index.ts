/**
 * The webhook extension: starts runs from HTTP deliveries (GitHub-style), one path per
 * subscription, with optional HMAC verification and body/header fields mapped to variables.
 */
import { defineExtension, type ExtensionDefinition } from '@gofer/core/api';
import { VARIABLE_KEY_PATTERN, VARIABLE_SOURCE_PATTERN } from './variable-mapping.js';
import { settingsSchema, WebhookExtension } from './webhook-extension.js';
import type { WebhookSettings } from './webhook-extension.js';

/** The building blocks, for embedding apps and tests. */
export { settingsSchema, WebhookExtension, type WebhookSettings } from './webhook-extension.js';
export { signBody, verifySignature } from './signature.js';
export { mapVariables, readPointer } from './variable-mapping.js';
export { readBody, type BodyResult } from './read-body.js';
export { decodeBody, mediaType, type DecodedBody } from './decode-body.js';
export { DELIVERY_STATUS_OF_CODE, DeliveryListener, replyError, type DeliveryListenerOptions } from './delivery-listener.js';

/** The webhook extension's definition (the package's default export). */
const webhookExtension: ExtensionDefinition<WebhookSettings> = defineExtension({
  name: 'webhook',
  apiVersion: 1,
  settingsSchema,
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
