/**
 * The core in a child process for extension-idempotency.test.ts, on a real data directory.
 * `kill` mode: one event reaches Gofer through the bridge, and the process SIGKILLs itself right
 * after the first SQLite COMMIT that holds a run: the run is on disk, nothing after it ran (an
 * event id written after the run's own transaction would be lost). `after` mode: the same event
 * arrives again; prints what happened.
 *   idempotency-child.ts kill|after <dataDir> webhook|stdio
 */
import { fileURLToPath } from 'node:url';
import { Pipeline, Task } from '@gofer/core';
import processScheduler from '@gofer/scheduler-process';
import webhookExtension from '@gofer/extension-webhook';
import { startGofer } from '../../core/src/composition/start-gofer.js';
import { DATABASE } from '../../core/src/stores/database.js';

const [mode, dataDir, bridge] = process.argv.slice(2) as ['kill' | 'after', string, 'webhook' | 'stdio'];
const emit = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const fixture = fileURLToPath(new URL('./extension-fixtures/same-event', import.meta.url));

const { gofer, container } = await startGofer({
  useEnv: false,
  plugins: [processScheduler, webhookExtension],
  config: {
    dataDir,
    scheduler: 'process',
    discover: false,
    logLevel: 'error',
    pluginDirs: bridge === 'stdio' ? [fixture] : [],
    extensions: { webhook: { port: 0 } },
  },
});

if (mode === 'kill') {
  const db = container.resolve(DATABASE);
  const exec = db.exec.bind(db);
  db.exec = (sql: string) => {
    const result = exec(sql);
    if (sql === 'COMMIT' && (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n > 0) process.kill(process.pid, 'SIGKILL');
    return result;
  };
}

if ((await gofer.pipelines.list()).length === 0) {
  await gofer.pipelines.register(new Pipeline('idem', 'idempotency').tasks(new Task('noop', 'gofer-test/busybox:latest').command('true')).build());
}
const existing = await gofer.subscriptions.list({ pipelineId: 'idem' });
const sub = existing[0] ?? (await gofer.subscriptions.create({ pipelineId: 'idem', extension: bridge === 'stdio' ? 'same-event' : 'webhook', label: 'l' }));

let answeredRunId: number | undefined;
if (bridge === 'webhook') {
  const url = (await webhookUrl(sub.subscriptionId))!;
  const res = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-github-delivery': 'the-delivery' } });
  answeredRunId = ((await res.json()) as { runId: number }).runId;
} else {
  // The extension asks at every subscribe; wait for its log line with the answer.
  const deadline = Date.now() + 20_000;
  while (answeredRunId === undefined && Date.now() < deadline) {
    const line = (await gofer.extensions.logs('same-event')).find((l) => l.message === 'run started');
    if (line) answeredRunId = Number(line.fields.runId);
    else await new Promise((r) => setTimeout(r, 20));
  }
}
const runs = await gofer.runs.list('idem');
emit({ answeredRunId, runs: runs.map((r) => r.runId) });
await gofer.close();

/** The webhook listener's URL for a subscription, from the extension's log line. */
async function webhookUrl(subscriptionId: string): Promise<string | undefined> {
  const line = (await gofer.extensions.logs('webhook')).find((l) => l.message === 'webhook subscription ready' && l.fields.subscriptionId === subscriptionId);
  return line?.fields.url as string | undefined;
}
