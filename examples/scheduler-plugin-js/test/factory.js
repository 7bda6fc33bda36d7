// The factory module of the contract suite: how the suite makes a scheduler. It is imported by
// the test and, for the restart check, by a child process that starts a task and dies (so it
// must be a module of its own, named by its path).
//
// The plugin is imported by its package name: inside this package that is Node's self-reference
// (package.json's "exports"), in a project that installed the plugin it is node_modules.
import { resolvePluginSettings } from '@gofer/core/api';
import { testContext } from '@gofer/testkit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import localJs from 'gofer-scheduler-local-js';

/** A scheduler keeping its tasks under `dataDir`; a second one on the same dir is "the core restarted". */
export function createScheduler(dataDir) {
  // The settings as the core would hand them to create(): validated, defaults filled in.
  const settings = resolvePluginSettings(localJs.settingsSchema, {}, { subject: 'local-js', configKey: '/schedulers/local-js' });
  return localJs.create(testContext('local-js', dataDir), settings);
}

/** Asks the "engine" (here: the file system) whether anything of a task is left, without the scheduler. */
export async function engineHas(dataDir, schedulerId) {
  return existsSync(join(dataDir, 'tasks', schedulerId));
}
