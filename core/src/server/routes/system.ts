/** Health (no auth) and the OpenAPI document. */
import { Type } from 'typebox';
import { CORE_VERSION } from '../openapi-spec.js';
import { defineRoute, type Route } from '../route.js';
import { ref } from '../schemas.js';

export function systemRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/health',
      operationId: 'health',
      tag: 'system',
      public: true,
      summary: 'Answers 200 while the service runs, with the core version. Needs no token.',
      responses: { 200: { description: 'Healthy.', schema: ref('Health') } },
      async handle() {
        return { status: 200, body: { status: 'ok' as const, version: CORE_VERSION } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/openapi.json',
      operationId: 'openApi',
      tag: 'system',
      public: true,
      summary: 'This API as an OpenAPI 3 document, generated from the route table the server runs on.',
      responses: { 200: { description: 'The OpenAPI document.', schema: Type.Record(Type.String(), Type.Unknown()) } },
      async handle(ctx) {
        return { status: 200, body: await ctx.openApiDocument() };
      },
    }),
  ];
}
