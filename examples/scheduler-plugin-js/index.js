// A scheduler plugin in plain JavaScript (ES modules, no build step): `local-js` runs each task's
// command as a process on this machine. It is the shape of every scheduler, small enough to
// read in one sitting; @gofer/scheduler-process is the production version of the same idea.
//
// The one idea to take away: the scheduler keeps nothing that matters in memory. Each task gets
// a folder under the plugin's data directory, and a tiny wrapper (run-task.js), started
// detached, runs the task with its output going to files and writes its exit code when it
// ends. Any scheduler instance, in this process or in a core restarted after a crash, answers
// every question (state, logs, stop) from that folder alone.
//
//   <dataDir>/tasks/<schedulerId>/
//     meta.json   what was asked (id, image, labels) and the wrapper's pid; "exists" means "known"
//     pid         the task's process group (written by the wrapper once the task runs)
//     stdout      the task's output, as written; stderr likewise
//     exit        its exit code, written by the wrapper when it ended
//     cancelled   written by stopContainer before it signals: the end was asked for through Gofer
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoferError, defineScheduler } from '@gofer/core/api';

/** @typedef {import('@gofer/core/api').Scheduler} Scheduler */
/** @typedef {import('@gofer/core/api').ContainerStatus} ContainerStatus */
/** @typedef {import('@gofer/core/api').LogChunk} LogChunk */
/** @typedef {{ cwd?: string, stopTimeoutMs?: number }} LocalSettings */

const RUN_TASK = fileURLToPath(new URL('./run-task.js', import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The settings (`schedulers["local-js"]` in gofer.config.json), as plain JSON Schema: no TypeBox needed. */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cwd: { type: 'string', minLength: 1, description: "The tasks' working directory (default: the core's)." },
    stopTimeoutMs: { type: 'integer', minimum: 0, default: 10_000, description: 'Grace period of a stop that names none.' },
  },
};

/** @implements {Scheduler} */
export class LocalScheduler {
  /**
   * @param {{ dataDir: string, logger: import('@gofer/core/api').Logger }} ctx the plugin context (only these two are used)
   * @param {LocalSettings} settings already validated against {@link settingsSchema}
   */
  constructor(ctx, settings = {}) {
    this.root = join(ctx.dataDir, 'tasks');
    this.logger = ctx.logger;
    this.cwd = settings.cwd ?? process.cwd();
    this.stopTimeoutMs = settings.stopTimeoutMs ?? 10_000;
    /** The wrappers this instance started. Their handles stay referenced: they keep Node alive while a task runs. */
    this.wrappers = new Set();
    /** Aborted by close(): live log readers stop polling. */
    this.closing = new AbortController();
    this.toldAboutImages = false;
  }

  /** Starts the wrapper and resolves once the task runs (its pid is recorded) or has already ended. */
  async startContainer(req) {
    const argv = [...(req.entrypoint ?? []), ...(req.command ?? [])];
    if (argv.length === 0) throw new GoferError('ERR_INVALID_ARGUMENT', `Task ${req.id} has no command: local-js has no image to take one from.`);
    if (Object.keys(req.secrets).length > 0)
      throw new GoferError('ERR_INVALID_ARGUMENT', `Task ${req.id} asks for scheduler secrets; local-js has no secret store. Use Gofer's secrets instead.`);
    if (!this.toldAboutImages) {
      this.toldAboutImages = true;
      this.logger.info('local-js runs task commands on this machine; images are ignored', { image: req.image });
    }
    const schedulerId = schedulerIdFor(req.id);
    await this.removeContainer({ schedulerId }); // a leftover of an earlier attempt is replaced
    const dir = join(this.root, schedulerId);
    await mkdir(dir, { recursive: true });

    const wrapper = spawn(process.execPath, [RUN_TASK, dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    let failure;
    wrapper.once('error', (err) => (failure = err));
    wrapper.stdin.on('error', () => {}); // a wrapper that died at once is reported below
    wrapper.stdin.end(JSON.stringify({ argv, env: req.variables, cwd: this.cwd }));
    this.wrappers.add(wrapper);
    wrapper.once('exit', () => this.wrappers.delete(wrapper));
    if (wrapper.pid === undefined) {
      await new Promise((resolve) => wrapper.once('error', resolve));
      throw new GoferError('ERR_SCHEDULER_UNAVAILABLE', `local-js could not start ${process.execPath}: ${failure?.message}`, { cause: failure });
    }
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ id: req.id, image: req.image, labels: req.labels, wrapperPid: wrapper.pid }));

