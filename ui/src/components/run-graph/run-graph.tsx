/**
 * <RunGraph>: a run's tasks as a graph (React Flow, laid out by dagre). Each node shows its task's
 * state and status, updated live from the event stream; edges show what each task waits for
 * (dashed: runs on its parent's failure; dotted: on any outcome). The layout is computed once per
 * graph shape, so live updates only repaint nodes. A matrix task is one node per combination
 * (see graph-model.ts).
 */
import { Background, Controls, MarkerType, ReactFlow, ReactFlowProvider, useReactFlow, type Edge } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent, type RefObject } from 'react';
import type { TaskSpec } from '../../api/pipeline-config';
import type { TaskExecution } from '../../api/types';
import { useRunView } from '../../hooks/use-run-view';
import { useNow } from '../../hooks/use-live';
import { useGofer } from '../../provider/gofer-context';
import { elapsed } from '../format';
import { kindLabel, StatusBadge, taskKind, type StatusKind } from '../status';
import { graphTasks, hasSubtitle, matrixLabel, valuesLabel } from './graph-model';
import { layoutTasks, NODE_HEIGHT, NODE_WIDTH, TALL_NODE_HEIGHT } from './layout';
import { TaskNodeComponent, type TaskNode } from './task-node';

const nodeTypes = { task: TaskNodeComponent };

const DEPENDS_LABEL = { success: 'needs success', failure: 'runs on failure', any: 'runs after any outcome' } as const;

export interface RunGraphViewProps {
  /** The tasks of the run's pipeline version (a matrix task once: its combinations come from `tasks`). */
  specs: readonly TaskSpec[];
  tasks: readonly TaskExecution[];
  /** Link target for a task (omit to render ids as plain text). */
  taskHref?: (taskId: string) => string;
  /** Left to right, or top to bottom; default: left to right, top to bottom on narrow screens. */
  direction?: 'LR' | 'TB';
  /** Height of the graph area in CSS pixels (default 420). */
  height?: number;
  label?: string;
}

const FIT = { padding: 0.1, maxZoom: 1 } as const;

/**
 * A click anywhere on a node opens its task, through the node's own link (so the host's router
 * handles it). It also gives nodes pointer events: React Flow leaves a node that is neither
 * selectable, draggable nor clickable transparent to the mouse, links included.
 */
const openNodeLink = (event: ReactMouseEvent) => {
  const target = event.target as HTMLElement;
  if (target.closest('a')) return;
  target.closest('.react-flow__node')?.querySelector<HTMLAnchorElement>('a')?.click();
};

/** The element's width, kept current with a ResizeObserver. */
function useWidth(ref: RefObject<HTMLElement | null>): number | undefined {
  const [width, setWidth] = useState<number>();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** Fits the graph again when its area or its layout changes (a phone turned, tasks added). */
function FitOnChange({ width, layout }: { width: number | undefined; layout: unknown }) {
  const flow = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // the initial fit is ReactFlow's own
      return;
    }
    void flow.fitView(FIT);
  }, [flow, width, layout]);
  return null;
}

function detailOf(task: TaskExecution | undefined): string | undefined {
  if (!task) return 'not started';
  if (task.state !== 'complete') return undefined;
  // A failure the task was allowed: said on the node, where the run's success is read.
  const allowed = task.allowFailure && task.status !== 'successful' && task.status !== 'skipped' ? 'allowed' : '';
  if (task.status === 'failed' && task.exitCode !== undefined) return [`exit ${task.exitCode}`, allowed].filter(Boolean).join(', ');
  const reason = task.statusReason?.reason;
  return [reason && reason !== 'cancelled' ? reason.replace(/_/g, ' ') : '', allowed].filter(Boolean).join(', ') || undefined;
}

