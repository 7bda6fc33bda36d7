/**
 * Approval gates over the REAL service on a real socket: a client token whose namespace the gate
 * allows approves (through the real `gofer run approve` CLI, with a comment); one whose namespace
 * it does not allow is refused (403 ERR_FORBIDDEN) and changes nothing; a rejection through HTTP
 * fails the gate; the decisions are in the task, the event log and the run view.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, gofer, startServiceProcess, type RunningService } from './service-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let svc: RunningService;

test.before(async () => {
  svc = await startServiceProcess();
});

test.after(async () => {
  await svc?.stop();
});

const GATED = {
  id: 'svc-gated',
  name: 'Gated over HTTP',
  tasks: [
    { id: 'gate', kind: 'approval', message: 'Release to production?', approvers: { namespaces: ['release'] } },
    { id: 'after', image: 'gofer-test/busybox:latest', command: ['echo', 'released'], dependsOn: { gate: 'success' } },
  ],
};

async function waitingGate(url: string, token: string, runId: number) {
  return waitFor(
    `run ${runId}: the gate to wait`,
    async () => {
      const r = await api(url, token)('GET', `/api/pipelines/svc-gated/runs/${runId}/tasks/gate`);
      return r.json?.state === 'waiting_approval' ? r.json : undefined;
    },
    { timeoutMs: 20_000 },
  );
}

test('an allowed namespace approves (CLI, with a comment); another namespace is refused with ERR_FORBIDDEN; reject over HTTP fails the gate', async () => {
  const m = api(svc.url, svc.token);
  for (const ns of ['deploys', 'release']) assert.is((await m('POST', '/api/namespaces', { namespaceId: ns })).status, 201);
  const reg = await m('POST', '/api/pipelines', { config: GATED, namespace: 'deploys' });
  assert.is(reg.status, 201, reg.text);
  const newToken = async (namespaces: string[]) => {
    const res = (await m('POST', '/api/tokens', { kind: 'client', namespaces })).json as { secret: string; token: { tokenId: string } };
    return { secret: res.secret, tokenId: res.token.tokenId };
  };
  const releaser = await newToken(['deploys', 'release']);
  const developer = await newToken(['deploys']);

  // Run 1: refused for the developer, approved by the releaser through the CLI.
  const run = (await api(svc.url, developer.secret)('POST', '/api/pipelines/svc-gated/runs')).json as { runId: number };
  const waiting = await waitingGate(svc.url, developer.secret, run.runId);
  assert.is(waiting.kind, 'approval');
  assert.is(waiting.approval.message, 'Release to production?');

  const view = await gofer(['task', 'list', 'svc-gated', String(run.runId)], { GOFER_HOST: svc.url, GOFER_TOKEN: developer.secret });
  assert.is(view.code, 0, view.stderr);
  assert.match(view.stdout, /waiting_approval/);

  const refused = await api(svc.url, developer.secret)('POST', `/api/pipelines/svc-gated/runs/${run.runId}/tasks/gate/approve`, { comment: 'me!' });
  assert.is(refused.status, 403, refused.text);
  assert.is(refused.json.error.code, 'ERR_FORBIDDEN');
  assert.match(refused.json.error.message, /namespace "release"/);
  const cliRefused = await gofer(['run', 'approve', 'svc-gated', String(run.runId), 'gate'], { GOFER_HOST: svc.url, GOFER_TOKEN: developer.secret });
  assert.is.not(cliRefused.code, 0);
  assert.match(cliRefused.stderr, /ERR_FORBIDDEN|may not decide/);
  assert.is((await m('GET', `/api/pipelines/svc-gated/runs/${run.runId}/tasks/gate`)).json.state, 'waiting_approval', 'a refused decision changes nothing');

  const approved = await gofer(['run', 'approve', 'svc-gated', String(run.runId), 'gate', '-m', 'checked the changelog'], {
    GOFER_HOST: svc.url,
    GOFER_TOKEN: releaser.secret,
  });
  assert.is(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, new RegExp(`Approved gate of run #${run.runId} of svc-gated as token ${releaser.tokenId}`));
  const done = await waitFor(
    'run 1 to complete',
    async () => {
      const r = await m('GET', `/api/pipelines/svc-gated/runs/${run.runId}`);
      return r.json?.state === 'complete' ? r.json : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.is(done.status, 'successful', JSON.stringify(done.statusReason));
  const gate = (await m('GET', `/api/pipelines/svc-gated/runs/${run.runId}/tasks/gate`)).json;
  assert.equal(gate.approval.decision.by, { kind: 'client', name: `token ${releaser.tokenId}`, tokenId: releaser.tokenId, namespaces: ['deploys', 'release'] });
  assert.is(gate.approval.decision.comment, 'checked the changelog');
  assert.is((await m('GET', `/api/pipelines/svc-gated/runs/${run.runId}/tasks/after/logs`)).text, 'released\n');

  // Deciding again: 409 ERR_CONFLICT.
  const again = await api(svc.url, releaser.secret)('POST', `/api/pipelines/svc-gated/runs/${run.runId}/tasks/gate/reject`, {});
  assert.is(again.status, 409, again.text);
  assert.is(again.json.error.code, 'ERR_CONFLICT');
  // A container task is not an approval task: 400.
  const notGate = await api(svc.url, releaser.secret)('POST', `/api/pipelines/svc-gated/runs/${run.runId}/tasks/after/approve`, {});
  assert.is(notGate.status, 400, notGate.text);
  assert.is(notGate.json.error.code, 'ERR_INVALID_ARGUMENT');

  // Run 2: rejected over HTTP; the dependent is skipped.
  const run2 = (await m('POST', '/api/pipelines/svc-gated/runs')).json as { runId: number };
  await waitingGate(svc.url, svc.token, run2.runId);
  const rejected = await api(svc.url, releaser.secret)('POST', `/api/pipelines/svc-gated/runs/${run2.runId}/tasks/gate/reject`, { comment: 'not today' });
  assert.is(rejected.status, 200, rejected.text);
  assert.is(rejected.json.status, 'failed');
  assert.is(rejected.json.statusReason.reason, 'approval_rejected');
  const watched = await gofer(['run', 'watch', 'svc-gated', String(run2.runId)], { GOFER_HOST: svc.url, GOFER_TOKEN: svc.token });
  assert.is(watched.code, 1, watched.stderr);
  assert.match(watched.stdout, new RegExp(`failed \\(rejected by token ${releaser.tokenId}: not today\\)`));
  assert.is((await m('GET', `/api/pipelines/svc-gated/runs/${run2.runId}/tasks/after`)).json.status, 'skipped');

  // The event log holds both requests and both decisions, with who decided.
  const events = (await m('GET', '/api/events?types=task.approval_requested,task.approval_decided')).json.items as Array<{
    type: string;
    payload: { runId: number; decision?: string; by?: { tokenId?: string }; comment?: string };
  }>;
  assert.equal(
    events.map((e) => `${e.type}:${e.payload.runId}:${e.payload.decision ?? ''}:${e.payload.by?.tokenId ?? ''}:${e.payload.comment ?? ''}`),
    [
      `task.approval_requested:${run.runId}:::`,
      `task.approval_decided:${run.runId}:approved:${releaser.tokenId}:checked the changelog`,
      `task.approval_requested:${run2.runId}:::`,
      `task.approval_decided:${run2.runId}:rejected:${releaser.tokenId}:not today`,
    ],
  );
});

test.run();
