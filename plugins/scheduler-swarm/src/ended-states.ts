/**
 * Final states of tasks stopped through the swarm: swarm drops such a task (and its exit code)
 * once it ended, so the scheduler keeps what it saw, in memory and, when the plugin has a state
 * store, there too, so a restarted Gofer still reads it.
 */
import type { ContainerStatus, PluginStateStore } from '@gofer/core/api';

const KEY = 'ended/';

/** The kept final states, by service name. */
export class EndedStates {
  private readonly known = new Map<string, ContainerStatus>();

  constructor(private readonly store: PluginStateStore | undefined) {}

  async get(name: string): Promise<ContainerStatus | undefined> {
    const known = this.known.get(name);
    if (known) return { ...known };
    const stored = await this.store?.get(`${KEY}${name}`);
    if (stored === undefined) return undefined;
    const status = JSON.parse(stored) as ContainerStatus;
    this.known.set(name, status);
    return { ...status };
  }

  async keep(name: string, status: ContainerStatus): Promise<void> {
    this.known.set(name, status);
    await this.store?.set(`${KEY}${name}`, JSON.stringify(status));
  }

  async forget(name: string): Promise<void> {
    this.known.delete(name);
    await this.store?.delete(`${KEY}${name}`);
  }

  /** Forgets what is in memory (the store keeps its part for the next instance). */
  clear(): void {
    this.known.clear();
  }
}
