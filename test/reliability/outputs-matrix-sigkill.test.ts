/**
 * Crash of the service during a run whose tasks work together (issue 18): the REAL service
 * (`gofer service start`, process scheduler: real processes that outlive the SIGKILLed
 * service) runs two runs of a pipeline where `build` writes outputs (a plain, a multi-line and a
 * secret one), a 3-combination matrix `test` (maxParallel 2) reads build's VERSION and writes
 * its own output, and `report` reads one combination's output and the secret. At a random moment
 * (seeded): in build, between build's end and the matrix's start, inside the matrix or before
 * report, the service is SIGKILLed and started again on the same data directory. After the
 * restart every run completes `successful` with exactly three combinations, each run once (one
 * attempt, one start in its log), every output exactly once with its value, the dependents'
 * variables and logs built from them, and the secret masked wherever it is shown.
 */
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { delay, figure, prng, testSeed, killService } from './reliability-helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const TRIALS = Number(process.env.GOFER_OUTPUTS_CRASH_TRIALS ?? 6);
const pipelineId = `rel-outputs-${process.pid}`;
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
const random = prng(seed);

const TASKS = [
  {
    id: 'build',
    command: [
      'sh',
      '-c',
      'sleep 0.3; printf "VERSION=1.%s\\nNOTES<<END\\nfirst line\\nsecond line\\nEND\\nTOKEN::secret=tok-%s-x\\n" "$GOFER_RUN_ID" "$GOFER_RUN_ID" >> "$GOFER_OUTPUT"; sleep 0.3',
    ],
  },
  {
    id: 'test',
    dependsOn: { build: 'success' },
    matrix: { N: ['1', '2', '3'], maxParallel: 2 },
    variables: { V: '{{tasks.build.outputs.VERSION}}' },
    command: ['sh', '-c', 'echo "start n=$N v=$V"; sleep 0.4; echo "R=$N-$V" >> "$GOFER_OUTPUT"'],
  },
  {
    id: 'report',
    dependsOn: { test: 'success' },
    variables: { R2: '{{tasks.test[N=2].outputs.R}}', TOK: '{{tasks.build.outputs.TOKEN}}', NOTES: '{{tasks.build.outputs.NOTES}}' },
    command: ['sh', '-c', 'echo "report $R2 $TOK"; printf "%s\\n" "$NOTES"'],
  },
];

interface Task {
  taskId: string;
  status: string;
  attempt: number;
  outputs?: Array<{ key: string; value: string; secret?: boolean }>;
  variables: Array<{ key: string; value: string }>;
}

test(`${TRIALS} SIGKILLs of the service during runs with outputs and a matrix: nothing lost, nothing repeated`, async () => {
  let svc: RunningService = await startServiceProcess({ env: { GOFER_LOG_LEVEL: 'warn' }, keepDataDir: true });
  const { dataDir, token } = svc;
  const problems: string[] = [];
  const phases: Record<string, number> = {};
  let checkedOutputs = 0;
  let completed = 0;
  try {
    const m = () => api(svc.url, token);
    const reg = await m()('POST', '/api/pipelines', {
      config: { id: pipelineId, name: 'outputs crash trials', tasks: TASKS.map((t) => ({ image: 'local', ...t })) },
    });
    assert.is(reg.status, 201, reg.text);
    for (let trial = 1; trial <= TRIALS; trial++) {
      const runs: number[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await m()('POST', `/api/pipelines/${pipelineId}/runs`);
        assert.is(res.status, 201, res.text);
        runs.push(res.json.runId as number);
      }
      await delay(100 + Math.floor(random() * 1400));
      // Where the kill lands, for the report: the furthest task of the first run that is not complete yet.
      const now = (await m()('GET', `/api/pipelines/${pipelineId}/runs/${runs[0]}/tasks`)).json.items as Task[] & Array<{ state: string }>;
      const open = now.filter((t) => (t as unknown as { state: string }).state !== 'complete').map((t) => t.taskId.replace(/\[.*/, ''));
      const phase = open.includes('build') ? 'build' : open.includes('test') ? 'matrix' : open.includes('report') ? 'report' : 'done';
      phases[phase] = (phases[phase] ?? 0) + 1;
      await killService(svc);
      svc = await startServiceProcess({ env: { GOFER_LOG_LEVEL: 'warn' }, dataDir, keepDataDir: true, bootstrap: false });
      const c = m();
      for (const runId of runs) {
        const where = `trial ${trial} run ${runId}`;
        const run = await waitFor(
          `${where} to complete after the restart`,
          async () => {
            const r = await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}`);
            return r.json?.state === 'complete' ? r.json : undefined;
          },
          { timeoutMs: 60_000 },
        );
        if (run.status !== 'successful') problems.push(`${where}: ${run.status} (${JSON.stringify(run.statusReason)})`);
        const tasks = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as Task[];
        const ids = tasks.map((t) => t.taskId).sort();
        const want = ['build', 'report', 'test[N=1]', 'test[N=2]', 'test[N=3]'];
        if (JSON.stringify(ids) !== JSON.stringify(want)) problems.push(`${where}: tasks ${ids.join(', ')}`);
        const byId = new Map(tasks.map((t) => [t.taskId, t]));
        const version = `1.${runId}`;
        const expectOutputs = (taskId: string, outputs: Array<{ key: string; value: string; secret?: boolean }>) => {
          const got = byId.get(taskId)?.outputs ?? [];
          checkedOutputs += outputs.length;
          if (JSON.stringify(got) !== JSON.stringify(outputs))
            problems.push(`${where} ${taskId}: outputs ${JSON.stringify(got)}, expected ${JSON.stringify(outputs)}`);
        };
        expectOutputs('build', [
          { key: 'VERSION', value: version },
          { key: 'NOTES', value: 'first line\nsecond line' },
          { key: 'TOKEN', value: '********', secret: true },
        ]);
        for (const n of ['1', '2', '3']) {
          const id = `test[N=${n}]`;
          expectOutputs(id, [{ key: 'R', value: `${n}-${version}` }]);
          const t = byId.get(id);
          if (t && t.attempt !== 1) problems.push(`${where} ${id}: ${t.attempt} attempts`);
          const log = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/${encodeURIComponent(id)}/logs`)).text;
          if (log !== `start n=${n} v=${version}\n`) problems.push(`${where} ${id}: log ${JSON.stringify(log)}`);
        }
        const report = byId.get('report');
        const tok = report?.variables.find((v) => v.key === 'TOK');
        if (tok?.value !== '********') problems.push(`${where} report: TOK shown as ${JSON.stringify(tok?.value)}`);
        const log = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/report/logs`)).text;
        if (log !== `report 2-${version} ********\nfirst line\nsecond line\n`) problems.push(`${where} report: log ${JSON.stringify(log)}`);
        if (log.includes(`tok-${runId}-x`)) problems.push(`${where} report: the secret output is in the log`);
      }
      completed++;
    }
    figure(
      `outputs and a matrix under SIGKILL: ${completed}/${TRIALS} trials (${completed * 2} runs of build -> 3-combination matrix -> report on the process scheduler; killed in ${Object.entries(
        phases,
      )
        .map(([k, v]) => `${k} ${v}x`)
        .join(', ')}; seed ${seed}), ${checkedOutputs} outputs checked, ${problems.length} mismatches`,
    );
    assert.equal(problems, [], `seed ${seed}:\n${problems.join('\n')}`);
  } finally {
    await svc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
