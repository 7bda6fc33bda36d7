/**
 * The trigger extension contract: what starts runs, and with which runtime variables.
 * In-process extensions are made with {@link defineExtension}; out-of-process ones name a
 * `command` in their manifest and speak JSON lines (see docs/extensions.md, "Writing an extension in TypeScript" and "... in any language").
 */
import type { PluginContext, PluginDefinitionBase, SettingsOf, SettingsSchema } from './plugin.js';
import { PLUGIN_BRAND } from './plugin.js';
import type { Run } from './runs.js';

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

/** Read-only access to runs, for extensions that report on them (commit statuses, notifications). */
export interface ExtensionRunsView {
  /** Rejects with ERR_NOT_FOUND when the run does not exist (any more). */
  get(pipelineId: string, runId: number): Promise<Run>;
  /** The pipeline's most recent runs, newest first. */
  list(pipelineId: string, opts?: { limit?: number }): Promise<Run[]>;
}

/** The context an extension's `create` receives. */
export interface ExtensionContext extends PluginContext {
  /**
   * Starts a run of the subscribed pipeline. Rejects with a coded error when it cannot:
   * ERR_TRIGGER_PAUSED when the subscription is disabled or its triggers are paused (the fire is
   * recorded as a `trigger.skipped` event; with an `eventId`, a later redelivery can still start it).
   */
  startRun(req: StartRunRequest): Promise<RunRef>;
  /** Runs, to read their state and outcome (a run's progress also arrives as events on `events`). */
  readonly runs: ExtensionRunsView;
  /**
   * Global secrets by key (undefined when absent), for settings that name a secret instead of
   * holding it (`"urlSecret": "SLACK_WEBHOOK_URL"`). Never log or send a value you read here.
   */
  secret(key: string): Promise<string | undefined>;
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
export interface ExtensionDefinition<Settings = Record<string, unknown>> extends PluginDefinitionBase<'extension', Settings, Extension, ExtensionContext> {
  /** Schema of a subscription's settings (string values): TypeBox or a plain JSON Schema object. */
  readonly subscriptionSchema?: SettingsSchema;
  /**
   * True for a listener (made by {@link defineListener}): it reacts to Gofer's events and is
   * configured by its settings alone. Pipelines cannot subscribe to it (ERR_INVALID_ARGUMENT).
   */
  readonly listener?: boolean;
}

/** A listener instance: it watches `ctx.events` from `create` on and stops in `close`. */
export interface Listener {
  close?(): Promise<void>;
}

/** What {@link defineListener} takes: an extension without subscriptions. */
export interface ListenerDefinitionInput<Settings> {
  readonly name: string;
  readonly apiVersion: number;
  readonly settingsSchema?: SettingsSchema;
  create(ctx: ExtensionContext, settings: Settings): Listener | Promise<Listener>;
}

/** What {@link defineExtension} takes: the definition without the fields it adds. */
export type ExtensionDefinitionInput<Settings> = Omit<ExtensionDefinition<Settings>, 'kind' | typeof PLUGIN_BRAND>;

/**
 * Declares an extension plugin; export the result as the entry's default export. The settings
 * type `create` receives is inferred from `settingsSchema` (see {@link defineScheduler}).
 */
export function defineExtension<const Schema extends SettingsSchema>(
  definition: Omit<ExtensionDefinitionInput<SettingsOf<Schema>>, 'settingsSchema'> & { readonly settingsSchema: Schema },
): ExtensionDefinition<SettingsOf<Schema>>;
/** Declares an extension plugin whose settings type is given (or that takes no settings). */
export function defineExtension<Settings = Record<string, unknown>>(definition: ExtensionDefinitionInput<Settings>): ExtensionDefinition<Settings>;
export function defineExtension<Settings>(definition: ExtensionDefinitionInput<Settings>): ExtensionDefinition<Settings> {
  return Object.freeze({ ...definition, kind: 'extension' as const, [PLUGIN_BRAND]: true as const });
}

/**
 * Declares a listener: an extension that only listens (notifications, metrics, audit) and needs no
 * subscription. It is loaded and configured like any extension (`extensions.<name>` in the config;
 * `false` turns it off), receives the same context, and subscribes to `ctx.events` in `create`.
 */
export function defineListener<Settings = Record<string, unknown>>(definition: ListenerDefinitionInput<Settings>): ExtensionDefinition<Settings> {
  const refuse = (): Promise<void> =>
    Promise.reject(new Error(`Extension "${definition.name}" is a listener: it is configured by its settings and takes no subscriptions.`));
  return defineExtension<Settings>({
    name: definition.name,
    apiVersion: definition.apiVersion,
    ...(definition.settingsSchema ? { settingsSchema: definition.settingsSchema } : {}),
    listener: true,
    async create(ctx, settings) {
      const listener = await definition.create(ctx, settings);
      return { subscribe: refuse, unsubscribe: async () => undefined, close: async () => listener.close?.() };
    },
  });
}
