/** Task executions: list, get (variables with their sources), logs (text, or SSE with follow). */
import { Type } from 'typebox';
import { GoferError } from '../../api/index.js';
import { defineRoute, type Route } from '../route.js';
import { ID_PARAM, listOf, ref, RUN_ID_PARAM } from '../schemas.js';
import { accessiblePipeline, items } from './access.js';

const runParams = { pipelineId: ID_PARAM, runId: RUN_ID_PARAM };
const taskParams = { ...runParams, taskId: ID_PARAM };

export function taskRoutes(): Route[] {
  return [
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
