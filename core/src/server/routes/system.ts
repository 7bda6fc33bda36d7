/** Health (no auth) and the OpenAPI document. */
import type { Route } from '../route.js';
import { openApiDocument } from '../openapi.js';
import { ref } from '../schemas.js';

export function systemRoutes(table: () => readonly Route[]): Route[] {
  let document: Record<string, unknown> | undefined;
  return [
    {
      method: 'GET', path: '/api/health', operationId: 'health', tag: 'system', public: true,
      summary: 'Answers 200 while the service runs. Needs no token.',
      responses: { 200: { description: 'Healthy.', schema: ref('Health') } },
      async handle() {
        return { status: 200, body: { status: 'ok' } };
      },
    },
    {
      method: 'GET', path: '/api/openapi.json', operationId: 'openApi', tag: 'system', public: true,
      summary: 'This API as an OpenAPI 3 document, generated from the route table the server runs on.',
      responses: { 200: { description: 'The OpenAPI document.', schema: { type: 'object' } } },
      async handle() {
        document ??= openApiDocument(table());
        return { status: 200, body: document };
      },
    },
  ];
}
