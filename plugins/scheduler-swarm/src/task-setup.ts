/**
 * What Gofer adds to a task's container besides the request's own: the task wrapper (outputs,
 * secrets as env vars), `GOFER_OUTPUT` and its tmpfs, the `_FILE` variables of file secrets, and
 * the run's workspace. A pure function of the request and settings, but for the image's own
 * entrypoint and command, which the wrapper needs and `argv` reads on the manager.
 */
import type Docker from 'dockerode';
import type { StartContainerRequest } from '@gofer/core/api';
import { OUTPUT_NONCE_LABEL, OUTPUT_PATH, outputNonce } from './output-trailer.js';
import { secretFileVariables } from './secret-env.js';
import type { SwarmSettings } from './settings.js';
import { wrapperEntrypoint } from './task-wrapper.js';
import { outputMount, WORKSPACE_LABEL, WORKSPACE_TARGET, workspaceMount } from './workspace.js';

/** The container's parts, ready for the service spec. */
export interface TaskSetup {
  env: Record<string, string>;
  labels: Record<string, string>;
  mounts: Docker.MountSettings[];
  entrypoint?: string[];
  args?: string[];
  /** The command runs under the task wrapper (a missing shell gets its own hint). */
  wrapped: boolean;
  /** The secrets are exported as env vars by the wrapper; else their `_FILE` variables are set. */
  secretsAsEnv: boolean;
}

export async function taskSetup(
  req: StartContainerRequest,
  settings: Pick<SwarmSettings, 'outputs' | 'secretDelivery' | 'shell'>,
  hasSecrets: boolean,
  argv: () => Promise<string[]>,
): Promise<TaskSetup> {
  const env = { ...req.variables };
  const labels = { ...req.labels };
  const mounts: Docker.MountSettings[] = [];
  const secretsAsEnv = hasSecrets && settings.secretDelivery === 'env';
  if (hasSecrets && !secretsAsEnv) Object.assign(env, secretFileVariables(req.secrets));
  const nonce = settings.outputs ? outputNonce() : undefined;
  if (nonce !== undefined) {
    env.GOFER_OUTPUT = OUTPUT_PATH;
    labels[OUTPUT_NONCE_LABEL] = nonce;
    mounts.push(outputMount());
  }
  if (req.workspace) {
    env.GOFER_WORKSPACE = WORKSPACE_TARGET;
    labels[WORKSPACE_LABEL] = req.workspace.id;
    mounts.push(workspaceMount(req.workspace.id));
  }
  const wrapped = secretsAsEnv || nonce !== undefined;
  if (!wrapped) return { env, labels, mounts, entrypoint: req.entrypoint, args: req.command, wrapped, secretsAsEnv };
  const options = { shell: settings.shell, ...(secretsAsEnv ? { secrets: req.secrets } : {}), ...(nonce !== undefined ? { outputNonce: nonce } : {}) };
  return { env, labels, mounts, entrypoint: wrapperEntrypoint(options, await argv()), wrapped, secretsAsEnv };
}
