/** `createGofer`: the entry point for host applications (the composition root is start-gofer.ts). */
import type { Gofer, GoferOptions } from '../api/index.js';
import { startGofer } from './start-gofer.js';

/**
 * Starts a Gofer core. Rejects with a coded error when the config is invalid or a configured
 * plugin fails (one ERR_PLUGIN_STARTUP error lists every failure); whatever was started by then
 * is closed again.
 */
export async function createGofer(options: GoferOptions = {}): Promise<Gofer> {
  const { gofer } = await startGofer(options);
  return gofer;
}
