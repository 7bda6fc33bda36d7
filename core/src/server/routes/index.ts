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

/** Builds the full table (a new array each call; routes are plain values). */
export function buildRoutes(): Route[] {
  const table: Route[] = [];
  table.push(
    ...systemRoutes(() => table),
    ...tokenRoutes(),
    ...pipelineRoutes(),
    ...runRoutes(),
    ...taskRoutes(),
    ...secretRoutes(),
    ...objectRoutes(),
    ...pluginRoutes(),
    ...eventRoutes(),
  );
  return table;
}
