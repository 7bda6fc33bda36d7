/**
 * Webhook overhead: from sending a signed webhook request to the scheduler being asked to start
 * the task's container, i.e. (request -> container started) minus the scheduler's own start
 * time. Goal: under 20 ms. Runs the real stack: createGofer, the webhook extension on
 * 127.0.0.1, the Docker scheduler (busybox `true`, no network).
 *   node --conditions=gofer-source --import tsx bench/webhook-overhead.ts [rounds=20]
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { defineScheduler, memoryLogger, Pipeline, Task, type Scheduler, type StartContainerRequest } from '@gofer/core';
import webhookExtension, { signBody, type WebhookExtension } from '@gofer/extension-webhook';
import { DockerScheduler } from '@gofer/scheduler-docker';
import { startGofer } from '../core/src/composition/start-gofer.js';
import { PLUGIN_REGISTRY } from '../core/src/plugin-host/registry.js';
import { dockerAvailable, TEST_IMAGE, TEST_LABEL } from '../test/helpers/docker.js';
import { median, verdict } from './verdict-kit.js';

const rounds = Number(process.argv[2] ?? 20);
const TAG = `bench-webhook-${randomUUID().slice(0, 8)}`;

if (!(await dockerAvailable())) {
  console.log('webhook-overhead: no Docker engine; skipped');
  process.exit(0);
}

/** When the scheduler was asked to start a container, and when it had. */
const marks: Array<{ asked: number; started: number }> = [];

/** The Docker scheduler, with each start timed and every container labelled for cleanup. */
const timedDocker = defineScheduler({
  name: 'timed-docker',
  apiVersion: 1,
  create: (ctx) => {
    const inner = new DockerScheduler(ctx, { networkMode: 'none' });
    const wrapper: Scheduler = {
      startContainer: async (req: StartContainerRequest) => {
        const asked = performance.now();
        const result = await inner.startContainer({ ...req, labels: { ...req.labels, [TEST_LABEL]: TAG } });
        marks.push({ asked, started: performance.now() });
        return result;
      },
      stopContainer: (req) => inner.stopContainer(req),
      getState: (req) => inner.getState(req),
      getLogs: (req) => inner.getLogs(req),
      ...(inner.removeContainer ? { removeContainer: (req: Parameters<NonNullable<Scheduler['removeContainer']>>[0]) => inner.removeContainer(req) } : {}),
      close: () => inner.close(),
    };
    return wrapper;
  },
});

const { gofer, container } = await startGofer({
  useEnv: false,
  logger: memoryLogger('warn'),
  plugins: [timedDocker, webhookExtension],
  config: { dataDir: ':memory:', scheduler: 'timed-docker', discover: false, logLevel: 'silent', extensions: { webhook: { port: 0 } } },
});
try {
  await gofer.pipelines.register(new Pipeline('bench-hook', 'Webhook bench').tasks(new Task('noop', TEST_IMAGE).command('true')).build());
  const secret = 'bench-secret';
  const sub = await gofer.subscriptions.create({
    pipelineId: 'bench-hook',
    extension: 'webhook',
    label: 'bench',
    settings: { secret, 'variable.REF': 'body:/ref' },
  });
  const url = (container.resolve(PLUGIN_REGISTRY).extension('webhook')!.instance as WebhookExtension).urlFor(sub.subscriptionId)!;

  const overheads: number[] = [];
  const totals: number[] = [];
  const schedulerOwn: number[] = [];
  for (let i = 0; i < rounds + 2; i++) {
    const body = JSON.stringify({ ref: `refs/heads/b${i}` });
    const sent = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(secret, body), 'x-github-delivery': `d-${i}` },
    });
    const { runId } = (await res.json()) as { runId: number };
    await gofer.runs.wait('bench-hook', runId);
    const mark = marks.at(-1)!;
    if (i < 2) continue; // warm-up
    overheads.push(mark.asked - sent);
    totals.push(mark.started - sent);
    schedulerOwn.push(mark.started - mark.asked);
  }
  const overhead = median(overheads);
  console.log(`webhook request -> container started, median of ${rounds}: ${median(totals).toFixed(1)} ms`);
  console.log(`  scheduler's own startContainer:            ${median(schedulerOwn).toFixed(1)} ms`);
  console.log(
    `  webhook + core overhead (the difference):  ${overhead.toFixed(1)} ms (p90 ${[...overheads].sort((a, b) => a - b)[Math.floor(overheads.length * 0.9)]!.toFixed(1)} ms)`,
  );
  verdict({
    row: 'webhook overhead',
    gofer: `${median(totals).toFixed(1)} ms request -> started`,
    baseline: `${median(schedulerOwn).toFixed(1)} ms scheduler's own start`,
    value: overhead,
    op: '<=',
    goal: 20,
    unit: ' ms',
  });
} finally {
  await gofer.close();
  const docker = new Docker();
  const left = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${TAG}`] } });
  await Promise.all(
    left.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}
