/** API tokens (management only, bootstrap aside) and namespaces. */
import { Type } from 'typebox';
import { GoferError } from '../../api/index.js';
import { defineRoute, type Route } from '../route.js';
import { listOf, NAMESPACE_ID, ref } from '../schemas.js';
import { items } from './access.js';

const TOKEN_ID = { tokenId: Type.String({ minLength: 1 }) };

export function tokenRoutes(): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/tokens/bootstrap',
      operationId: 'bootstrapToken',
      tag: 'tokens',
      public: true,
      summary: 'Creates the first management token. Only works while no token exists.',
      errors: { ERR_CONFLICT: 'Tokens already exist.' },
      responses: { 201: { description: 'The token and its secret (shown once).', schema: ref('NewApiToken') } },
      async handle(ctx) {
        return { status: 201, body: ctx.tokens.bootstrap() };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/tokens',
      operationId: 'listTokens',
      tag: 'tokens',
      access: 'management',
      summary: 'Lists tokens (never their secrets).',
      responses: { 200: { description: 'The tokens.', schema: listOf('ApiToken') } },
      async handle(ctx) {
        return items(ctx.tokens.list());
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/tokens',
      operationId: 'createToken',
      tag: 'tokens',
      access: 'management',
      summary: 'Creates a management token, or a client token scoped to namespaces.',
      body: Type.Object(
        {
          kind: Type.Enum(['management', 'client']),
          namespaces: Type.Optional(Type.Array(NAMESPACE_ID)),
          description: Type.Optional(Type.String({ maxLength: 500 })),
          expiresInMs: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
      errors: { ERR_NOT_FOUND: 'A namespace the token names does not exist.' },
      responses: { 201: { description: 'The token and its secret (shown once).', schema: ref('NewApiToken') } },
      async handle(ctx) {
        return { status: 201, body: ctx.tokens.create(ctx.body) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/tokens/{tokenId}',
      operationId: 'getToken',
      tag: 'tokens',
      access: 'management',
      summary: 'Gets one token (never its secret).',
      params: TOKEN_ID,
      errors: { ERR_NOT_FOUND: 'The token does not exist.' },
      responses: { 200: { description: 'The token.', schema: ref('ApiToken') } },
      async handle(ctx) {
        return { status: 200, body: ctx.tokens.get(ctx.params.tokenId) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/tokens/{tokenId}',
      operationId: 'deleteToken',
      tag: 'tokens',
      access: 'management',
      summary: 'Revokes a token at once.',
      params: TOKEN_ID,
      errors: { ERR_NOT_FOUND: 'The token does not exist.' },
      responses: { 204: { description: 'Revoked.' } },
      async handle(ctx) {
        ctx.tokens.delete(ctx.params.tokenId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/namespaces',
      operationId: 'listNamespaces',
      tag: 'namespaces',
      access: 'any',
      summary: 'Lists the namespaces the token may act on.',
      responses: { 200: { description: 'The namespaces.', schema: listOf('Namespace') } },
      async handle(ctx) {
        const p = ctx.principal;
        const all = ctx.tokens.listNamespaces();
        return items(p.kind === 'management' ? all : p.kind === 'client' ? all.filter((n) => p.namespaces.includes(n.namespaceId)) : []);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/namespaces',
      operationId: 'createNamespace',
      tag: 'namespaces',
      access: 'management',
      summary: 'Creates a namespace.',
      body: Type.Object({ namespaceId: NAMESPACE_ID, description: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      errors: { ERR_CONFLICT: 'It exists already.' },
      responses: { 201: { description: 'The namespace.', schema: ref('Namespace') } },
      async handle(ctx) {
        return { status: 201, body: ctx.tokens.createNamespace(ctx.body.namespaceId, ctx.body.description) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/namespaces/{namespaceId}',
      operationId: 'deleteNamespace',
      tag: 'namespaces',
      access: 'management',
      summary: 'Deletes an empty namespace.',
      params: { namespaceId: NAMESPACE_ID },
      errors: {
        ERR_INVALID_ARGUMENT: 'The namespace id is invalid, or it is "default", which cannot be deleted.',
        ERR_NOT_FOUND: 'The namespace does not exist.',
        ERR_CONFLICT: 'Pipelines still belong to it.',
      },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        const { namespaceId } = ctx.params;
        ctx.tokens.getNamespace(namespaceId);
        const pipelines = await ctx.gofer.pipelines.list({ namespace: namespaceId });
        if (pipelines.length > 0)
          throw new GoferError('ERR_CONFLICT', `The namespace "${namespaceId}" still holds ${pipelines.length} pipeline(s); delete them first.`, {
            details: { namespaceId, pipelines: pipelines.map((p) => p.pipelineId) },
          });
        ctx.tokens.deleteNamespace(namespaceId);
        return { status: 204 };
      },
    }),
  ];
}
