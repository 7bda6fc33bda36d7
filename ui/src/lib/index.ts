/**
 * @gofer/ui as a library: Gofer's views and hooks for a host app's own React tree. Wrap them in
 * <GoferProvider baseUrl getToken> (the host's auth supplies the token) and import
 * '@gofer/ui/style.css' once. Views link with the host's link component and paths.
 */
import '../styles/gofer-ui.css';

export { GoferProvider, type GoferProviderProps } from '../provider/gofer-provider';
export { useGofer, type GoferContextValue, type LinkComponent } from '../provider/gofer-context';
export { defaultPaths, type GoferPaths } from '../provider/paths';
export type { StreamStatus } from '../provider/event-hub';

export { RunGraph, RunGraphView, type RunGraphProps, type RunGraphViewProps } from '../components/run-graph/run-graph';
export { graphTasks, valuesLabel, type GraphTask } from '../components/run-graph/graph-model';
export { TaskLog, type TaskLogProps } from '../components/task-log';
export { RunsTable, type RunsTableProps } from '../components/runs-table';
export { PipelineList, type PipelineListProps } from '../components/pipeline-list';
export { TaskTimeline, type TaskTimelineProps } from '../components/task-timeline';
export { RunHistoryChart } from '../components/run-history-chart';
export { RunActions } from '../components/run-actions';
export { RunStrip } from '../components/run-strip';
export { StartRunForm } from '../components/start-run-form';
export { StatusBadge, StatusIcon, runKind, taskKind, kindLabel, reasonLabel, type StatusKind } from '../components/status';
export { VariablesTable } from '../components/variables-table';
export { OutputsTable } from '../components/outputs-table';

export * from '../hooks/use-api';
export { useRunView, type RunView } from '../hooks/use-run-view';
export { useTaskLog, useDownloadLog, type TaskLogState, type LogStatus } from '../hooks/use-task-log';
export { useLiveStatus, useGoferEvents, useNow } from '../hooks/use-live';

export { GoferApiError } from '../api/api-error';
export { createGoferClient, type GoferClient, type TokenGetter, type ClientOptions } from '../api/client';
export { tasksOf, matrixOf, type TaskSpec, type DependsOn, type MatrixSpec } from '../api/pipeline-config';
export type * from '../api/types';
