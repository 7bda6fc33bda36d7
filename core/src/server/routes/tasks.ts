/** Task executions: list, get (variables with their sources), logs (text, or SSE with follow); approve or reject an approval gate. */
import { Type } from 'typebox';
import { GoferError, type Approver } from '../../api/index.js';
import { principalName, type Principal } from '../../auth/principal.js';
import { defineRoute, type Route } from '../route.js';
import { ID_PARAM, listOf, ref, RUN_ID_PARAM, TASK_ID_PARAM } from '../schemas.js';
import { accessiblePipeline, items } from './access.js';

const runParams = { pipelineId: ID_PARAM, runId: RUN_ID_PARAM };
const taskParams = { ...runParams, taskId: TASK_ID_PARAM };

/** Who decides, from the verified token: recorded with the decision and checked against the task's approvers. */
export function approverOf(p: Principal): Approver {
  if (p.kind === 'management') return { kind: 'management', name: principalName(p), tokenId: p.tokenId };
  if (p.kind === 'client') return { kind: 'client', name: principalName(p), tokenId: p.tokenId, namespaces: [...p.namespaces] };
  return { kind: 'run', name: principalName(p) };
}

const DECISION_BODY = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 2000, description: 'Recorded with the decision (and in the rejection reason).' })) },
  { additionalProperties: false },
);

const DECISION_ERRORS = {
  ERR_NOT_FOUND: 'The pipeline, the run or the task does not exist.',
  ERR_INVALID_ARGUMENT: 'The task is not an approval task (or the body is malformed).',
  ERR_CONFLICT: 'The approval task is not waiting for a decision: already approved or rejected, timed out, cancelled, or its parents have not finished.',
  ERR_FORBIDDEN: "The caller's token is not among the task's approvers (its kind is not listed and it holds none of the listed namespaces).",
  ERR_GOFER_CLOSED: 'The service is shutting down; decide again once it has restarted (the task still waits).',
} as const;

/** The approve and reject routes: the same shape, one decision each. */
function decisionRoute(decision: 'approve' | 'reject'): Route {
  return defineRoute({
    method: 'POST',
    path: `/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}/${decision}`,
    operationId: decision === 'approve' ? 'approveTask' : 'rejectTask',
    tag: 'tasks',
    access: 'namespace',
    summary:
      decision === 'approve'
        ? 'Approves an approval task waiting for a decision: it succeeds and its dependents follow their dependsOn rules. Records the token and the comment.'
        : 'Rejects an approval task waiting for a decision: it fails with reason approval_rejected. Records the token and the comment.',
    params: taskParams,
    body: DECISION_BODY,
    errors: DECISION_ERRORS,
    responses: { 200: { description: 'The task execution with its decision (durable when answered).', schema: ref('TaskExecution') } },
    async handle(ctx) {
      await accessiblePipeline(ctx, ctx.params.pipelineId);
      const { pipelineId, runId, taskId } = ctx.params;
      const opts = { by: approverOf(ctx.principal), ...(ctx.body.comment !== undefined ? { comment: ctx.body.comment } : {}) };
      const task =
        decision === 'approve' ? await ctx.gofer.tasks.approve(pipelineId, runId, taskId, opts) : await ctx.gofer.tasks.reject(pipelineId, runId, taskId, opts);
      return { status: 200, body: task };
    },
  });
}

