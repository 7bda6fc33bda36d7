/**
 * The swarm's nodes as the scheduler needs them: which node Gofer's own client talks to, how a
 * node is doing (a task on a node that went down will never report its end), and the engines
 * of nodes Gofer may reach directly (the manager's own, plus the `nodeEngines` setting).
 */
import type Docker from 'dockerode';
import { engineClient, isNotFound } from '@gofer/docker-common';
import type { SwarmSettings } from './settings.js';

/** What the scheduler reads of a node (`GET /nodes/<id>`). */
export interface NodeView {
  id: string;
  hostname?: string;
  /** `ready`, `down`, `disconnected` or `unknown`. */
  state?: string;
  /** `active`, `pause` or `drain`. */
  availability?: string;
  /** `manager` or `worker`. */
  role?: string;
  /** The node's labels (`node.labels.*` in constraints). */
  labels?: Record<string, string>;
  /** Its engine's labels (`engine.labels.*`). */
  engineLabels?: Record<string, string>;
  /** The node's `gofer.node` label, when it has one (the test cluster names its nodes so). */
  label?: string;
  /** The node is gone from the swarm (removed). */
  removed?: boolean;
}

/**
 * True when tasks on this node will not report their end: the manager declared the node `down`
 * (its heartbeats stopped, about 10 s after its engine died), or it was removed. `unknown` is
 * not lost: a manager that just restarted reports every node so until it heartbeats again.
 */
export function isLost(node: NodeView | undefined): boolean {
  return node !== undefined && (node.removed === true || node.state === 'down');
}

/** A node as messages name it: `vm (id abc123, gofer.node=n2)`. */
export function describeNode(node: NodeView): string {
  const extra = [`id ${node.id.slice(0, 12)}`, ...(node.label ? [`gofer.node=${node.label}`] : [])].join(', ');
  return `${node.hostname ?? 'node'} (${extra})`;
}

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string; Engine?: { Labels?: Record<string, string> } };
  Spec?: { Availability?: string; Role?: string; Labels?: Record<string, string> };
  Status?: { State?: string };
}

/** Reads nodes through the manager (briefly cached) and hands out clients for their engines. */
export class SwarmNodes {
  private localNode: Promise<string | undefined> | undefined;
  private readonly views = new Map<string, { at: number; view: Promise<NodeView> }>();
  private readonly engines = new Map<string, Docker>();

  constructor(
    private readonly manager: Docker,
    private readonly settings: Pick<SwarmSettings, 'nodeEngines' | 'certPath' | 'pollIntervalMs'>,
  ) {}

  /** The id of the node Gofer's client talks to (the manager it was configured with). */
  localNodeId(): Promise<string | undefined> {
    this.localNode ??= this.manager.info().then(
      (i: { Swarm?: { NodeID?: string } }) => i.Swarm?.NodeID || undefined,
      () => {
        this.localNode = undefined; // ask again next time
        return undefined;
      },
    );
    return this.localNode;
  }

  /**
   * How the node is doing. Node states change in seconds (a heartbeat), so one answer serves
   * every task on that node for a poll interval (at least a second).
   */
  view(nodeId: string): Promise<NodeView> {
    const cached = this.views.get(nodeId);
    const ttl = Math.max(1000, this.settings.pollIntervalMs);
    if (cached && Date.now() - cached.at < ttl) return cached.view;
    const view = this.inspect(nodeId);
    this.views.set(nodeId, { at: Date.now(), view });
    view.catch(() => this.views.delete(nodeId));
    return view;
  }

  /**
   * The engine running a task on `nodeId`, when Gofer can reach it: the manager's own client for
   * a task on the manager, else the `nodeEngines` entry named by the node's id or hostname.
   */
  async engineFor(nodeId: string | undefined): Promise<Docker | undefined> {
    if (!nodeId) return undefined;
    if (nodeId === (await this.localNodeId())) return this.manager;
    const configured = this.settings.nodeEngines;
    if (Object.keys(configured).length === 0) return undefined;
    let address = configured[nodeId];
    if (!address) {
      const hostname = (await this.view(nodeId).catch(() => undefined))?.hostname;
      address = hostname ? configured[hostname] : undefined;
    }
    if (!address) return undefined;
    let docker = this.engines.get(address);
    if (!docker) {
      docker = engineClient({ host: address, ...(this.settings.certPath ? { certPath: this.settings.certPath } : {}) }).docker;
      this.engines.set(address, docker);
    }
    return docker;
  }

  private async inspect(nodeId: string): Promise<NodeView> {
    try {
      const n = (await this.manager.getNode(nodeId).inspect()) as NodeInfo;
      return {
        id: n.ID,
        hostname: n.Description?.Hostname,
        state: n.Status?.State,
        availability: n.Spec?.Availability,
        role: n.Spec?.Role,
        labels: n.Spec?.Labels ?? {},
        engineLabels: n.Description?.Engine?.Labels ?? {},
        label: n.Spec?.Labels?.['gofer.node'],
      };
    } catch (err) {
      if (isNotFound(err)) return { id: nodeId, removed: true };
      throw err;
    }
  }
}
