/**
 * The GitHub extension against the example payloads GitHub's community publishes
 * (@octokit/webhooks-examples), delivered over real HTTP on 127.0.0.1 and signed like GitHub
 * signs them; reports go to a stand-in API that checks every call against GitHub's OpenAPI
 * description.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Webhooks } from '@octokit/webhooks';
import githubExtension, { type GitHubExtension } from '@gofer/extension-github';
import { Pipeline, Task, type Run } from '@gofer/core';
import { fakeContext } from '../../../test/integration/extension-helpers/fake-context.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { goferForExtensions } from '../../../test/integration/extension-helpers/gofer-for-extensions.js';
import { startGitHubApiRecorder } from '../../../test/integration/extension-helpers/github-api-recorder.js';

const SECRET = 'a webhook secret';
const signer = new Webhooks({ secret: SECRET });
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{ name: string; examples: Array<Record<string, any>> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
const examplesOf = (name: string) => examples.find((e) => e.name === name)!.examples;
let deliveries = 0;

async function deliver(url: string, event: string, payload: unknown, opts: { delivery?: string; form?: boolean; secret?: string } = {}) {
  const json = JSON.stringify(payload);
  const body = opts.form ? new URLSearchParams({ payload: json }).toString() : json;
  const signature = opts.secret ? await new Webhooks({ secret: opts.secret }).sign(body) : await signer.sign(body);
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': opts.form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.delivery ?? `delivery-${++deliveries}`,
      'x-hub-signature-256': signature,
    },
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function extensionWith(settings: Record<string, string>) {
  const ctx = fakeContext();
  const ext = (await githubExtension.create(ctx, { host: '127.0.0.1', port: 0 })) as GitHubExtension;
  await ext.subscribe({ subscriptionId: 'gh', pipelineId: 'p', settings: { secret: SECRET, ...settings } });
  return { ctx, ext, url: ext.urlFor('gh')! };
}

test('push examples: branch pushes and tag pushes start runs with the git variables; deletions are skipped', async () => {
  const { ctx, ext, url } = await extensionWith({ events: 'push,tag' });
  const pushes = examplesOf('push');
  for (const payload of pushes) {
    const res = await deliver(url, 'push', payload);
    if (payload.deleted) assert.equal([res.status, res.body.started], [200, false], 'a deleted ref starts nothing');
    else assert.is(res.status, 202, JSON.stringify(res.body));
  }
  const started = ctx.started.map((r) => r.variables);
  const branch = started.find((v) => v.GIT_EVENT === 'push')!;
  const example = pushes.find((p) => p.ref === 'refs/heads/master')!;
  assert.equal(branch, {
    GIT_EVENT: 'push',
    GIT_REPO: example.repository.full_name,
    GIT_SENDER: example.sender.login,
    GIT_REF: 'refs/heads/master',
    GIT_SHA: example.after,
    GIT_BRANCH: 'master',
  });
  const tag = started.find((v) => v.GIT_EVENT === 'tag')!;
  assert.is(tag.GIT_TAG, 'simple-tag');
  assert.is(tag.GIT_REF, 'refs/tags/simple-tag');
  assert.is(ctx.started.length, pushes.filter((p) => !p.deleted).length);
  await ext.close();
});

test('branch globs and changed paths filter pushes; a form-encoded delivery is understood', async () => {
  const master = examplesOf('push').find((p) => p.ref === 'refs/heads/master' && !p.deleted)!;
  const only = await extensionWith({ branches: 'main,release/*' });
  assert.match((await deliver(only.url, 'push', master)).body.reason, /branch master matches no branches glob/);
  await only.ext.close();
  const docs = await extensionWith({ branches: 'ma*', paths: 'docs/**' });
  assert.match((await deliver(docs.url, 'push', master)).body.reason, /no changed file matches/);
  await docs.ext.close();
  const readme = await extensionWith({ branches: 'ma*', paths: '*.md' });
  const res = await deliver(readme.url, 'push', master, { form: true });
  assert.is(res.status, 202, 'form delivery of a push changing README.md');
  assert.is(readme.ctx.started[0]!.variables.GIT_BRANCH, 'master');
  await readme.ext.close();
});

test('pull_request examples: only the subscribed actions start runs, with GIT_PR_NUMBER', async () => {
  const { ctx, ext, url } = await extensionWith({ events: 'pull_request' });
  const prs = examplesOf('pull_request');
  const expected = prs.filter((p) => ['opened', 'synchronize', 'reopened'].includes(p.action));
  for (const payload of prs) await deliver(url, 'pull_request', payload);
  assert.is(ctx.started.length, expected.length);
  assert.ok(expected.length > 0);
  const first = expected[0]!;
  assert.equal(ctx.started[0]!.variables, {
    GIT_EVENT: 'pull_request',
    GIT_REPO: first.repository.full_name,
    GIT_SENDER: first.sender.login,
    GIT_REF: `refs/pull/${first.pull_request.number}/head`,
    GIT_BRANCH: first.pull_request.head.ref,
    GIT_BASE_BRANCH: first.pull_request.base.ref,
    GIT_SHA: first.pull_request.head.sha,
    GIT_PR_NUMBER: String(first.pull_request.number),
    GIT_PR_ACTION: first.action,
  });
  await ext.close();
});

test('release examples: published releases start runs; push deliveries do not when only releases are subscribed', async () => {
  const { ctx, ext, url } = await extensionWith({ events: 'release' });
  const releases = examplesOf('release');
  for (const payload of releases) await deliver(url, 'release', payload);
  assert.is(ctx.started.length, releases.filter((r) => r.action === 'published').length);
  assert.is(ctx.started[0]!.variables.GIT_EVENT, 'release');
  assert.ok(ctx.started[0]!.variables.GIT_TAG);
  const push = await deliver(url, 'push', examplesOf('push')[4]);
  assert.is(push.body.started, false);
  await ext.close();
});

test('signatures are checked by @octokit/webhooks; ping answers; unknown settings are refused', async () => {
  const { ctx, ext, url } = await extensionWith({});
  const wrong = await deliver(url, 'push', examplesOf('push')[4], { secret: 'another secret' });
  assert.equal([wrong.status, wrong.body.error.code], [401, 'ERR_WEBHOOK_SIGNATURE']);
  const ping = await deliver(url, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
  assert.equal([ping.status, ping.body.pong], [200, true]);
  assert.is(ctx.started.length, 0);
  try {
    await ext.subscribe({ subscriptionId: 'bad', pipelineId: 'p', settings: { secret: SECRET, events: 'push,deploy' } });
    assert.unreachable('an unknown event is refused');
  } catch (err) {
    assert.match((err as Error).message, /unknown event "deploy"/);
  }
  await ext.close();
});

async function pipelineGofer(recorderUrl: string) {
  const { gofer } = await goferForExtensions({
    plugins: [githubExtension],
    config: { secretKey: randomBytes(32).toString('hex'), extensions: { github: { port: 0, apiUrl: recorderUrl, publicUrl: 'https://gofer.example.com' } } },
  });
  try {
    await setUpPipelines(gofer);
  } catch (err) {
    await gofer.close();
    throw err;
  }
  return gofer;
}

async function setUpPipelines(gofer: Awaited<ReturnType<typeof goferForExtensions>>['gofer']) {
  await gofer.secrets.put({}, 'GITHUB_TOKEN', 'ghs_test_token');
  await gofer.pipelines.register(new Pipeline('gh-ok', 'passes').tasks(new Task('pass', 'gofer-test/busybox:latest').command('true')).build());
  await gofer.pipelines.register(new Pipeline('gh-fails', 'fails').tasks(new Task('fail', 'gofer-test/busybox:latest').command('false')).build());
  await gofer.secrets.put({ pipelineId: 'gh-ok' }, 'HOOK', SECRET);
  await gofer.secrets.put({ pipelineId: 'gh-fails' }, 'HOOK', SECRET);
}

test('runs are reported as commit statuses (pending, then success or failure, linked) through a GitHub Enterprise base URL', async () => {
  const recorder = await startGitHubApiRecorder();
  const gofer = await pipelineGofer(recorder.apiUrl);
  try {
    const urls: string[] = [];
    for (const pipelineId of ['gh-ok', 'gh-fails']) {
      const sub = await gofer.subscriptions.create({
        pipelineId,
        extension: 'github',
        label: 'push',
        settings: { secret: 'pipeline_secret{{HOOK}}', token: 'global_secret{{GITHUB_TOKEN}}', branches: 'master' },
      });
      assert.is(sub.status, 'active', sub.statusReason);
      const ext = (await gofer.extensions.logs('github')).filter(
        (l) => l.message === 'github subscription ready' && l.fields.subscriptionId === sub.subscriptionId,
      );
      urls.push(ext[0]!.fields.url as string);
    }
    const push = examplesOf('push').find((p) => p.ref === 'refs/heads/master' && !p.deleted)!;
    const ok = await deliver(urls[0]!, 'push', push, { delivery: 'ok-1' });
    const failing = await deliver(urls[1]!, 'push', push, { delivery: 'fails-1' });
    assert.equal([ok.status, failing.status], [202, 202]);
    // A redelivery answers with the same run and reports nothing new.
    const again = await deliver(urls[0]!, 'push', push, { delivery: 'ok-1' });
    assert.is(again.body.runId, ok.body.runId);
    const runs: Run[] = [await gofer.runs.wait('gh-ok', ok.body.runId), await gofer.runs.wait('gh-fails', failing.body.runId)];
    assert.equal(
      runs.map((r) => r.status),
      ['successful', 'failed'],
    );
    await waitFor('four status calls', () => recorder.calls.length >= 4);
    for (const call of recorder.calls) assert.equal(call.problems, [], `${call.method} ${call.path} matches GitHub's OpenAPI description`);
    assert.ok(recorder.calls.every((c) => c.operationId === 'repos/create-commit-status' && c.authorization === 'token ghs_test_token'));
    const byContext = (context: string) =>
      recorder.calls.filter((c) => (c.body as { context: string }).context === context).map((c) => c.body as Record<string, string>);
    const okCalls = byContext('gofer/gh-ok');
    assert.equal(
      okCalls.map((b) => b.state),
      ['pending', 'success'],
    );
    assert.is(okCalls[0]!.target_url, `https://gofer.example.com/pipelines/gh-ok/runs/${ok.body.runId}`);
    assert.equal(
      byContext('gofer/gh-fails').map((b) => b.state),
      ['pending', 'failure'],
    );
    assert.ok(recorder.calls.every((c) => c.path === `/repos/${push.repository.full_name}/statuses/${push.after}`));
    assert.is(recorder.calls.length, 4, 'the redelivery reported nothing');
    // A redelivery after the run has completed (its report's state is gone by then) reports
    // nothing either; close() waits for every report the extension has queued.
    const late = await deliver(urls[0]!, 'push', push, { delivery: 'ok-1' });
    assert.is(late.body.runId, ok.body.runId);
    await gofer.close();
    assert.is(recorder.calls.length, 4, 'a redelivery after the end reported nothing');
  } finally {
    await gofer.close();
    await recorder.close();
  }
});

test('check runs: created in progress, completed with the conclusion; pull request paths read through the API', async () => {
  const recorder = await startGitHubApiRecorder();
  recorder.pullFiles = ['src/app.ts', 'README.md'];
  const gofer = await pipelineGofer(recorder.apiUrl);
  try {
    const sub = await gofer.subscriptions.create({
      pipelineId: 'gh-ok',
      extension: 'github',
      label: 'prs',
      settings: { secret: 'pipeline_secret{{HOOK}}', token: 'global_secret{{GITHUB_TOKEN}}', events: 'pull_request', paths: 'src/**', report: 'check' },
    });
    const url = (await gofer.extensions.logs('github')).find((l) => l.fields.subscriptionId === sub.subscriptionId)!.fields.url as string;
    const pr = examplesOf('pull_request').find((p) => p.action === 'opened')!;
    const res = await deliver(url, 'pull_request', pr);
    assert.is(res.status, 202, JSON.stringify(res.body));
    await gofer.runs.wait('gh-ok', res.body.runId);
    await waitFor('the check run completed', () => recorder.calls.some((c) => c.operationId === 'checks/update'));
    for (const call of recorder.calls) assert.equal(call.problems, [], `${call.method} ${call.path} matches GitHub's OpenAPI description`);
    assert.equal(
      recorder.calls.map((c) => c.operationId),
      ['pulls/list-files', 'checks/create', 'checks/update'],
    );
    const [, created, updated] = recorder.calls.map((c) => c.body as Record<string, unknown>);
    assert.equal([created!.status, created!.head_sha, created!.name], ['in_progress', pr.pull_request.head.sha, 'gofer/gh-ok']);
    assert.equal([updated!.status, updated!.conclusion], ['completed', 'success']);
    assert.match(recorder.calls[2]!.path, /\/check-runs\/4242$/);
  } finally {
    await gofer.close();
    await recorder.close();
  }
});

test.run();
