/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web UI on the Docker scheduler: a run started from the pipeline page with a runtime
 * variable runs in real containers; the graph shows the first task running while its container
 * waits (the test releases it with `docker exec`, so "while it runs" is a fact), then every node
 * reaches its final status, and the task pages show the containers' logs, complete and in order.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { problemsOf, signIn, startUi, type UiSession } from './ui-harness.js';

const run = promisify(execFile);
let ui: UiSession;
const containers = new Set<string>();

if (await dockerAvailable()) {
  test.before(async () => {
    ui = await startUi({ scheduler: 'docker' });
  });

  test.after(async () => {
    await ui?.close();
    // The scheduler removes containers after exit; a failed test may leave one behind.
    for (const name of containers) await run('docker', ['rm', '-f', name]).catch(() => undefined);
  });

  test('a run on Docker: live graph, then every node final, then the logs', async () => {
    const config = {
      id: 'ui-docker',
      name: 'Docker flow',
      tasks: [
        {
          id: 'hello',
          image: TEST_IMAGE,
          command: ['sh', '-c', 'echo "hello $NAME"; i=0; while [ ! -f /tmp/go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo released'],
        },
        { id: 'count', image: TEST_IMAGE, command: ['sh', '-c', 'for i in $(seq 1 20); do echo "count $i"; done'], dependsOn: { hello: 'success' } },
        { id: 'fail', image: TEST_IMAGE, command: ['sh', '-c', 'echo failing; exit 2'], dependsOn: { hello: 'success' } },
        { id: 'after_fail', image: TEST_IMAGE, command: ['true'], dependsOn: { fail: 'success' } },
      ],
    };
    assert.is((await ui.m('POST', '/api/pipelines', { config })).status, 201);
    const page = await ui.newPage();
    await page.goto('/pipelines/ui-docker');
    await signIn(page, ui.svc.token);
    await page.getByLabel('Variable 1 name').fill('NAME');
    await page.getByLabel('Variable 1 value').fill('from the browser');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/pipelines\/ui-docker\/runs\/1$/);

    await page.locator('.gofer-node[data-task-id="hello"][data-status="running"]').waitFor({ timeout: 60_000 });
    const hello = (await ui.m('GET', '/api/pipelines/ui-docker/runs/1/tasks/hello')).json as { schedulerId: string };
    containers.add(hello.schedulerId);
    await run('docker', ['exec', hello.schedulerId, 'touch', '/tmp/go']);

    const finals = { hello: 'successful', count: 'successful', fail: 'failed', after_fail: 'skipped' };
    for (const [taskId, status] of Object.entries(finals))
      await page.locator(`.gofer-node[data-task-id="${taskId}"][data-status="${status}"]`).waitFor({ timeout: 60_000 });
    await page.locator('[data-run-status="failed"]').waitFor();

    await page.locator('.gofer-node[data-task-id="count"] a').click();
    await page.waitForURL(/\/tasks\/count$/);
    await page.locator('.gofer-log__status[data-log-status="complete"]').waitFor();
    assert.equal(
      await page.locator('.gofer-log__line .gofer-log__text').allInnerTexts(),
      Array.from({ length: 20 }, (_, i) => `count ${i + 1}`),
    );
    assert.match(await page.locator('main').innerText(), new RegExp(TEST_IMAGE.replace(/[/.]/g, '\\$&')));

    await page.goto('/pipelines/ui-docker/runs/1/tasks/hello');
    await page.locator('.gofer-log__status[data-log-status="complete"]').waitFor();
    assert.equal(await page.locator('.gofer-log__line .gofer-log__text').allInnerTexts(), ['hello from the browser', 'released']);
    assert.match(await page.getByRole('region', { name: 'Variables this task ran with' }).innerText(), /NAME\s+from the browser\s+run \(runtime variable\)/);
    assert.equal(await problemsOf(page), []);
    await page.close();
  });
}

test.run();
