/**
 * The fake scheduler ({@link FakeScheduler}) as a contract-suite factory. The fake runs no
 * commands, so each task is scripted from the suite's description. Its "engine" is one
 * FakeScheduler per data directory; every createScheduler call returns a new facade over it,
 * which is what a restarted core sees: a new scheduler instance, the same containers.
 */
import type { Scheduler } from '@gofer/core/api';
import type { SchedulerFactoryModule } from './contract.js';
import { FakeScheduler } from './fake-scheduler.js';

/**
 * A factory of fake schedulers for {@link runSchedulerContract} (with `restart: 'same-process'`
 * and `signals: false`): the suite run against it checks the suite itself, and shows what a
 * scheduler that passes looks like.
 */
export function fakeSchedulerFactory(): Required<SchedulerFactoryModule> {
  const engines = new Map<string, FakeScheduler>();
  const engineOf = new WeakMap<Scheduler, FakeScheduler>();
  return {
    createScheduler(dataDir) {
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
        readOutputs: (req) => shared.readOutputs(req),
        removeWorkspace: (req) => shared.removeWorkspace(req),
        close: async () => {},
      };
      engineOf.set(facade, shared);
      return facade;
    },
    scriptTask(scheduler, request, task) {
      const engine = engineOf.get(scheduler);
      if (!engine) throw new Error('scriptTask: not a scheduler made by this factory');
      engine.script(request.id, {
        output: task.output.map(({ stream, text }) => ({ stream, data: text })),
        ...(task.exitCode === undefined ? {} : { exitCode: task.exitCode }),
        ...(task.hang ? { hang: true } : {}),
        ...(task.ignoreTerm ? { ignoreGracefulStop: true } : {}),
        ...(task.goferOutput === undefined ? {} : { goferOutput: task.goferOutput }),
        ...(task.workspaceWrites ? { workspaceWrites: task.workspaceWrites } : {}),
        ...(task.workspaceReads ? { workspaceReads: task.workspaceReads } : {}),
      });
    },
    async engineHas(dataDir, schedulerId) {
      return engines.get(dataDir)?.containers.has(schedulerId) ?? false;
    },
  };
}
