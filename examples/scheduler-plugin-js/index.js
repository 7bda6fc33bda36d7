// A scheduler plugin in plain JavaScript: no build step, no container engine. Every task
// "runs" at once and prints one line, `<prefix> <its command>`, then exits with the code its
// `EXIT_CODE` variable names (0 when unset). Enough to see how a scheduler is made; a real one
// starts something (a process, a container, a VM) and follows it.
import { GoferError, defineScheduler } from '@gofer/core/api';

export default defineScheduler({
  name: 'echo',
  apiVersion: 1,
  settingsSchema: {
    type: 'object',
    properties: {
      prefix: { type: 'string', minLength: 1, default: 'echo:' },
    },
    additionalProperties: false,
  },
  create(_context, settings) {
    /** schedulerId -> what the task printed and how it ended */
    const tasks = new Map();
    const find = (schedulerId) => {
      const task = tasks.get(schedulerId);
      if (!task) throw new GoferError('ERR_NO_SUCH_CONTAINER', `No echo task "${schedulerId}".`);
      return task;
    };
    return {
      async startContainer(req) {
        const line = `${settings.prefix} ${(req.command ?? []).join(' ')}\n`;
        tasks.set(req.id, { line, exitCode: Number(req.variables.EXIT_CODE ?? 0), labels: req.labels });
        return { schedulerId: req.id };
      },
      async stopContainer(req) {
        find(req.schedulerId).cancelled = true;
      },
      async getState(req) {
        const task = find(req.schedulerId);
        return task.cancelled ? { state: 'cancelled' } : { state: 'exited', exitCode: task.exitCode };
      },
      async getLogs(req) {
        const { line } = find(req.schedulerId);
        return (async function* () {
          yield { stream: 'stdout', data: new TextEncoder().encode(line) };
        })();
      },
      async listContainers(req) {
        const wanted = Object.entries(req.labels);
        return [...tasks].filter(([, t]) => wanted.every(([k, v]) => t.labels[k] === v)).map(([schedulerId, t]) => ({ schedulerId, labels: t.labels }));
      },
      async removeContainer(req) {
        tasks.delete(req.schedulerId);
      },
    };
  },
});
