/** The CLI's small parts: service address, SSE frames, argument parsers, tables and colours. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFrame, resolveBaseUrl } from '../../core/src/cli/api-client.js';
import type { TaskExecution } from '../../core/src/api/index.js';
import { taskFacts, taskRows, variableSource } from '../../core/src/cli/commands/task.js';
import { collectKeyValue, durationMs, positiveInt } from '../../core/src/cli/context.js';
import { paint, table, useColour } from '../../core/src/cli/output.js';

test('the service address comes from --host, then GOFER_HOST (+ GOFER_PORT), then the default', () => {
  assert.is(resolveBaseUrl(undefined, {}), 'http://127.0.0.1:8080');
  assert.is(resolveBaseUrl('10.0.0.1', {}), 'http://10.0.0.1:8080');
  assert.is(resolveBaseUrl(undefined, { GOFER_HOST: '127.0.0.1', GOFER_PORT: '9000' }), 'http://127.0.0.1:9000');
  assert.is(resolveBaseUrl(undefined, { GOFER_HOST: 'http://127.0.0.1:7000', GOFER_PORT: '9000' }), 'http://127.0.0.1:7000');
  assert.is(resolveBaseUrl('https://gofer.example:443', {}), 'https://gofer.example');
  assert.throws(() => resolveBaseUrl('http://[bad', {}), /not a service address/);
});

test('SSE frames: event, id, JSON data; comments skipped', () => {
  assert.equal(parseFrame('event: log\nid: 7\ndata: {"text":"hi\\n"}'), { event: 'log', id: '7', data: { text: 'hi\n' } });
  assert.equal(parseFrame('data: plain'), { event: 'message', data: 'plain' });
  assert.is(parseFrame(': keep-alive'), undefined);
});

test('argument parsers refuse what they cannot read', () => {
  assert.equal(collectKeyValue('A=1=2', { B: 'x' }), { B: 'x', A: '1=2' });
  assert.throws(() => collectKeyValue('nokey'), /KEY=VALUE/);
  assert.is(positiveInt('12'), 12);
  assert.throws(() => positiveInt('0'));
  assert.is(durationMs('90s'), 90_000);
  assert.is(durationMs('7d'), 604_800_000);
  assert.throws(() => durationMs('soon'));
});

test("task get's SOURCE column says where a hidden value came from", () => {
  assert.is(variableSource({ key: 'A', value: 'x', source: 'run_options' }), 'run_options');
  const substituted = { key: 'DSN', value: 'u:********@h/app', source: 'pipeline_config' as const };
  const from = [
    { store: 'pipeline_secret' as const, key: 'db_pass' },
    { store: 'pipeline_object' as const, key: 'db' },
  ];
  assert.is(variableSource({ ...substituted, valueFrom: from }), 'pipeline_config (pipeline_secret{{db_pass}}, pipeline_object{{db}})');
  assert.is(variableSource({ key: 'TOKEN', value: '********', source: 'scheduler_secret', location: 'registry/token' }), 'scheduler_secret (registry/token)');
});

// eslint-disable-next-line no-control-regex -- ANSI colour escapes
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

const te = (taskId: string, extra: Partial<TaskExecution> = {}): TaskExecution => ({
  pipelineId: 'p',
  runId: 1,
  taskId,
  image: 'gofer-test/busybox:latest',
  state: 'complete',
  status: 'successful',
  variables: [],
  created: 1,
  attempt: 1,
  ...extra,
});

test("task get prints a combination's matrix values, allowFailure and outputs (secret ones masked)", () => {
  const combination = te('test[NODE=18,OS=alpine]', {
    status: 'failed',
    exitCode: 1,
    schedulerId: 'sched-1',
    matrix: { taskId: 'test', values: { NODE: '18', OS: 'alpine' } },
    allowFailure: true,
    // The service masks secret values already; the CLI prints the mask even if one slipped through.
    outputs: [
      { key: 'VERSION', value: '1.4.2' },
      { key: 'TOKEN', value: 'leaked-value', secret: true },
    ],
  });
  const out = plain(taskFacts(combination));
  assert.equal(out.split('\n'), [
    'image: gofer-test/busybox:latest  scheduler id: sched-1',
    'matrix: NODE=18 OS=alpine (a combination of test)',
    'allowFailure: yes (may fail: it failed, and the run does not fail for it)',
    '',
    'OUTPUT   VALUE',
    'VERSION  1.4.2',
    'TOKEN    ******** (secret)',
  ]);
  assert.not.match(out, 'leaked-value');
  // A plain task: only its image, no empty outputs table.
  assert.is(plain(taskFacts(te('build'))), 'image: gofer-test/busybox:latest');
  assert.match(plain(taskFacts(te('lint', { allowFailure: true }))), 'allowFailure: yes (may fail without failing the run)');
});

test('task list aligns matrix ids, says a failure was allowed and reads a false condition', () => {
  const rows = plain(
    taskRows([
      te('setup'),
      te('test[NODE=18,OS=alpine]', { status: 'failed', exitCode: 1, allowFailure: true }),
      te('report', { status: 'skipped', statusReason: { reason: 'condition_false', description: 'when "false" was false' } }),
    ]),
  ).split('\n');
  const column = rows[0]!.indexOf('STATE');
  assert.is(column, 'test[NODE=18,OS=alpine]'.length + 2);
  for (const row of rows.slice(1)) assert.is(row.indexOf('complete'), column, row);
  assert.match(rows[2]!, /\(allowed to fail\)$/);
  assert.match(rows[3]!, /condition_false: when "false" was false$/);
});

test('tables align columns, ignoring colour codes; colours follow TTY and NO_COLOR', () => {
  const out = table(
    ['A', 'LONGER'],
    [
      [paint('red', 'x', true), 'y'],
      ['wide-cell', 'z'],
    ],
  );
  // eslint-disable-next-line no-control-regex -- ANSI colour escapes
  const lines = out.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  assert.equal(lines, ['A          LONGER', 'x          y', 'wide-cell  z']);
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  assert.is(useColour(tty, {}), true);
  assert.is(useColour(tty, { NO_COLOR: '1' }), false);
  assert.is(useColour(pipe, {}), false);
  assert.is(useColour(pipe, { FORCE_COLOR: '1' }), true);
  assert.is(paint('red', 'x', false), 'x');
});

test.run();
