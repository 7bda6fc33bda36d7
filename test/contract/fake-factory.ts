/**
 * The fake scheduler (test/helpers/fake-scheduler.ts) for the contract suite. The fake runs no
 * commands, so each task is scripted from the suite's description. Its "engine" is one
 * FakeScheduler per data directory; every createScheduler call returns a new facade over it,
 * which is what a restarted core sees: a new scheduler instance, the same containers.
 */
import type { Scheduler, StartContainerRequest } from '@gofer/core/api';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import type { ScriptedTask } from './scheduler-contract.js';

const engines = new Map<string, FakeScheduler>();
const engineOf = new WeakMap<Scheduler, FakeScheduler>();

/** A new scheduler instance over the fake engine of `dataDir`. */
export function createScheduler(dataDir: string): Scheduler {
  let engine = engines.get(dataDir);
  if (!engine) engines.set(dataDir, (engine = new FakeScheduler()));
  const shared = engine;
  const facade: Scheduler = {
    startContainer: (req) => shared.startContainer(req),
    stopContainer: (req) => shared.stopContainer(req),
    getState: (req) => shared.getState(req),
    getLogs: (req) => shared.getLogs(req),
    listContainers: (req) => shared.listContainers(req),
    removeContainer: (req) => shared.removeContainer(req),
    close: async () => {},
  };
  engineOf.set(facade, shared);
  return facade;
}

/** Scripts the fake to behave like `task` for this request id. */
export function scriptTask(scheduler: Scheduler, request: StartContainerRequest, task: ScriptedTask): void {
  const engine = engineOf.get(scheduler);
  if (!engine) throw new Error('scriptTask: not a scheduler made by this factory');
  engine.script(request.id, {
    output: task.output.map(({ stream, text }) => ({ stream, data: text })),
    ...(task.exitCode === undefined ? {} : { exitCode: task.exitCode }),
    ...(task.hang ? { hang: true } : {}),
    ...(task.ignoreTerm ? { ignoreGracefulStop: true } : {}),
  });
}
