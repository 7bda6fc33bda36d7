/** The route table: every route the server answers and the OpenAPI document describes. */
import type { Route } from '../route.js';
import { eventRoutes } from './events.js';
import { objectRoutes } from './objects.js';
import { pipelineRoutes } from './pipelines.js';
import { pluginRoutes } from './plugins.js';
import { runRoutes } from './runs.js';
import { secretRoutes } from './secrets.js';
import { systemRoutes } from './system.js';
import { taskRoutes } from './tasks.js';
import { tokenRoutes } from './tokens.js';
import { triggerRoutes } from './triggers.js';

/** Builds the full table (a new array each call; routes are plain values). */
export function buildRoutes(): Route[] {
  const table: Route[] = [];
  table.push(
    ...systemRoutes(),
    ...tokenRoutes(),
    ...pipelineRoutes(),
    ...runRoutes(),
    ...taskRoutes(),
    ...secretRoutes(),
    ...objectRoutes(),
    ...pluginRoutes(),
    ...triggerRoutes(),
    ...eventRoutes(),
  );
  return table;
}

/** The rows of the route table in docs/service.md: route, the tokens it takes, what it does. */
export function routeTableRows(): string[] {
  return buildRoutes().map((r) => `| \`${r.method} ${r.path}\` | ${r.access ?? 'none'} | ${r.summary.replace(/\|/g, '\\|')} |`);
}
