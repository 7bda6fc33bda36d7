/**
 * The run graph's model and the task views of issue 18, without a browser: a config's `matrix`,
 * `when` and `allowFailure` read defensively; a matrix task drawn as one node per combination
 * (from the run's task executions) with edges from every parent execution and to every dependent
 * one, and as one node before any execution exists; a combination's node shows its config task
 * and its values; outputs render as a table with secret values masked and marked.
 */
import * as React from 'react';
import { createElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ReactFlowProvider } from '@xyflow/react';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matrixOf, tasksOf } from '../../ui/src/api/pipeline-config.js';
import type { TaskExecution } from '../../ui/src/api/types.js';
import { graphTasks, valuesLabel } from '../../ui/src/components/run-graph/graph-model.js';
import { layoutTasks, NODE_HEIGHT, TALL_NODE_HEIGHT } from '../../ui/src/components/run-graph/layout.js';
import { TaskNodeComponent } from '../../ui/src/components/run-graph/task-node.js';
import { OutputsTable } from '../../ui/src/components/outputs-table.js';
import { reasonLabel } from '../../ui/src/components/status.js';
import { GoferContext, type GoferContextValue } from '../../ui/src/provider/gofer-context.js';

// tsx compiles the UI's .tsx files outside its tsconfig's files with the classic JSX transform
// (React.createElement calls on a global React), not the UI's automatic one: give them React.
(globalThis as { React?: unknown }).React = React;

const CONFIG = {
  id: 'matrix-ui',
  tasks: [
    { id: 'setup', image: 'none' },
    { id: 'test', image: 'none', dependsOn: { setup: 'success' }, matrix: { NODE: ['18', '20'], OS: ['alpine'], failFast: false }, allowFailure: true },
    { id: 'report', image: 'none', dependsOn: { test: 'any' }, when: 'tasks.test.status == "successful"' },
  ],
};

const execution = (taskId: string, extra: Partial<TaskExecution> = {}): TaskExecution => ({
  pipelineId: 'matrix-ui',
  runId: 1,
  taskId,
  image: 'none',
  state: 'complete',
  status: 'successful',
  variables: [],
  created: 1,
  attempt: 1,
  ...extra,
});

const EXECUTIONS = [
  execution('setup'),
  execution('test[NODE=18,OS=alpine]', { matrix: { taskId: 'test', values: { NODE: '18', OS: 'alpine' } }, allowFailure: true }),
  execution('test[NODE=20,OS=alpine]', { matrix: { taskId: 'test', values: { NODE: '20', OS: 'alpine' } }, allowFailure: true }),
  execution('report'),
];

const edgesOf = (nodes: ReturnType<typeof graphTasks>) => nodes.flatMap((n) => Object.keys(n.dependsOn).map((p) => `${p}->${n.id}`));

test('tasksOf reads matrix, when and allowFailure, and leaves out what is malformed', () => {
  const [setup, t, report] = tasksOf(CONFIG);
  assert.equal(setup, { id: 'setup', image: 'none', dependsOn: {} });
  assert.equal(t?.matrix, {
    axes: [
      ['NODE', ['18', '20']],
      ['OS', ['alpine']],
    ],
    include: [],
    exclude: [],
    failFast: false,
  });
  assert.is(t?.allowFailure, true);
  assert.is(report?.when, 'tasks.test.status == "successful"');
  // Defensive: nothing that is not a matrix becomes one; values that are not strings are dropped.
  assert.is(matrixOf('NODE=18'), undefined);
  assert.is(matrixOf(['18']), undefined);
  assert.is(matrixOf({ maxParallel: 2 }), undefined);
  assert.equal(matrixOf({ NODE: ['18', 20, null], include: [{ NODE: '22' }, { NODE: 22 }, 'x'], maxParallel: '2' }), {
    axes: [['NODE', ['18']]],
    include: [{ NODE: '22' }],
    exclude: [],
  });
  const [odd] = tasksOf({ tasks: [{ id: 'odd', image: 'none', matrix: 5, when: 7, allowFailure: 'yes' }] });
  assert.equal(odd, { id: 'odd', image: 'none', dependsOn: {} });
  // An approval gate has no matrix.
  assert.is(tasksOf({ tasks: [{ id: 'gate', kind: 'approval', matrix: { A: ['1'] } }] })[0]?.matrix, undefined);
});

