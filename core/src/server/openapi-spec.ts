/**
 * What the OpenAPI 3.1 document says beyond the route schemas: its header, the components,
 * and the two corrections @fastify/swagger needs (raw-byte bodies, optional bodies).
 */
import { createRequire } from 'node:module';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { Route } from './route.js';
import { BINARY_BODY, bodyIsOptional } from './route-schema.js';
import { COMPONENT_SCHEMAS } from './schemas.js';

/** The core's package version: the document's and `GET /api/health`'s. */
export const CORE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

type Operation = { operationId?: string; requestBody?: { required?: boolean } };

/** @fastify/swagger's options for a route table. */
export function swaggerOptions(routes: readonly Route[]): FastifyDynamicSwaggerOptions {
  const byOperation = new Map(routes.map((r) => [r.operationId, r]));
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gofer API',
        version: CORE_VERSION,
        description:
          'The HTTP API of the Gofer service. Authenticate with `Authorization: Bearer <token>`; errors are `{ error: { code, message, details } }` with a stable code. ' +
          'A known path asked with a method it does not take answers 405 (`ERR_METHOD_NOT_ALLOWED`) with an `Allow` header. ' +
          'Live streams (`follow=true`) are Server-Sent Events: each message has an `event` name and one line of JSON `data`; their shapes are the `text/event-stream` schemas.',
      },
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: COMPONENT_SCHEMAS as never,
      },
    },
    // Raw-byte bodies are read without a schema; the document still describes them.
    transform: ({ schema, url, route }) => {
      const entry = route.config?.route;
      return { schema: entry?.body === 'binary' ? { ...schema, body: BINARY_BODY } : schema, url };
    },
    // @fastify/swagger marks every body required; a body whose schema accepts `{}` may be left out.
    transformObject: (documents) => {
      if (!('openapiObject' in documents)) return documents.swaggerObject;
      const { openapiObject } = documents;
      for (const methods of Object.values(openapiObject.paths ?? {})) {
        for (const op of Object.values(methods ?? {}) as Operation[]) {
          const route = op.operationId === undefined ? undefined : byOperation.get(op.operationId);
          if (route && op.requestBody && bodyIsOptional(route)) op.requestBody.required = false;
        }
      }
      return openapiObject;
    },
  };
}
