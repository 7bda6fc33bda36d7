/**
 * A run's workspace on a swarm: a local Docker volume, `gofer-workspace-<id>`, mounted at
 * `/workspace` in every task of the run. A local volume lives on one node, so the run's tasks
 * follow its first task's node (a `node.id==` constraint); {@link WorkspacePins} remembers that
 * node (in memory, in the plugin's state store, and readable again from the services' tasks).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { GoferError, type Logger, type PluginStateStore, type WorkspaceRef } from '@gofer/core/api';
import { engineFailure, engineMessage, isNotFound } from '@gofer/docker-common';
import { OUTPUT_DIR } from './output-trailer.js';
import { currentTask, type SwarmTask } from './task-state.js';

/** Where the workspace appears in the container (`GOFER_WORKSPACE`). */
export const WORKSPACE_TARGET = '/workspace';
/** On the services (and the volume) of a workspace: its id. */
export const WORKSPACE_LABEL = 'gofer.workspace';
const STORE_KEY = 'workspace/';
const WORKSPACE_ID = /^[a-zA-Z0-9_-]{1,200}$/;
/** How long a volume in use, with no service of the workspace left, is tried again (swarm removes a removed service's containers a moment later). */
const VOLUME_IN_USE_MS = 15_000;

export function workspaceVolumeName(id: string): string {
  return `gofer-workspace-${id}`;
}

/** Checks a workspace id (it goes into a volume name and a label); names the fix. */
export function validateWorkspace(ref: WorkspaceRef): void {
  if (!WORKSPACE_ID.test(ref.id)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `workspace.id: "${ref.id}" is not a workspace id (1 to 200 of a-z, A-Z, 0-9, _ and -).`, {
      details: { field: 'workspace.id' },
    });
  }
}

/** The volume mount of a workspace; the swarm's node creates the volume, with these labels, on first use. */
export function workspaceMount(id: string): Docker.MountSettings {
  return {
    Type: 'volume',
    Source: workspaceVolumeName(id),
    Target: WORKSPACE_TARGET,
    VolumeOptions: { NoCopy: false, Labels: { 'gofer.managed': 'true', [WORKSPACE_LABEL]: id }, DriverConfig: { Name: 'local', Options: {} } },
  };
}

/** The output directory: a tmpfs of the container alone, writable by any user (sticky, like /tmp). */
export function outputMount(): Docker.MountSettings {
  return { Type: 'tmpfs', Source: '', Target: OUTPUT_DIR, TmpfsOptions: { Mode: 0o1777 } } as Docker.MountSettings;
}

/**
 * The node each workspace is pinned to. Starts of one workspace whose node is not known yet run
 * one at a time (an in-memory chain per id), so a run's parallel first tasks wait for the first
 * one's node instead of landing on different nodes. Across scheduler instances (two Gofers on
 * one swarm) nothing is serialised: see the docs.
 *
 * A pin that names a node no longer in the swarm (the swarm's membership changes between runs;
 * a data directory may outlive its swarm) is dropped with a warning, and the start goes on as
 * the workspace's first: a `node.id==` constraint naming no node would only wait out the start
 * timeout. The workspace's files stayed on that node; the task gets a new, empty workspace.
 */
