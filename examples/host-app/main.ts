/**
 * Embedding Gofer in a host application: the host hands in its own scheduler and its own trigger
 * extension as plain values, registers a pipeline, lets the extension start a run with runtime
 * variables, follows events, and closes. A project of its own (see README.md): with @gofer/core
 * installed, `npm run build` (tsc) and `npm start` (node dist/main.js). Inside the Gofer
 * repository, against the sources and without a build:
 *   node --conditions=gofer-source --import tsx examples/host-app/main.ts
 */
import { createGofer, defineExtension, defineScheduler, type ContainerStatus, type ExtensionContext, type LogChunk } from '@gofer/core';

/** A scheduler that "runs" a task by evaluating its command in-process: handy for demos and tests. */
const inProcessScheduler = defineScheduler({
  name: 'in-process',
  apiVersion: 1,
  create: () => {
    const results = new Map<string, { status: ContainerStatus; output: string }>();
    return {
      async startContainer(req) {
        // The "container" prints its command and the variables it was given.
        const output = `${(req.command ?? []).join(' ')} | GREETING=${req.variables.GREETING} RUN=${req.variables.GOFER_RUN_ID}\n`;
        results.set(req.id, { status: { state: 'exited', exitCode: req.command?.[0] === 'fail' ? 1 : 0 }, output });
        return { schedulerId: req.id };
      },
      async stopContainer() {},
      async getState({ schedulerId }) {
        return results.get(schedulerId)?.status ?? { state: 'unknown' };
      },
      async getLogs({ schedulerId }): Promise<AsyncIterable<LogChunk>> {
        const output = results.get(schedulerId)?.output ?? '';
        return (async function* () {
          yield { stream: 'stdout' as const, data: new TextEncoder().encode(output) };
        })();
      },
    };
  },
});

/** An extension the host drives itself: `fire()` starts a run for every subscription. */
let fire: (variables: Record<string, string>) => Promise<void> = async () => {};
const hostTrigger = defineExtension({
  name: 'host-trigger',
  apiVersion: 1,
  create: (ctx: ExtensionContext) => {
    const subscriptions = new Set<string>();
    fire = async (variables) => {
      for (const subscriptionId of subscriptions) await ctx.startRun({ subscriptionId, variables, reason: 'the host app fired' });
    };
    return {
      async subscribe(sub) {
        subscriptions.add(sub.subscriptionId);
      },
      async unsubscribe(sub) {
        subscriptions.delete(sub.subscriptionId);
      },
    };
  },
});

const gofer = await createGofer({
  plugins: [inProcessScheduler, hostTrigger],
  config: { scheduler: 'in-process', dataDir: ':memory:', discover: false, logLevel: 'warn' },
  useEnv: false,
});
const stopWatching = gofer.events.on((event) => {
  if (event.type === 'task.completed') console.log(`event ${event.type} ${event.payload.taskId} ${event.payload.status}`);
});

await gofer.pipelines.register({
  id: 'greeter',
  name: 'Greeter',
  tasks: [
    { id: 'greet', image: 'none', command: ['hello'] },
    { id: 'farewell', image: 'none', command: ['goodbye'], dependsOn: { greet: 'success' } },
  ],
});
await gofer.subscriptions.create({ pipelineId: 'greeter', extension: 'host-trigger', label: 'manual', settings: {} });
await fire({ GREETING: 'hi from the host' });

const [run] = await gofer.runs.list('greeter');
const done = await gofer.runs.wait('greeter', run!.runId);
console.log(`run ${done.runId} ${done.status} (started by ${done.initiator.kind} ${done.initiator.name})`);
for (const task of await gofer.tasks.list('greeter', done.runId)) {
  let logs = '';
  for await (const chunk of gofer.tasks.logs('greeter', done.runId, task.taskId)) logs += new TextDecoder().decode(chunk);
  console.log(`task ${task.taskId} ${task.status}: ${logs.trim()}`);
}
stopWatching();
await gofer.close();
