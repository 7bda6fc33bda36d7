/**
 * What every plugin shares: the manifest in its package.json, the definition its entry exports,
 * and the plain context `create` receives. Plugin authors never see the DI container.
 */
import type { Static, TSchema } from 'typebox';
import type { GoferEvent } from './events.js';

/** The plugin API versions this core can load. A plugin declaring another one is refused. */
export const SUPPORTED_API_VERSIONS: readonly number[] = Object.freeze([1]);

/**
 * The newest plugin API version this core implements. A plugin does not use it as its own
 * `apiVersion`: it writes the version it was written against as a literal (`apiVersion: 1`), so
 * that a core which no longer supports that version can tell.
 */
export const GOFER_API_VERSION = 1;

/** Marks objects made by `defineScheduler`/`defineExtension`; a global symbol, so copies agree. */
export const PLUGIN_BRAND: unique symbol = Symbol.for('gofer.plugin') as never;

/** The two kinds of plugin. */
export type PluginKind = 'scheduler' | 'extension';

/**
 * The `"gofer"` object in a plugin package's package.json. Exactly one of `entry` (an ES
 * module, relative to the package) and `command` (an out-of-process extension) is given.
 */
export interface PluginManifest {
  kind: PluginKind;
  /** Unique per kind; what the config uses to name the plugin (`"scheduler": "docker"`). */
  name: string;
  /** An integer; see {@link SUPPORTED_API_VERSIONS}. Must equal the definition's `apiVersion`. */
  apiVersion: number;
  /** Module whose default export is the definition, e.g. `"./dist/index.js"`. */
  entry?: string;
  /** Out-of-process extensions: the executable and its arguments, run in the package folder. */
  command?: string[];
  /** Out-of-process extensions: a JSON Schema for their settings. */
  settingsSchema?: JsonSchema;
  /** Out-of-process extensions: a JSON Schema for a subscription's settings. */
  subscriptionSchema?: JsonSchema;
}

/** A JSON Schema (draft-07 or 2019-09 as understood by ajv). Kept loose on purpose. */
export type JsonSchema = Record<string, unknown>;

/**
 * A plugin's settings schema: a TypeBox schema (`Type.Object({...})`, re-exported here), or
 * any JSON Schema object. Either way the core validates with ajv, every problem at once.
 */
export type SettingsSchema = TSchema;

/**
 * The settings type a schema describes, as `create` receives it: inferred from a TypeBox
 * schema (or a JSON Schema literal), `Record<string, unknown>` for a loosely typed one. A key
 * with a `default` that is not `Type.Optional` is always present: ajv fills defaults in first.
 */
export type SettingsOf<Schema extends TSchema> = unknown extends Static<Schema> ? Record<string, unknown> : Static<Schema>;

/** Structured log fields. */
export type LogFields = Record<string, unknown>;

/** A logger scoped to the plugin (`plugin=<kind>/<name>` on every line). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

/** A read-only view of Gofer's event stream. */
export interface EventView {
  /** Calls `listener` for every event published from now on. Returns a function that stops it. */
  subscribe(listener: (event: GoferEvent) => void): () => void;
}

/** A small persistent key/value store private to one plugin (cron's last fire time, ...). */
export interface PluginStateStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What `create(ctx, settings)` receives. Valid until the plugin's `close()` has resolved. */
export interface PluginContext {
  readonly kind: PluginKind;
  readonly name: string;
  readonly logger: Logger;
  readonly events: EventView;
  /** A directory private to this plugin, created before `create` is called. */
  readonly dataDir: string;
  /** Persistent key/value state private to this plugin. */
  readonly state: PluginStateStore;
  /** Aborted when Gofer starts closing: stop timers and loops that watch it. */
  readonly signal: AbortSignal;
}

/** Fields shared by scheduler and extension definitions. */
export interface PluginDefinitionBase<Kind extends PluginKind, Settings, Instance, Ctx = PluginContext> {
  readonly kind: Kind;
  /** Must equal the manifest's `name` when loaded from a package. */
  readonly name: string;
  /**
   * The plugin API version the plugin was written against, as a literal (`apiVersion: 1`), and
   * the same as the manifest's `gofer.apiVersion`. The loader refuses a version this core does
   * not support, and a definition that disagrees with its manifest.
   */
  readonly apiVersion: number;
  /**
   * Schema of the plugin's settings (TypeBox, or a plain JSON Schema object). Settings are
   * validated (with defaults applied) before `create` is called; a mismatch stops start-up for
   * a configured plugin.
   */
  readonly settingsSchema?: SettingsSchema;
  /**
   * Makes the instance. Called once per Gofer instance, within the plugin time limit
   * (`pluginTimeoutMs`, 10 s by default).
   */
  create(ctx: Ctx, settings: Settings): Instance | Promise<Instance>;
  readonly [PLUGIN_BRAND]: true;
}
