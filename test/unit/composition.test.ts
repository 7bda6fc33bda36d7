/**
 * The composition root and the DI helper: one instance per token (the service verifies run tokens
 * with the runs module's own RunTokens), singletons shared with child containers, transients
 * built from the resolving container, explicit late binding, and a sealed `createGofer()`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, memoryLogger } from '@gofer/core';
import { startGofer } from '../../core/src/composition/start-gofer.js';
import { Container, injectable, LateBinding, token } from '../../core/src/kernel/di.js';
import { RUN_TOKENS } from '../../core/src/runs/run-tokens.js';
import { attachApiServer } from '../../core/src/server/start-service.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';

const options = () => ({
  useEnv: false,
  logger: memoryLogger('warn'),
  plugins: [new FakeScheduler().definition()],
  config: { dataDir: ':memory:', scheduler: 'fake', discover: false, logLevel: 'silent' as const },
});

test('the HTTP service verifies run tokens with the runs module’s RunTokens, not a second instance', async () => {
  const core = await startGofer(options());
  try {
    const runTokens = core.container.resolve(RUN_TOKENS);
    const seen: string[] = [];
    const verify = runTokens.verify.bind(runTokens);
    runTokens.verify = (secret) => {
      seen.push(secret);
      return verify(secret);
    };
    const { server } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
    const res = await fetch(`${server.address.url}/api/pipelines`, { headers: { authorization: 'Bearer gofer_run_not-issued' } });
    assert.is(res.status, 401);
    assert.equal(seen, ['gofer_run_not-issued'], 'the service asked the one RunTokens instance');
  } finally {
    await core.gofer.close();
  }
});

test('createGofer() returns the Gofer handle only: no container, no internals', async () => {
  const gofer = await createGofer(options());
  try {
    assert.not.ok('container' in gofer, 'no container on the handle');
    assert.ok(typeof gofer.pipelines.register === 'function');
  } finally {
    await gofer.close();
  }
});

const NAME = token<string>('test.name');
const COUNT = token<number>('test.count');

@injectable(NAME, COUNT)
class Greeter {
  constructor(
    readonly name: string,
    readonly count: number,
  ) {}
}
const GREETER = token<Greeter>('test.greeter');

test('singletons are shared with child containers; transients are built from the resolving container', () => {
  const root = Container.root().value(NAME, 'root').value(COUNT, 1).singleton(GREETER, Greeter);
  const child = root.child().value(NAME, 'child');
  assert.is(child.resolve(GREETER), root.resolve(GREETER), 'one singleton');
  assert.is(root.resolve(GREETER).name, 'root');

  const PER_RUN = token<Greeter>('test.per-run');
  root.transient(PER_RUN, Greeter);
  assert.is(child.resolve(PER_RUN).name, 'child', 'dependencies come from the resolving container');
  assert.is.not(child.resolve(PER_RUN), child.resolve(PER_RUN), 'a new one per resolve');
});

test('registering a class that does not declare its tokens is refused', () => {
  class Undeclared {
    constructor(readonly name: string) {}
  }
  assert.throws(() => Container.root().singleton(token<Undeclared>('test.undeclared'), Undeclared), /does not declare its dependencies/);
});

test('a late binding says what is missing until it is bound, and binds once', () => {
  const binding = new LateBinding<() => string>('the greeting', () => new Error('nothing greets yet'));
  assert.not.ok(binding.isBound);
  assert.throws(() => binding.get(), /nothing greets yet/);
  binding.bind(() => 'hello');
  assert.is(binding.get()(), 'hello');
  assert.throws(() => binding.bind(() => 'again'), /already bound/);
});

test.run();