/** The graph from data the caller already has (the run page, benchmarks, tests). */
export function RunGraphView({ specs, tasks, taskHref, direction: fixedDirection, height = 420, label = 'Task graph' }: RunGraphViewProps) {
  const areaRef = useRef<HTMLDivElement>(null);
  const width = useWidth(areaRef);
  const direction = fixedDirection ?? (width !== undefined && width < 560 ? 'TB' : 'LR');
  const running = tasks.some((t) => t.state === 'running');
  const now = useNow(1000, running);
  const graph = useMemo(() => graphTasks(specs, tasks), [specs, tasks]);
  const shape = graph.map((g) => `${g.id}${hasSubtitle(g) ? '+' : ''}<${Object.keys(g.dependsOn).join(',')}`).join(';');
  // Laid out again only when the shape changes, not on every status update.
  const positions = useMemo(
    () =>
      layoutTasks(
        graph.map((g) => ({ id: g.id, dependsOn: g.dependsOn, tall: hasSubtitle(g) })),
        direction,
      ),
    [shape, direction], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const byId = useMemo(() => new Map(tasks.map((t) => [t.taskId, t])), [tasks]);

  const nodes = useMemo<TaskNode[]>(
    () =>
      graph.map((spec) => {
        const task = byId.get(spec.id);
        const kind = taskKind(task);
        const detail = detailOf(task);
        const durationMs = elapsed(task?.started, task?.ended, now);
        const subtitle = spec.values ? valuesLabel(spec.values) : spec.matrix ? matrixLabel(spec.matrix) : undefined;
        return {
          id: spec.id,
          type: 'task',
          position: positions.get(spec.id) ?? { x: 0, y: 0 },
          // Every node has the stylesheet's fixed size. Given here, React Flow keeps the node
          // measured across updates; a node object without it is reset to "unmeasured" (hidden)
          // on every status change and waits for its resize observer, which a burst of updates
          // can leave hidden for good (a finished task's node stayed invisible in a Docker run).
          measured: { width: NODE_WIDTH, height: subtitle !== undefined ? TALL_NODE_HEIGHT : NODE_HEIGHT },
          draggable: false,
          connectable: false,
          selectable: false,
          focusable: false,
          ariaLabel: `${spec.configId}${subtitle !== undefined ? ` (${subtitle})` : ''}: ${kindLabel(kind)}${detail ? `, ${detail}` : ''}`,
          data: {
            taskId: spec.id,
            label: spec.configId,
            ...(subtitle !== undefined ? { subtitle } : {}),
            kind,
            horizontal: direction === 'LR',
            ...(detail ? { detail } : {}),
            ...(durationMs !== undefined ? { durationMs } : {}),
            ...(task && taskHref ? { href: taskHref(spec.id) } : {}),
          },
        };
      }),
    [graph, byId, positions, taskHref, direction, now],
  );

  const edges = useMemo<Edge[]>(
    () =>
      graph.flatMap((spec) =>
        Object.entries(spec.dependsOn)
          .filter(([parent]) => positions.has(parent))
          .map(([parent, kind]) => ({
            id: `${parent}->${spec.id}`,
            source: parent,
            target: spec.id,
            className: `gofer-edge gofer-edge--${kind}`,
            focusable: false,
            selectable: false,
            ariaLabel: `${spec.id} ${DEPENDS_LABEL[kind]} of ${parent}`,
            markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
            ...(kind === 'success' ? {} : { label: kind === 'failure' ? 'on failure' : 'any' }),
          })),
      ),
    [graph, positions],
  );

  return (
    <section className="gofer-ui gofer-run-graph" aria-label={label}>
      <div className="gofer-run-graph__canvas" style={{ height }} ref={areaRef}>
        <ReactFlowProvider>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            fitView
            fitViewOptions={FIT}
            minZoom={0.1}
            maxZoom={1.5}
            nodesDraggable={false}
            nodesConnectable={false}
            nodesFocusable={false}
            edgesFocusable={false}
            elementsSelectable={false}
            zoomOnDoubleClick={false}
            onNodeClick={openNodeLink}
            onlyRenderVisibleElements={graph.length > 120}
            proOptions={{ hideAttribution: false }}
          >
            <FitOnChange width={width} layout={positions} />
            <Background gap={16} size={1} />
            <Controls showInteractive={false} position="bottom-right" />
          </ReactFlow>
        </ReactFlowProvider>
      </div>
      <GraphLegend kinds={[...new Set(nodes.map((n) => n.data.kind))]} />
    </section>
  );
}

function GraphLegend({ kinds }: { kinds: StatusKind[] }) {
  return (
    <ul className="gofer-legend" aria-label="Legend">
      {kinds.map((k) => (
        <li key={k}>
          <StatusBadge kind={k} compact />
        </li>
      ))}
      <li className="gofer-legend__edge gofer-legend__edge--success">needs success</li>
      <li className="gofer-legend__edge gofer-legend__edge--failure">on failure</li>
      <li className="gofer-legend__edge gofer-legend__edge--any">any outcome</li>
    </ul>
  );
}

export interface RunGraphProps {
  pipelineId: string;
  runId: number;
  direction?: 'LR' | 'TB';
  height?: number;
}

/** The graph of one run, fetched and kept live through the provider. */
export function RunGraph({ pipelineId, runId, direction, height }: RunGraphProps) {
  const { paths } = useGofer();
  const view = useRunView(pipelineId, runId);
  const [taskHref] = useState(() => (taskId: string) => paths.task(pipelineId, runId, taskId));
  if (view.error)
    return (
      <p role="alert" className="gofer-ui gofer-error">
        {view.error.message}
      </p>
    );
  if (view.isPending) return <p className="gofer-ui gofer-muted">Loading the task graph…</p>;
  return (
    <RunGraphView
      specs={view.specs}
      tasks={view.tasks}
      taskHref={taskHref}
      label={`Task graph of run ${runId}`}
      {...(direction ? { direction } : {})}
      {...(height ? { height } : {})}
    />
  );
}