export function taskRoutes(): Route[] {
  return [
    decisionRoute('approve'),
    decisionRoute('reject'),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks',
      operationId: 'listTasks',
      tag: 'tasks',
      access: 'namespace',
      summary: "Lists a run's task executions.",
      params: runParams,
      errors: { ERR_NOT_FOUND: 'The pipeline or the run does not exist.' },
      responses: { 200: { description: 'The task executions.', schema: listOf('TaskExecution') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return items(await ctx.gofer.tasks.list(ctx.params.pipelineId, ctx.params.runId));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}',
      operationId: 'getTask',
      tag: 'tasks',
      access: 'namespace',
      summary: 'Gets a task execution with its variables and where each came from.',
      params: taskParams,
      errors: { ERR_NOT_FOUND: 'The pipeline, the run or the task does not exist.' },
      responses: { 200: { description: 'The task execution.', schema: ref('TaskExecution') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.tasks.get(ctx.params.pipelineId, ctx.params.runId, ctx.params.taskId) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}/logs',
      operationId: 'getTaskLogs',
      tag: 'tasks',
      access: 'namespace',
      summary:
        "A task's output, secrets masked. With follow=true: a Server-Sent Events stream of `log` messages ({text}) until the task completes, then one `end` message (the task execution).",
      params: taskParams,
      query: {
        follow: Type.Boolean({ default: false }),
        attempt: Type.Integer({ minimum: 1, description: "Which attempt's output (default: the current one)." }),
      },
      errors: { ERR_NOT_FOUND: 'The pipeline, the run, the task or the attempt does not exist.' },
      responses: {
        200: {
          description: 'text/plain output, or with follow=true a text/event-stream of `log` messages, then one `end` (or `error`) message.',
          contentType: 'text/plain',
          events: Type.Union([ref('LogMessage'), ref('EndMessage'), ref('StreamError')]),
        },
      },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        const { pipelineId, runId, taskId } = ctx.params;
        // Resolve the task first so an unknown task answers 404 before a stream opens.
        await ctx.gofer.tasks.get(pipelineId, runId, taskId);
        const follow = ctx.query.follow === true;
        const attempt = ctx.query.attempt;
        if (attempt !== undefined) {
          const { attempt: current } = await ctx.gofer.tasks.get(pipelineId, runId, taskId);
          if (attempt > current) {
            throw new GoferError('ERR_NOT_FOUND', `Task "${taskId}" of run ${runId} has no attempt ${attempt} (it has ${current}).`, {
              details: { pipelineId, runId, taskId, attempt },
            });
          }
        }
        const chunks = ctx.gofer.tasks.logs(pipelineId, runId, taskId, { follow, signal: ctx.signal, ...(attempt !== undefined ? { attempt } : {}) });
        // Streamed from the file as the client reads: a log of any size costs a chunk or two.
        if (!follow) return { status: 200, stream: chunks, contentType: 'text/plain; charset=utf-8' };
        const sse = ctx.sse();
        const decoder = new TextDecoder();
        try {
          for await (const chunk of chunks) {
            const text = decoder.decode(chunk, { stream: true });
            if (text) await sse.send({ event: 'log', data: { text } });
            if (ctx.signal.aborted) break;
          }
          const rest = decoder.decode();
          if (rest) await sse.send({ event: 'log', data: { text: rest } });
          if (!ctx.signal.aborted) await sse.send({ event: 'end', data: await ctx.gofer.tasks.get(pipelineId, runId, taskId) });
        } catch (err) {
          if (!ctx.signal.aborted) await sse.send({ event: 'error', data: { message: (err as Error).message } });
        } finally {
          sse.end();
        }
        return 'streamed';
      },
    }),
    // Issue 15: attempts and single-task cancel.
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}/attempts',
      operationId: 'listTaskAttempts',
      tag: 'tasks',
      access: 'namespace',
      summary: "Lists a task's attempts, oldest first, each with its exit code, times and reason (the last is the current one).",
      params: taskParams,
      errors: { ERR_NOT_FOUND: 'The pipeline, the run or the task does not exist.' },
      responses: { 200: { description: 'The attempts.', schema: listOf('TaskAttempt') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return items(await ctx.gofer.tasks.attempts(ctx.params.pipelineId, ctx.params.runId, ctx.params.taskId));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}/cancel',
      operationId: 'cancelTask',
      tag: 'tasks',
      access: 'namespace',
      summary:
        'Cancels one task: its container is stopped (graceful, then forced after the stop timeout), or it is cancelled at once when not running; its dependents follow their dependsOn rules.',
      params: taskParams,
      errors: {
        ERR_NOT_FOUND: 'The pipeline, the run or the task does not exist.',
        ERR_CONFLICT: 'The run is complete.',
      },
      responses: { 200: { description: 'The task execution after the cancel request.', schema: ref('TaskExecution') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.tasks.cancel(ctx.params.pipelineId, ctx.params.runId, ctx.params.taskId) };
      },
    }),
  ];
}
