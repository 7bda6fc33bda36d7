/**
 * Every DI token, declared once and typed. Constructor parameters use `@inject(TOKEN)`
 * explicitly: tools built on esbuild emit no decorator metadata.
 */
import type { InjectionToken } from 'tsyringe';
import type { GoferConfig, Logger, Scheduler } from '../api/index.js';

/** A typed token: the symbol carries the type of what it resolves to. */
export type Token<T> = InjectionToken<T> & symbol;

function token<T>(description: string): Token<T> {
  return Symbol(description) as Token<T>;
}

// Root container: singletons for the life of one Gofer instance.
export const CONFIG = token<GoferConfig>('gofer.config');
export const LOGGER = token<Logger>('gofer.logger');
/** The active scheduler instance (the one `config.scheduler` names). */
export const SCHEDULER = token<Scheduler>('gofer.scheduler');
/** Aborted when the instance starts closing. */
export const SHUTDOWN_SIGNAL = token<AbortSignal>('gofer.shutdown-signal');

// Per-run child containers.
export const RUN_ID = token<number>('gofer.run.id');
export const RUN_PIPELINE_ID = token<string>('gofer.run.pipeline-id');
export const RUN_SIGNAL = token<AbortSignal>('gofer.run.signal');
