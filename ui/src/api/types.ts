/** The API's shapes, named: every one comes from the generated schema, none is written by hand. */
import type { components, paths } from './generated/schema';

type Schemas = components['schemas'];

export type { paths };
export type ApiErrorBody = Schemas['Error'];
export type ErrorCode = ApiErrorBody['error']['code'];
export type PipelineInfo = Schemas['PipelineInfo'];
export type PipelineVersion = Schemas['PipelineVersion'];
export type Run = Schemas['Run'];
export type RunState = Run['state'];
export type RunStatus = Run['status'];
export type TaskExecution = Schemas['TaskExecution'];
export type TaskState = TaskExecution['state'];
export type TaskStatus = TaskExecution['status'];
export type TaskVariable = TaskExecution['variables'][number];
/** One output a task wrote to `$GOFER_OUTPUT` (a secret one's value is `********`). */
export type TaskOutput = NonNullable<TaskExecution['outputs']>[number];
/** Which matrix task a task execution is a combination of, and its values. */
export type MatrixCombination = NonNullable<TaskExecution['matrix']>;
export type PluginInfo = Schemas['PluginInfo'];
export type ExtensionInfo = Schemas['ExtensionInfo'];
export type Subscription = Schemas['Subscription'];
export type ApiToken = Schemas['ApiToken'];
export type NewApiToken = Schemas['NewApiToken'];
export type Namespace = Schemas['Namespace'];
export type GoferEvent = Schemas['Event'];
export type CreateTokenBody = NonNullable<paths['/api/tokens']['post']['requestBody']>['content']['application/json'];
