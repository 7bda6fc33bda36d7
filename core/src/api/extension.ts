/**
 * The trigger extension contract: what starts runs, and with which runtime variables.
 * In-process extensions are made with {@link defineExtension}; out-of-process ones name a
 * `command` in their manifest and speak JSON lines (see README, "Writing an extension").
 */
import type { PluginContext, PluginDefinitionBase } from './plugin.js';
import { PLUGIN_BRAND } from './plugin.js';

/** A pipeline's subscription to an extension, as handed to the extension. */
export interface Subscription {
  /** Stable across restarts; pass it back to `ctx.startRun`. */
  subscriptionId: string;
  pipelineId: string;
  /** Validated against the extension's subscription schema, secrets already substituted. */
  settings: Record<string, string>;
}

/** A reference to a run an extension started. */
export interface RunRef {
  pipelineId: string;
  runId: number;
}

/** What an extension passes to start a run. */
export interface StartRunRequest {
  subscriptionId: string;
  /** Runtime variables for the run (the second source in the variable precedence). */
  variables: Record<string, string>;
  /** Why the run was started, shown to users ("cron 0 * * * * fired", "push to main"). */
  reason: string;
  /**
   * Optional idempotency key: a second startRun with the same subscription and key returns
   * the first run instead of starting another (an out-of-process extension restarted mid-event).
   */
  eventId?: string;
}

/** The context an extension's `create` receives. */
export interface ExtensionContext extends PluginContext {
  /** Starts a run of the subscribed pipeline. Rejects with a coded error when it cannot. */
  startRun(req: StartRunRequest): Promise<RunRef>;
}

/** A trigger extension instance. */
export interface Extension {
  /**
   * Begins watching for one subscription. Called for new subscriptions and, after a restart,
   * again for every active one. Reject to refuse it: the subscription is stored with status
   * `error` and the rejection's message as its reason.
   */
  subscribe(sub: Subscription): Promise<void>;
  /** Stops watching for a subscription. */
  unsubscribe(sub: { subscriptionId: string }): Promise<void>;
  /** Stops timers, listeners and processes. Called once, before the scheduler closes. */
  close?(): Promise<void>;
}

/** An extension plugin: made by {@link defineExtension}, the default export of its entry. */
export interface ExtensionDefinition<Settings = Record<string, unknown>>
  extends PluginDefinitionBase<'extension', Settings, Extension, ExtensionContext> {
  /** JSON Schema for a subscription's settings (string values). */
  readonly subscriptionSchema?: Record<string, unknown>;
}

/** Declares an extension plugin; export the result as the entry's default export. */
export function defineExtension<Settings = Record<string, unknown>>(
  definition: Omit<ExtensionDefinition<Settings>, 'kind' | typeof PLUGIN_BRAND>,
): ExtensionDefinition<Settings> {
  return Object.freeze({ ...definition, kind: 'extension' as const, [PLUGIN_BRAND]: true as const });
}