    const deadline = Date.now() + 10_000;
    for (;;) {
      const wrapperEnded = wrapper.exitCode !== null || wrapper.signalCode !== null; // first: what it wrote before it ended is seen next
      if (existsSync(join(dir, 'pid')) || existsSync(join(dir, 'exit'))) break;
      if (wrapperEnded || Date.now() > deadline) throw new GoferError('ERR_INTERNAL', `The task process of ${req.id} did not start.`);
      await sleep(2);
    }
    return { schedulerId };
  }

  /** SIGTERM to the task's process group, SIGKILL once `timeoutMs` passed; resolves when it has ended. */
  async stopContainer(req) {
    const dir = await this.folderOf(req.schedulerId);
    if ((await this.stateOf(dir)).state !== 'running') return; // stopping a finished task changes nothing
    const timeoutMs = Number.isFinite(req.timeoutMs) && req.timeoutMs >= 0 ? req.timeoutMs : this.stopTimeoutMs;
    await writeFile(join(dir, 'cancelled'), ''); // first: whichever instance looks next reports "cancelled"
    await signalTask(dir, 'SIGTERM');
    if (await this.waitForEnd(dir, timeoutMs)) return;
    await signalTask(dir, 'SIGKILL');
    await this.waitForEnd(dir, Infinity);
  }

  /** @returns {Promise<ContainerStatus>} */
  async getState(req) {
    return this.stateOf(await this.folderOf(req.schedulerId));
  }

  /** The whole output from its first byte; follows a running task until it ended and both files are read. */
  async getLogs(req) {
    const dir = await this.folderOf(req.schedulerId); // unknown ids fail here, not on the first read
    return this.tail(dir);
  }

  /** @returns {AsyncGenerator<LogChunk>} */
  async *tail(dir) {
    const positions = { stdout: 0, stderr: 0 };
    const buffer = Buffer.alloc(256 * 1024);
    for (;;) {
      // Asked before reading: once the task had ended, this read is the last one and gets everything.
      const ended = (await this.stateOf(dir)).state !== 'running';
      let progressed = false;
      for (const stream of ['stdout', 'stderr']) {
        const file = await open(join(dir, stream), 'r').catch(() => undefined); // not there yet: nothing to read
        if (!file) continue;
        try {
          for (;;) {
            const { bytesRead } = await file.read(buffer, 0, buffer.length, positions[stream]);
            if (bytesRead === 0) break;
            positions[stream] += bytesRead;
            progressed = true;
            yield { stream, data: Buffer.from(buffer.subarray(0, bytesRead)) }; // a copy: the buffer is reused
          }
        } finally {
          await file.close(); // also when the reader stops early (break, return)
        }
      }
      if (ended || this.closing.signal.aborted) return;
      if (!progressed) await sleep(20); // a referenced timer: a reader waiting on a running task keeps Node alive
    }
  }

  /** The tasks carrying every one of the labels (the core's orphan reaper asks). */
  async listContainers(req) {
    const found = [];
    for (const schedulerId of await readdir(this.root).catch(() => [])) {
      const meta = await readMeta(join(this.root, schedulerId));
      if (meta && Object.entries(req.labels).every(([k, v]) => meta.labels[k] === v)) found.push({ schedulerId, labels: meta.labels });
    }
    return found;
  }

  /** Kills the task if it still runs and deletes its folder. Removing what is gone is fine. */
  async removeContainer(req) {
    if (!SAFE_ID.test(req.schedulerId)) return;
    const dir = join(this.root, req.schedulerId);
    if (!existsSync(dir)) return;
    if ((await readMeta(dir)) && (await this.stateOf(dir)).state === 'running') {
      await signalTask(dir, 'SIGKILL');
      await this.waitForEnd(dir, 5_000);
    }
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Ends live log readers. Running tasks keep running (a new instance re-attaches to them), so
   * their wrappers no longer need to hold this process open.
   */
  async close() {
    this.closing.abort();
    for (const wrapper of this.wrappers) wrapper.unref();
  }

  /** The folder of a task this scheduler knows, or ERR_NO_SUCH_CONTAINER. */
  async folderOf(schedulerId) {
    const dir = join(this.root, schedulerId);
    if (!SAFE_ID.test(schedulerId) || !(await readMeta(dir)))
      throw new GoferError('ERR_NO_SUCH_CONTAINER', `local-js has no task ${schedulerId}.`, { details: { schedulerId } });
    return dir;
  }

  /** @returns {Promise<ContainerStatus>} */
  async stateOf(dir) {
    // `cancelled` is looked at after `exit`: stopContainer writes it before it signals, so an
    // end caused by a stop is never taken for one of the task's own.
    const cancelled = () => existsSync(join(dir, 'cancelled'));
    const ended = async () => {
      const exit = await readFile(join(dir, 'exit'), 'utf8').catch(() => undefined);
      return exit === undefined ? undefined : { state: cancelled() ? 'cancelled' : 'exited', exitCode: Number(exit) };
    };
    const first = await ended();
    if (first) return first;
    const meta = await readMeta(dir);
    if (meta && wrapperAlive(meta.wrapperPid, dir)) return { state: 'running' };
    // The wrapper writes `exit` before it exits: if it ended since the first look, the file is
    // there now. A wrapper gone without it (killed from outside, a reboot) leaves "unknown".
    return (await ended()) ?? { state: cancelled() ? 'cancelled' : 'unknown' };
  }

  /** Polls until the task no longer runs; false when `timeoutMs` passed first. */
  async waitForEnd(dir, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while ((await this.stateOf(dir)).state === 'running') {
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    }
    return true;
  }
}

/** A scheduler id is a folder name: letters, digits, `_.-`. Nothing else is ever looked up. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}$/;

/** The same id for the same task execution (so a retry finds the leftover), safe as a folder name. */
function schedulerIdFor(id) {
  if (SAFE_ID.test(id)) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
  return `${id
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]/, 'x')
    .slice(0, 130)}-${hash}`;
}

async function readMeta(dir) {
  const text = await readFile(join(dir, 'meta.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * True while the wrapper runs. Its command line must name the task folder: a pid the system
 * gave to another process since, or a wrapper that ended but was not reaped yet (a zombie has
 * an empty command line), is not taken for it.
 */
function wrapperAlive(pid, dir) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return true; // no /proc (macOS): trust the signal probe
  }
}

/** Signals the task's whole process group: the task and everything it started. */
async function signalTask(dir, signal) {
  const pid = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err; // ESRCH: it ended meanwhile
  }
}

/** The plugin: the default export of the entry named in package.json's `gofer` block. */
export default defineScheduler({
  name: 'local-js',
  apiVersion: 1,
  settingsSchema,
  create: (ctx, settings) => new LocalScheduler(ctx, settings),
});
