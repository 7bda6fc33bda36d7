/** Task executions: list, get (variables with their sources), logs (text, or SSE with follow). */
import type { Route } from '../route.js';
import { ID_PARAM, listOf, ref, RUN_ID_PARAM } from '../schemas.js';
import { SseStream } from '../sse.js';
import { accessiblePipeline, items, runIdOf } from './access.js';

const runParams = { pipelineId: ID_PARAM, runId: RUN_ID_PARAM };
const taskParams = { ...runParams, taskId: ID_PARAM };

export function taskRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks', operationId: 'listTasks', tag: 'tasks',
      summary: "Lists a run's task executions.",
      params: runParams,
      responses: { 200: { description: 'The task executions.', schema: listOf('TaskExecution') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return items(await ctx.gofer.tasks.list(ctx.params.pipelineId!, runIdOf(ctx)));
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}', operationId: 'getTask', tag: 'tasks',
      summary: 'Gets a task execution with its variables and where each came from.',
      params: taskParams,
      responses: { 200: { description: 'The task execution.', schema: ref('TaskExecution') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return { status: 200, body: await ctx.gofer.tasks.get(ctx.params.pipelineId!, runIdOf(ctx), ctx.params.taskId!) };
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}/logs', operationId: 'getTaskLogs', tag: 'tasks',
      summary: "A task's output, secrets masked. With follow=true: a Server-Sent Events stream of `log` events ({text}) until the task completes, then one `end` event.",
      params: taskParams,
      query: { follow: { type: 'boolean', default: false } },
      responses: { 200: { description: 'text/plain output, or text/event-stream with follow=true.', contentType: ['text/plain', 'text/event-stream'] } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        const { pipelineId, taskId } = ctx.params as { pipelineId: string; taskId: string };
        const runId = runIdOf(ctx);
        // Resolve the task first so an unknown task answers 404 before a stream opens.
        await ctx.gofer.tasks.get(pipelineId, runId, taskId);
        const follow = ctx.query.follow === true;
        const chunks = ctx.gofer.tasks.logs(pipelineId, runId, taskId, { follow, signal: ctx.signal });
        if (!follow) {
          const parts: Uint8Array[] = [];
          for await (const chunk of chunks) parts.push(chunk);
          return { status: 200, bytes: Buffer.concat(parts), contentType: 'text/plain; charset=utf-8' };
        }
        const sse = new SseStream(ctx.res);
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
    },
  ];
}
