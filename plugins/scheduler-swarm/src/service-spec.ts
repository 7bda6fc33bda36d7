/** The swarm service spec for one task execution: a pure function of the request and settings. */
import type Docker from 'dockerode';
import type { ResourceSettings, SwarmSettings } from './settings.js';

/** Labels every service made by this plugin carries, besides the request's own. */
export const MANAGED_LABELS = Object.freeze({ 'gofer.managed': 'true', 'gofer.scheduler': 'swarm' });
/** The task execution id a service runs, for finding it again. */
export const ID_LABEL = 'gofer.id';

/** Everything the spec is built from, already resolved (image pinned, secrets looked up). */
export interface ServiceSpecInput {
  name: string;
  id: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The container's entrypoint (swarm calls it `Command`). */
  entrypoint?: string[];
  /** The container's arguments (swarm calls them `Args`). */
  args?: string[];
  /** Docker secrets to mount, each as `/run/secrets/<name>`. */
  secrets: ReadonlyArray<{ id: string; name: string }>;
  /** Volumes and tmpfs mounts (the workspace, the output directory). */
  mounts?: Docker.MountSettings[];
  /** Placement constraints besides the settings' (a workspace's node). */
  constraints?: string[];
  settings: Pick<SwarmSettings, 'constraints' | 'placement' | 'networks' | 'limits' | 'reservations' | 'stopGracePeriodMs'>;
}

function resources(r: ResourceSettings): { NanoCPUs?: number; MemoryBytes?: number } {
  const out: { NanoCPUs?: number; MemoryBytes?: number } = {};
  if (r.cpus !== undefined) out.NanoCPUs = Math.round(r.cpus * 1e9);
  if (r.memoryMb !== undefined) out.MemoryBytes = r.memoryMb * 1024 * 1024;
  return out;
}

/** The settings' constraints plus those of every placement rule whose labels the task carries (no duplicates). */
export function placementConstraints(settings: Pick<SwarmSettings, 'constraints' | 'placement'>, labels: Readonly<Record<string, string>>): string[] {
  const matching = settings.placement.filter((rule) => Object.entries(rule.labels).every(([k, v]) => labels[k] === v));
  return [...new Set([...settings.constraints, ...matching.flatMap((rule) => rule.constraints)])];
}

/**
 * One replica, restart condition `none` (a task runs once; its end is the task's end), the
 * request's labels plus {@link MANAGED_LABELS} on the service and its containers, and the
 * settings' placement (with the rules matching the request's labels), networks, resources and
 * stop grace period.
 */
export function buildServiceSpec(input: ServiceSpecInput): Docker.ServiceSpec {
  const labels = { ...input.labels, ...MANAGED_LABELS, [ID_LABEL]: input.id };
  const { settings } = input;
  const containerSpec: Docker.ContainerSpec = {
    Image: input.image,
    Labels: labels,
    Env: Object.entries(input.env).map(([k, v]) => `${k}=${v}`),
    StopGracePeriod: settings.stopGracePeriodMs * 1e6,
    Secrets: input.secrets.map((s) => ({ SecretID: s.id, SecretName: s.name, File: { Name: s.name, UID: '0', GID: '0', Mode: 0o444 } })),
  };
  if (input.mounts && input.mounts.length > 0) containerSpec.Mounts = input.mounts;
  if (input.entrypoint) containerSpec.Command = input.entrypoint;
  if (input.args) containerSpec.Args = input.args;
  return {
    Name: input.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: containerSpec,
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: [...new Set([...placementConstraints(settings, input.labels), ...(input.constraints ?? [])])] },
      Resources: { Limits: resources(settings.limits), Reservations: resources(settings.reservations) },
      Networks: settings.networks.map((Target) => ({ Target })),
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}
