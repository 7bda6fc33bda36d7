/** API tokens (management only, bootstrap aside) and namespaces. */
import { GoferError } from '../../api/index.js';
import { requireManagement } from '../../auth/principal.js';
import type { CreateTokenRequest } from '../../auth/token-store.js';
import type { Route } from '../route.js';
import { listOf, ref } from '../schemas.js';
import { items } from './access.js';

const NAMESPACE_ID = { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' };

export function tokenRoutes(): Route[] {
  return [
    {
      method: 'POST', path: '/api/tokens/bootstrap', operationId: 'bootstrapToken', tag: 'tokens', public: true,
      summary: 'Creates the first management token. Only works while no token exists.',
      responses: {
        201: { description: 'The token and its secret (shown once).', schema: ref('NewApiToken') },
        409: { description: 'Tokens already exist.', schema: ref('Error') },
      },
      async handle(ctx) {
        return { status: 201, body: ctx.tokens.bootstrap() };
      },
    },
    {
      method: 'GET', path: '/api/tokens', operationId: 'listTokens', tag: 'tokens',
      summary: 'Lists tokens (never their secrets).',
      responses: { 200: { description: 'The tokens.', schema: listOf('ApiToken') } },
      async handle(ctx) {
        requireManagement(ctx.principal);
        return items(ctx.tokens.list());
      },
    },
    {
      method: 'POST', path: '/api/tokens', operationId: 'createToken', tag: 'tokens',
      summary: 'Creates a management token, or a client token scoped to namespaces.',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['kind'],
        properties: {
          kind: { enum: ['management', 'client'] },
          namespaces: { type: 'array', items: NAMESPACE_ID },
          description: { type: 'string', maxLength: 500 },
          expiresInMs: { type: 'integer', minimum: 0 },
        },
      },
      responses: { 201: { description: 'The token and its secret (shown once).', schema: ref('NewApiToken') } },
      async handle(ctx) {
        requireManagement(ctx.principal);
        return { status: 201, body: ctx.tokens.create(ctx.body as CreateTokenRequest) };
      },
    },
    {
      method: 'GET', path: '/api/tokens/{tokenId}', operationId: 'getToken', tag: 'tokens',
      summary: 'Gets one token (never its secret).',
      params: { tokenId: { type: 'string', minLength: 1 } },
      responses: { 200: { description: 'The token.', schema: ref('ApiToken') } },
      async handle(ctx) {
        requireManagement(ctx.principal);
        return { status: 200, body: ctx.tokens.get(ctx.params.tokenId!) };
      },
    },
    {
      method: 'DELETE', path: '/api/tokens/{tokenId}', operationId: 'deleteToken', tag: 'tokens',
      summary: 'Revokes a token at once.',
      params: { tokenId: { type: 'string', minLength: 1 } },
      responses: { 204: { description: 'Revoked.' } },
      async handle(ctx) {
        requireManagement(ctx.principal);
        ctx.tokens.delete(ctx.params.tokenId!);
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: '/api/namespaces', operationId: 'listNamespaces', tag: 'namespaces',
      summary: 'Lists the namespaces the token may act on.',
      responses: { 200: { description: 'The namespaces.', schema: listOf('Namespace') } },
      async handle(ctx) {
        const p = ctx.principal;
        const all = ctx.tokens.listNamespaces();
        return items(p.kind === 'management' ? all : p.kind === 'client' ? all.filter((n) => p.namespaces.includes(n.namespaceId)) : []);
      },
    },
    {
      method: 'POST', path: '/api/namespaces', operationId: 'createNamespace', tag: 'namespaces',
      summary: 'Creates a namespace.',
      body: { type: 'object', additionalProperties: false, required: ['namespaceId'], properties: { namespaceId: NAMESPACE_ID, description: { type: 'string', maxLength: 500 } } },
      responses: {
        201: { description: 'The namespace.', schema: ref('Namespace') },
        409: { description: 'It exists already.', schema: ref('Error') },
      },
      async handle(ctx) {
        requireManagement(ctx.principal);
        const { namespaceId, description } = ctx.body as { namespaceId: string; description?: string };
        return { status: 201, body: ctx.tokens.createNamespace(namespaceId, description) };
      },
    },
    {
      method: 'DELETE', path: '/api/namespaces/{namespaceId}', operationId: 'deleteNamespace', tag: 'namespaces',
      summary: 'Deletes an empty namespace.',
      params: { namespaceId: NAMESPACE_ID },
      responses: { 204: { description: 'Deleted.' }, 409: { description: 'Pipelines still belong to it.', schema: ref('Error') } },
      async handle(ctx) {
        requireManagement(ctx.principal);
        const { namespaceId } = ctx.params as { namespaceId: string };
        ctx.tokens.getNamespace(namespaceId);
        const pipelines = await ctx.gofer.pipelines.list({ namespace: namespaceId });
        if (pipelines.length > 0) throw new GoferError('ERR_CONFLICT', `The namespace "${namespaceId}" still holds ${pipelines.length} pipeline(s); delete them first.`, { details: { namespaceId, pipelines: pipelines.map((p) => p.pipelineId) } });
        ctx.tokens.deleteNamespace(namespaceId);
        return { status: 204 };
      },
    },
  ];
}