export class WorkspacePins {
  private readonly known = new Map<string, string>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: PluginStateStore | undefined,
    /** The node a task of the workspace's services ran on, asked of the swarm. */
    private readonly lookup: (id: string) => Promise<string | undefined>,
    private readonly options: {
      /** False when the node is not in the swarm (any answer but "removed" counts as there). */
      inSwarm?: (node: string) => Promise<boolean>;
      logger?: Logger;
    } = {},
  ) {}

  /**
   * Runs `start` with the workspace's node (undefined: none yet, the swarm chooses); `start`
   * resolves with the node its task landed on, which the next starts are then pinned to.
   */
  async start(id: string, start: (node: string | undefined) => Promise<string | undefined>): Promise<void> {
    const known = this.known.get(id);
    if (known !== undefined && (await this.usable(id, known))) {
      await start(known);
      return;
    }
    const previous = this.chains.get(id) ?? Promise.resolve();
    const mine = previous.then(async () => {
      let node = await this.nodeOf(id);
      if (node !== undefined && !(await this.usable(id, node))) node = await this.nodeOf(id);
      if (node !== undefined && !(await this.usable(id, node))) node = undefined;
      const placed = await start(node);
      if (node === undefined && placed !== undefined) await this.remember(id, placed);
    });
    const settled = mine.catch(() => undefined);
    this.chains.set(id, settled);
    void settled.then(() => {
      if (this.chains.get(id) === settled) this.chains.delete(id);
    });
    await mine;
  }

  /** The node the workspace is pinned to, as far as anyone knows. */
  async nodeOf(id: string): Promise<string | undefined> {
    const node = this.known.get(id) ?? (await this.store?.get(`${STORE_KEY}${id}`)) ?? (await this.lookup(id));
    if (node !== undefined) this.known.set(id, node);
    return node;
  }

  async forget(id: string): Promise<void> {
    this.known.delete(id);
    await this.store?.delete(`${STORE_KEY}${id}`);
  }

  /** Forgets what is in memory (the store keeps its part for the next instance). */
  clear(): void {
    this.known.clear();
  }

  /** Whether the pin's node is still in the swarm; one that left is forgotten, with a warning. */
  private async usable(id: string, node: string): Promise<boolean> {
    if (!this.options.inSwarm || (await this.options.inSwarm(node).catch(() => true))) return true;
    if (this.known.get(id) === node) await this.forget(id);
    this.options.logger?.warn(
      'the node a workspace was pinned to is no longer in the swarm: its tasks go where the swarm places them, in a new, empty workspace',
      {
        workspace: id,
        node,
        volume: workspaceVolumeName(id),
        fix: 'a run whose node left the swarm has lost its workspace files: run it again',
      },
    );
    return false;
  }

  private async remember(id: string, node: string): Promise<void> {
    this.known.set(id, node);
    await this.store?.set(`${STORE_KEY}${id}`, node);
  }
}

/** The services of a workspace (of any Gofer instance, any state). */
async function workspaceServices(manager: Docker, id: string): Promise<Array<{ ID: string; Spec?: { Name?: string } }>> {
  return await manager.listServices({ filters: { label: [`${WORKSPACE_LABEL}=${id}`] } });
}

/** The node a task of the workspace's services was placed on (the newest such task), if any service is left. */
export async function workspaceNode(manager: Docker, id: string): Promise<string | undefined> {
  const services = await workspaceServices(manager, id);
  if (services.length === 0) return undefined;
  const tasks = (await manager.listTasks({ filters: { service: services.map((s) => s.ID) } })) as SwarmTask[];
  return currentTask(tasks.filter((t) => t.NodeID))?.NodeID || undefined;
}

/**
 * Removes the workspace's volume from one engine; one that is gone is fine. One in use is tried
 * again for a while when no service of the workspace is left, else left with a warning: a kept
 * service (`removeAfterExit: never`) still uses it.
 */
export async function removeWorkspaceVolume(engine: Docker, manager: Docker, id: string, logger: Logger | undefined): Promise<void> {
  const volume = workspaceVolumeName(id);
  const deadline = Date.now() + VOLUME_IN_USE_MS;
  for (;;) {
    try {
      await engine.getVolume(volume).remove();
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (engineFailure(err).statusCode !== 409) throw err;
      const users = await workspaceServices(manager, id);
      if (users.length > 0 || Date.now() >= deadline) {
        logger?.warn('the workspace volume is still in use and was left for the operator', {
          volume,
          services: users.map((s) => s.Spec?.Name ?? s.ID),
          error: engineMessage(err),
          fix: `remove the services using it, then: docker volume rm ${volume}`,
        });
        return;
      }
      await sleep(200);
    }
  }
}
