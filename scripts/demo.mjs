#!/usr/bin/env node
// The newcomer's demo (`npm run demo`, which builds first): runs examples/pipelines/demo.ts end
// to end on an embedded Gofer core and prints its live progress. It uses the Docker scheduler
// when an engine answers and has the local image gofer-test/busybox:latest, and the local-process
// scheduler otherwise, and says which and why. Force one with GOFER_DEMO_SCHEDULER=docker|process.
// GREETING_NAME sets the run's runtime variable. Exit code 0 when the run went as designed (the
// test task fails on purpose, so the failure branch runs and deploy is skipped), 1 otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const IMAGE = 'gofer-test/busybox:latest';
const dist = (p) => pathToFileURL(join(root, 'core/dist', p)).href;

/** GET on the Docker engine's socket; resolves the status code, or 0 when nothing answers. */
function dockerGet(path) {
  return new Promise((resolve) => {
    const req = request({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock', path, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
    req.end();
  });
}

/** Which scheduler to use, and a sentence saying why. */
async function chooseScheduler() {
  const forced = process.env.GOFER_DEMO_SCHEDULER;
  if (forced === 'docker' || forced === 'process') return { scheduler: forced, why: `GOFER_DEMO_SCHEDULER=${forced}` };
  if ((await dockerGet('/_ping')) !== 200) {
    return { scheduler: 'process', why: 'no Docker engine answers on /var/run/docker.sock (start one with: bash scripts/docker-up.sh)' };
  }
  if ((await dockerGet(`/images/${encodeURIComponent(IMAGE)}/json`)) !== 200) {
    // Never pull: the demo must not reach a public registry. docker-up.sh builds the image locally.
    return { scheduler: 'process', why: `a Docker engine answers but the image ${IMAGE} is missing (build it with: bash scripts/docker-up.sh)` };
  }
  return { scheduler: 'docker', why: `a Docker engine answers and ${IMAGE} is present` };
}

const { createGofer } = await import(dist('index.js'));
const { watchRun, coreRunSource } = await import(dist('cli/live-run-view.js'));
const { paint } = await import(dist('cli/output.js'));
const { importTypeScript } = await import(dist('cli/load-pipeline-file.js'));

// Piped into `head`: stop printing but still finish, close the core and remove the data dir.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
});

const { scheduler, why } = await chooseScheduler();
console.log(paint('bold', 'Gofer demo'));
console.log(`Scheduler: ${paint('bold', scheduler)} (${why})`);

const dataDir = mkdtempSync(join(tmpdir(), 'gofer-demo-'));
const gofer = await createGofer({
  useEnv: false,
  config: {
    root,
    dataDir,
    scheduler,
    logLevel: 'error',
    schedulers: scheduler === 'docker' ? { docker: { networkMode: 'none', pullPolicy: 'never' } } : {},
  },
});

let ok = false;
try {
  const demoFile = join(root, 'examples/pipelines/demo.ts');
  const mod = await importTypeScript(pathToFileURL(demoFile).href, demoFile);
  const config = mod.demoPipeline(IMAGE).toJSON();
  await gofer.pipelines.register(config);
  console.log(
    `Pipeline: ${config.id}: ${config.tasks
      .map(
        (t) =>
          `${t.id}${
            t.dependsOn
              ? ` <- ${Object.entries(t.dependsOn)
                  .map(([p, s]) => `${p}(${s})`)
                  .join(',')}`
              : ''
          }`,
      )
      .join('; ')}`,
  );
  const variables = { GREETING_NAME: process.env.GREETING_NAME || 'newcomer' };
  console.log(`Runtime variable: GREETING_NAME=${variables.GREETING_NAME}\n`);

  const started = await gofer.runs.start(config.id, { variables, initiator: { kind: 'user', name: 'demo' } });
  const run = await watchRun(coreRunSource(gofer, config.id, started.runId));
  const tasks = Object.fromEntries((await gofer.tasks.list(config.id, run.runId)).map((t) => [t.taskId, t.status]));

  const expected = { greet: 'successful', test: 'failed', deploy: 'skipped', notify: 'successful' };
  ok = Object.entries(expected).every(([id, status]) => tasks[id] === status);
  console.log('');
  if (ok) {
    console.log(paint('green', 'As designed: test failed on purpose, so the failure branch (notify) ran and deploy was skipped.'));
    console.log(`Next: run the service (gofer service start) and drive it with the gofer CLI; see docs/service.md and docs/cli.md.`);
  } else {
    console.log(paint('red', `Unexpected outcome: ${JSON.stringify(tasks)} (expected ${JSON.stringify(expected)})`));
  }
} finally {
  await gofer.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