test('a matrix task is one node per combination, with edges from its parents and to its dependents', () => {
  const nodes = graphTasks(tasksOf(CONFIG), EXECUTIONS);
  assert.equal(
    nodes.map((n) => [n.id, n.configId, n.values && valuesLabel(n.values)]),
    [
      ['setup', 'setup', undefined],
      ['test[NODE=18,OS=alpine]', 'test', 'NODE=18 · OS=alpine'],
      ['test[NODE=20,OS=alpine]', 'test', 'NODE=20 · OS=alpine'],
      ['report', 'report', undefined],
    ],
  );
  assert.equal(edgesOf(nodes), [
    'setup->test[NODE=18,OS=alpine]',
    'setup->test[NODE=20,OS=alpine]',
    'test[NODE=18,OS=alpine]->report',
    'test[NODE=20,OS=alpine]->report',
  ]);
  assert.is(nodes[3]?.dependsOn['test[NODE=20,OS=alpine]'], 'any');
  // Laid out with the combinations taller (a line for their values), in one column between their parent and dependent.
  const positions = layoutTasks(
    nodes.map((n) => ({ id: n.id, dependsOn: n.dependsOn, tall: n.values !== undefined })),
    'LR',
  );
  const x = (id: string) => positions.get(id)!.x;
  assert.is(x('test[NODE=18,OS=alpine]'), x('test[NODE=20,OS=alpine]'));
  assert.ok(x('setup') < x('test[NODE=18,OS=alpine]') && x('test[NODE=18,OS=alpine]') < x('report'));
  assert.ok(Math.abs(positions.get('test[NODE=18,OS=alpine]')!.y - positions.get('test[NODE=20,OS=alpine]')!.y) >= TALL_NODE_HEIGHT);
  assert.ok(TALL_NODE_HEIGHT > NODE_HEIGHT);
});

test('before any execution exists a matrix task is one node, marked with its axes', () => {
  const nodes = graphTasks(tasksOf(CONFIG), []);
  assert.equal(
    nodes.map((n) => n.id),
    ['setup', 'test', 'report'],
  );
  assert.equal(
    nodes[1]?.matrix?.axes.map(([a]) => a),
    ['NODE', 'OS'],
  );
  assert.equal(edgesOf(nodes), ['setup->test', 'test->report']);
  // Only some combinations created so far: those are drawn, and edges follow them.
  const some = graphTasks(tasksOf(CONFIG), EXECUTIONS.slice(0, 2));
  assert.equal(edgesOf(some), ['setup->test[NODE=18,OS=alpine]', 'test[NODE=18,OS=alpine]->report']);
});

const context = {
  paths: { task: (_p: string, _r: number, t: string) => `/tasks/${encodeURIComponent(t)}` },
  Link: ({ href, children, title }: { href: string; children?: ReactNode; title?: string }) => createElement('a', { href, title }, children),
} as unknown as GoferContextValue;

const render = (node: ReactNode) =>
  renderToStaticMarkup(createElement(GoferContext.Provider, { value: context }, createElement(ReactFlowProvider, null, node)));

test("a combination's node shows its config task and its values, and links to its URL-encoded id", () => {
  const id = 'test[NODE=18,OS=alpine]';
  const props = {
    id,
    data: {
      taskId: id,
      label: 'test',
      subtitle: 'NODE=18 · OS=alpine',
      kind: 'failed',
      detail: 'exit 1, allowed',
      horizontal: true,
      href: context.paths.task('p', 1, id),
    },
  } as unknown as Parameters<typeof TaskNodeComponent>[0];
  const html = render(createElement(TaskNodeComponent, props));
  assert.match(html, 'data-task-id="test[NODE=18,OS=alpine]"');
  assert.match(html, 'data-config-task-id="test"');
  assert.match(html, 'gofer-node--tall');
  assert.match(html, 'href="/tasks/test%5BNODE%3D18%2COS%3Dalpine%5D"');
  assert.match(html, '<div class="gofer-node__values" aria-hidden="true">NODE=18 · OS=alpine</div>');
  // The link's accessible name carries the values, so two combinations' links differ.
  assert.match(html, />test<span class="gofer-visually-hidden"> \(NODE=18 · OS=alpine\)<\/span><\/a>/);
  assert.match(html, 'Failed · exit 1, allowed');
});

test('outputs render as a table; a secret value is masked and marked with a lock and the word', () => {
  const html = render(
    createElement(OutputsTable, {
      outputs: [
        { key: 'VERSION', value: '1.4.2' },
        // The service masks secrets already; the view shows the mask even if a value slipped through.
        { key: 'TOKEN', value: 'leaked-value', secret: true },
      ],
    }),
  );
  assert.match(html, /<tr data-output-key="VERSION"><th scope="row"><code>VERSION<\/code><\/th><td><code class="gofer-value">1.4.2<\/code><\/td><\/tr>/);
  assert.match(html, /<tr data-output-key="TOKEN" data-secret="true">.*gofer-lock-icon.*\*{8}<\/code> <span class="gofer-secret__label">secret<\/span>/);
  assert.not.match(html, 'leaked-value');
  assert.match(render(createElement(OutputsTable, { outputs: [] })), 'Outputs of this task: none.');
});

test('status reasons read as words', () => {
  assert.is(reasonLabel('condition_false'), 'its when condition was false');
  assert.is(reasonLabel('allowed_failure'), 'with allowed failures');
  assert.is(reasonLabel('abnormal_exit'), 'abnormal exit');
});

test.run();
