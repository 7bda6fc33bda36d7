/** Lays out a task graph with dagre: ranks follow dependencies, left to right (or top to bottom). */
import dagre, { type graphlib } from '@dagrejs/dagre';

export const NODE_WIDTH = 224;
export const NODE_HEIGHT = 64;
/** A node with a second line: a matrix combination's values. */
export const TALL_NODE_HEIGHT = 84;

/** What the layout needs of a node: its id, its parents, and whether it is a tall one. */
export interface LayoutTask {
  id: string;
  dependsOn: Readonly<Record<string, unknown>>;
  tall?: boolean;
}

export interface Positioned {
  id: string;
  x: number;
  y: number;
}

/**
 * dagre's ranking callback: each task one rank after its latest parent (its depth from the
 * run's first tasks, the columns people read a pipeline in). Linear in the graph's size, where
 * dagre's default network simplex took most of the layout time of a 200-task run, and
 * `longest-path` pushes short branches to the end instead of next to their parents. Ranks honour
 * each edge's `minlen`, which dagre sets on the edges it adds itself.
 */
function rankFromSources(g: graphlib.Graph): void {
  const waiting = new Map<string, number>();
  const rank = new Map<string, number>();
  const queue: string[] = [];
  for (const v of g.nodes()) {
    const parents = g.inEdges(v)?.length ?? 0;
    waiting.set(v, parents);
    if (parents === 0) {
      queue.push(v);
      rank.set(v, 0);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const e of g.outEdges(v) ?? []) {
      const r = rank.get(v)! + ((g.edge(e) as { minlen?: number } | undefined)?.minlen ?? 1);
      if (r > (rank.get(e.w) ?? -1)) rank.set(e.w, r);
      const left = waiting.get(e.w)! - 1;
      waiting.set(e.w, left);
      if (left === 0) queue.push(e.w);
    }
  }
  for (const v of g.nodes()) (g.node(v) as { rank?: number }).rank = rank.get(v) ?? 0;
}

/** Top-left corners of each task's node. Dependencies on unknown tasks are ignored. */
export function layoutTasks(specs: readonly LayoutTask[], direction: 'LR' | 'TB' = 'LR'): Map<string, Positioned> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 24, ranksep: 64, marginx: 16, marginy: 16, ranker: rankFromSources });
  g.setDefaultEdgeLabel(() => ({}));
  for (const spec of specs) g.setNode(spec.id, { width: NODE_WIDTH, height: spec.tall ? TALL_NODE_HEIGHT : NODE_HEIGHT });
  for (const spec of specs) for (const parent of Object.keys(spec.dependsOn)) if (g.hasNode(parent)) g.setEdge(parent, spec.id);
  performance.mark('gofer:graph-layout:start');
  dagre.layout(g);
  // User Timing: DevTools and the benchmark show the layout's share of drawing a graph.
  performance.measure('gofer:graph-layout', 'gofer:graph-layout:start');
  const out = new Map<string, Positioned>();
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; height: number };
    out.set(id, { id, x: n.x - NODE_WIDTH / 2, y: n.y - n.height / 2 });
  }
  return out;
}
