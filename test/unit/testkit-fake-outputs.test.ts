/**
 * The fake scheduler's outputs and workspaces, as the core's unit tests script them: a task's
 * `goferOutput`, else its variable `FAKE_OUTPUT`; workspace files in memory, written and printed
 * by `workspaceWrites` / `workspaceReads`, and removals recorded.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError, type StartContainerRequest } from '@gofer/core/api';
import { collect, FakeScheduler, waitForEnd } from '@gofer/testkit';

const req = (task: string, more: Partial<StartContainerRequest> = {}): StartContainerRequest => ({
  id: `p_1_${task}`,
  image: 'fake:1',
  variables: {},
  secrets: {},
  labels: { 'gofer.task': task },
  ...more,
});
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

test('readOutputs: a scripted goferOutput wins over the variable FAKE_OUTPUT; neither: undefined; bounded to maxBytes + 1', async () => {
  const fake = new FakeScheduler().script('scripted', { goferOutput: 'A=scripted\n' });
  const scripted = await fake.startContainer(req('scripted', { variables: { FAKE_OUTPUT: 'A=variable\n' } }));
  const declared = await fake.startContainer(req('declared', { variables: { FAKE_OUTPUT: 'B=1\nC=2\n' } }));
  const none = await fake.startContainer(req('none'));
  for (const { schedulerId } of [scripted, declared, none]) await waitForEnd(fake, schedulerId);
  assert.is(text(await fake.readOutputs({ ...scripted, maxBytes: 100 })), 'A=scripted\n');
  assert.is(text(await fake.readOutputs({ ...declared, maxBytes: 100 })), 'B=1\nC=2\n');
  assert.is(text(await fake.readOutputs({ ...declared, maxBytes: 2 })), 'B=1');
  assert.is(await fake.readOutputs({ ...none, maxBytes: 100 }), undefined);
  await fake.removeContainer(declared);
  const code = await fake.readOutputs({ ...declared, maxBytes: 100 }).then(
    () => 'resolved',
    (err: unknown) => (isGoferError(err) ? err.code : String(err)),
  );
  assert.is(code, 'ERR_NO_SUCH_CONTAINER');
});

test('workspaces: written and read per id, a missing file fails the task like cat, removal recorded and idempotent', async () => {
  const fake = new FakeScheduler()
    .script('write', { workspaceWrites: { 'version.txt': '1.2\n' } })
    .script('read', { workspaceReads: ['version.txt'] })
    .script('orphan', { workspaceWrites: { 'x.txt': 'x' } });
  const workspace = { id: 'p_1_abc' };
  const write = await fake.startContainer(req('write', { workspace }));
  await waitForEnd(fake, write.schedulerId);
  assert.equal([...(fake.workspaces.get('p_1_abc')?.keys() ?? [])], ['version.txt']);
  const read = await fake.startContainer(req('read', { workspace }));
  assert.is((await collect(await fake.getLogs(read))).stdout, '1.2\n');
  assert.equal(await waitForEnd(fake, read.schedulerId), { state: 'exited', exitCode: 0 });
  const elsewhere = await fake.startContainer(req('read', { id: 'p_2_read', workspace: { id: 'p_2_abc' } }));
  assert.match((await collect(await fake.getLogs(elsewhere))).stderr, /version\.txt/);
  assert.equal(await waitForEnd(fake, elsewhere.schedulerId), { state: 'exited', exitCode: 1 });
  const orphan = await fake.startContainer(req('orphan'));
  assert.equal(await waitForEnd(fake, orphan.schedulerId), { state: 'exited', exitCode: 1 }, 'no workspace to write to');
  await fake.removeWorkspace(workspace);
  await fake.removeWorkspace(workspace);
  assert.equal(fake.removedWorkspaces, ['p_1_abc', 'p_1_abc']);
  assert.not.ok(fake.workspaces.has('p_1_abc'));
});

test.run();
