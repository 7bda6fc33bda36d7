/**
 * The root tokens: what the composition root registers before any module is set up. Every
 * other token is declared by its module, beside the class that implements it (`token<` finds
 * them all), so this bottom layer knows nothing of the modules above it.
 */
import type { Clock, GoferConfig, Logger } from '../api/index.js';
import { token } from './di.js';
import type { Lifecycle } from './lifecycle.js';

export const CONFIG = token<GoferConfig>('gofer.config');
export const LOGGER = token<Logger>('gofer.logger');
/** The recorded times and the pipelines' time limits (see api/clock.ts). */
export const CLOCK = token<Clock>('gofer.clock');
/** Aborted when the instance starts closing. */
export const SHUTDOWN_SIGNAL = token<AbortSignal>('gofer.shutdown-signal');
/** The ordered shutdown every module registers its closers with. */
export const LIFECYCLE = token<Lifecycle>('gofer.lifecycle');
