/**
 * Run workspaces as named Docker volumes: `gofer-workspace-<id>`, labelled, mounted at
 * `/workspace` in every task of the run. Created explicitly (so they carry labels) on a run's first
 * start, once per instance; the engine answers a create of an existing volume, and two creates at
 * once, with the volume, so parallel first tasks and a restarted core need no coordination.
 */
import type Docker from 'dockerode';
import { GoferError, type Logger, type WorkspaceRef } from '@gofer/core/api';
import { engineFailure, isNotFound, translateEngineError } from './engine-errors.js';

/** Where the workspace is mounted, and the value of `GOFER_WORKSPACE`. */
export const WORKSPACE_TARGET = '/workspace';

/** What a workspace id may hold (the contract's `[a-zA-Z0-9_-]`). */
const WORKSPACE_ID = /^[a-zA-Z0-9_-]+$/;

/** The volume of a workspace; ERR_INVALID_ARGUMENT for an id outside the contract's characters. */
export function workspaceVolumeName(ref: WorkspaceRef): string {
  if (typeof ref.id !== 'string' || !WORKSPACE_ID.test(ref.id)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `Workspace id ${JSON.stringify(ref.id)} is not of [a-zA-Z0-9_-].`, { details: { workspace: ref.id } });
  }
  return `gofer-workspace-${ref.id}`;
}

/** The workspace volumes of one engine, as one scheduler instance sees them. */
export class WorkspaceVolumes {
  /** Volumes this instance created (or is creating): later tasks of the run cost no engine call. */
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    private readonly docker: Docker,
    private readonly engine: string,
    private readonly logger: Logger,
  ) {}

  /** Makes the workspace's volume unless this instance already did; resolves with its name. */
  async ensure(ref: WorkspaceRef): Promise<string> {
    const Name = workspaceVolumeName(ref);
    let ready = this.ready.get(ref.id);
    if (!ready) {
      ready = this.docker.createVolume({ Name, Labels: { 'gofer.managed': 'true', 'gofer.scheduler': 'docker', 'gofer.workspace': ref.id } }).then(
        () => undefined,
        (err: unknown) => {
          if (this.ready.get(ref.id) === ready) this.ready.delete(ref.id);
          throw translateEngineError(err, { engine: this.engine }, `create workspace volume ${Name}`);
        },
      );
      this.ready.set(ref.id, ready);
    }
    await ready;
    return Name;
  }

  /**
   * Removes the volume. Gone already: fine. Still used by a container the core keeps
   * (`removeAfterExit: never`): left for the operator, with a warning, and resolved.
   */
  async remove(ref: WorkspaceRef): Promise<void> {
    const name = workspaceVolumeName(ref);
    this.ready.delete(ref.id);
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (isNotFound(err)) return;
      if (engineFailure(err).statusCode === 409) {
        this.logger.warn('the workspace volume is still used by a container that is kept: it stays until that container is removed', {
          workspace: ref.id,
          volume: name,
        });
        return;
      }
      throw translateEngineError(err, { engine: this.engine }, `remove workspace volume ${name}`);
    }
  }
}
