/** Plugins (with load failures) and extensions. Any valid token may read them. */
import type { Route } from '../route.js';
import { listOf } from '../schemas.js';
import { items } from './access.js';

export function pluginRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/api/plugins', operationId: 'listPlugins', tag: 'plugins',
      summary: 'Lists every plugin found: active, loaded, or failed with its reason.',
      responses: { 200: { description: 'The plugins.', schema: listOf('PluginInfo') } },
      async handle(ctx) {
        return items(ctx.gofer.plugins.list());
      },
    },
    {
      method: 'GET', path: '/api/extensions', operationId: 'listExtensions', tag: 'extensions',
      summary: 'Lists the trigger extensions found, with their status.',
      responses: { 200: { description: 'The extensions.', schema: listOf('PluginInfo') } },
      async handle(ctx) {
        return items(ctx.gofer.plugins.list().filter((p) => p.kind === 'extension'));
      },
    },
  ];
}
