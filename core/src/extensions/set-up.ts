/** Starts the extension host: subscriptions, and re-subscribing them after a restart. */
import type { DependencyContainer } from 'tsyringe';

export async function setUpExtensions(_root: DependencyContainer): Promise<void> {
  // Filled in by the extension host.
}
