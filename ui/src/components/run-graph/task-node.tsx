/**
 * One task in the run graph: status icon and word, its id as a link to the task, its duration. A
 * matrix combination shows its config task's id with its values on a second line.
 */
import { Handle, Position, useReactFlow, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useGofer } from '../../provider/gofer-context';
import { formatDuration } from '../format';
import { kindLabel, StatusIcon, type StatusKind } from '../status';
import { NODE_HEIGHT, NODE_WIDTH, TALL_NODE_HEIGHT } from './layout';

export type TaskNodeData = {
  /** The execution's id (`test[NODE=18]`): what the node links to. */
  taskId: string;
  /** The id shown: the config task's (`test` for a combination of it). */
  label: string;
  /** The second line: a combination's values (`NODE=18 · OS=alpine`), or a matrix's axes. */
  subtitle?: string;
  kind: StatusKind;
  /** Text after the status word: exit code, reason, "not started". */
  detail?: string;
  durationMs?: number;
  /** Where the node links to; absent when the task has no execution to open yet. */
  href?: string;
  horizontal: boolean;
};

export type TaskNode = Node<TaskNodeData, 'task'>;

function TaskNodeView({ id, data }: NodeProps<TaskNode>) {
  const { Link } = useGofer();
  const flow = useReactFlow();
  const label = kindLabel(data.kind);
  const height = data.subtitle !== undefined ? TALL_NODE_HEIGHT : NODE_HEIGHT;
  // Tabbing to a link outside the visible part of the graph pans the graph to it.
  const onFocus = () => {
    const node = flow.getNode(id);
    if (!node) return;
    const { x, y, zoom } = flow.getViewport();
    const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.closest('.react-flow');
    if (!el) return;
    const left = node.position.x * zoom + x;
    const top = node.position.y * zoom + y;
    if (left < 0 || top < 0 || left + NODE_WIDTH * zoom > el.clientWidth || top + height * zoom > el.clientHeight) {
      void flow.setCenter(node.position.x + NODE_WIDTH / 2, node.position.y + height / 2, { zoom, duration: 150 });
    }
    el.scrollTop = 0;
    el.scrollLeft = 0;
  };
  return (
    <div
      className={`gofer-node gofer-node--${data.kind}${data.subtitle !== undefined ? ' gofer-node--tall' : ''}`}
      data-task-id={data.taskId}
      data-config-task-id={data.label}
      data-status={data.kind}
    >
      <Handle type="target" position={data.horizontal ? Position.Left : Position.Top} isConnectable={false} />
      <div className="gofer-node__title">
        <StatusIcon kind={data.kind} />
        {data.href ? (
          <span className="gofer-node__link" onFocus={onFocus}>
            <Link href={data.href} title={`${data.taskId}: ${label}`}>
              {data.label}
              {/* Combinations of one task differ only in their values: say them in the link's name. */}
              {data.subtitle !== undefined && <span className="gofer-visually-hidden"> ({data.subtitle})</span>}
            </Link>
          </span>
        ) : (
          <span className="gofer-node__id">{data.label}</span>
        )}
      </div>
      {data.subtitle !== undefined && (
        <div className="gofer-node__values" aria-hidden={data.href ? true : undefined}>
          {data.subtitle}
        </div>
      )}
      <div className="gofer-node__meta">
        <span className="gofer-node__status">
          {label}
          {data.detail ? ` · ${data.detail}` : ''}
        </span>
        {data.durationMs !== undefined && <span className="gofer-node__duration">{formatDuration(data.durationMs)}</span>}
      </div>
      <Handle type="source" position={data.horizontal ? Position.Right : Position.Bottom} isConnectable={false} />
    </div>
  );
}

export const TaskNodeComponent = memo(TaskNodeView);
