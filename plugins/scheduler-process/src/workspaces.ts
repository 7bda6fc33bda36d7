/**
 * Run workspaces of the process scheduler: one directory per workspace id under the plugin's
 * data directory (`workspaces/<id>`). A local process cannot have `/workspace` mounted for it, so
 * the task runs in that directory and `$GOFER_WORKSPACE` names it.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GoferError, type WorkspaceRef } from '@gofer/core/api';

/** What a workspace id may hold (the contract's `[a-zA-Z0-9_-]`): never a path separator or `..`. */
const WORKSPACE_ID = /^[a-zA-Z0-9_-]+$/;

/** The workspace directories under one data directory. */
export class Workspaces {
  private readonly root: string;

  /** `dataDir` must be absolute: tasks see these paths from their own working directory. */
  constructor(dataDir: string) {
    this.root = join(dataDir, 'workspaces');
  }

  /** The workspace's directory, made (with its parents) when missing. Safe to call concurrently. */
  ensure(ref: WorkspaceRef): string {
    const dir = this.dirOf(ref);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Removes the directory and everything in it; one that is not there is fine. */
  async remove(ref: WorkspaceRef): Promise<void> {
    await rm(this.dirOf(ref), { recursive: true, force: true });
  }

  /** The directory of a valid id; ERR_INVALID_ARGUMENT for any other (it would name a path elsewhere). */
  private dirOf(ref: WorkspaceRef): string {
    if (typeof ref.id !== 'string' || !WORKSPACE_ID.test(ref.id)) {
      throw new GoferError('ERR_INVALID_ARGUMENT', `Workspace id ${JSON.stringify(ref.id)} is not of [a-zA-Z0-9_-].`, { details: { workspace: ref.id } });
    }
    return join(this.root, ref.id);
  }
}
