/**
 * Start-up of the plugin host: discover, import, check duplicates, create the active scheduler
 * and the extensions. A configured plugin that fails stops start-up with ONE error listing every
 * failure; a merely discovered one is recorded with its reason and the host carries on.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GoferAggregateError,
  GoferError,
  type Extension,
  type ExtensionContext,
  type ExtensionRunsView,
  type ExtensionDefinition,
  type GoferConfig,
  type Logger,
  type PluginContext,
  type PluginDefinition,
  type PluginInfo,
  type PluginKind,
  type Scheduler,
  type SchedulerDefinition,
  type RunRef,
  type StartRunRequest,
} from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { configSourceOf } from '../kernel/config.js';
import { injectable, token, type LateBinding } from '../kernel/di.js';
import type { Lifecycle } from '../kernel/lifecycle.js';
import { CONFIG, LIFECYCLE, LOGGER, SHUTDOWN_SIGNAL } from '../kernel/tokens.js';
import { PLUGIN_STATE, type PluginStateFactory } from '../stores/plugin-state-store.js';
import { SECRET_STORE, type SecretStore } from '../stores/secret-store.js';
import { EXTENSION_LOG_BOOK, type ExtensionLogBook } from './extension-log-book.js';
import { createWithTimeout, validateSettings } from './create-instance.js';
import { discoverPlugins } from './discover.js';
import { checkManifestOnly, importDefinition, type ImportedPlugin, type ListedPlugin } from './import-definition.js';
import { PluginRegistry } from './registry.js';

/** The plugin definitions the host application handed to `createGofer({ plugins })`. */
export const HOST_PLUGINS = token<readonly PluginDefinition[]>('gofer.host-plugins');

/** Starts a run for an extension: `(extension name, request)`. */
export type ExtensionStartRun = (extension: string, req: StartRunRequest) => Promise<RunRef>;

/**
 * Late-bound: extensions are created (and may call `ctx.startRun`) before the runs module and
 * the trigger host exist. The composition root registers an unbound binding before plugins load;
 * the trigger host binds it once runs can start.
 */
export const EXTENSION_RUN_STARTER = token<LateBinding<ExtensionStartRun>>('gofer.extension-run-starter');

/** Late-bound for the same reason: `ctx.runs` reads runs, which exist only after plugins load. */
export const EXTENSION_RUNS_VIEW = token<LateBinding<ExtensionRunsView>>('gofer.extension-runs-view');

type Failure = { info: PluginInfo; error: GoferError; required: boolean };

/** Loads every plugin once (see the file comment); register: PLUGIN_HOST. */
@injectable(
  CONFIG,
  HOST_PLUGINS,
  LIFECYCLE,
  LOGGER,
  SHUTDOWN_SIGNAL,
  EVENT_BUS,
  PLUGIN_STATE,
  EXTENSION_RUN_STARTER,
  EXTENSION_RUNS_VIEW,
  SECRET_STORE,
  EXTENSION_LOG_BOOK,
)
export class PluginHost {
  constructor(
    private readonly config: GoferConfig,
    private readonly hostPlugins: readonly PluginDefinition[],
    private readonly lifecycle: Lifecycle,
    private readonly logger: Logger,
    private readonly signal: AbortSignal,
    private readonly bus: EventBus,
    private readonly stateFor: PluginStateFactory,
    private readonly runStarter: LateBinding<ExtensionStartRun>,
    private readonly runsView: LateBinding<ExtensionRunsView>,
    private readonly secrets: SecretStore,
    private readonly logBook: ExtensionLogBook,
  ) {}

  /** Discovers, imports and creates the plugins; the registry holds the active scheduler and extensions. */
  async load(): Promise<PluginRegistry> {
    const { config, hostPlugins, lifecycle, logger, signal, bus, stateFor, runStarter, runsView, secrets, logBook } = this;
    const registry = new PluginRegistry();
    const failures: Failure[] = [];
    const isNamed = (kind: PluginKind | undefined, name: string | undefined): boolean =>
      (kind === 'scheduler' && (name === config.scheduler || (name !== undefined && name in config.schedulers))) ||
      (kind === 'extension' && name !== undefined && config.extensions[name] !== undefined && config.extensions[name] !== false);
    // Handed in by the host, listed in "plugins", or named by kind and name: it must load.
    const isRequired = (source: PluginInfo['source'], kind: PluginKind | undefined, name: string | undefined): boolean =>
      source === 'host' || source === 'config' || isNamed(kind, name);
    // What start-up creates: the required plugins and every extension not set to false. The
    // others (schedulers not in use, disabled extensions) are listed from their manifests only.
    const isUsed = (source: PluginInfo['source'], kind: PluginKind | undefined, name: string | undefined): boolean =>
      isRequired(source, kind, name) || (kind === 'extension' && name !== undefined && config.extensions[name] !== false);

    const fail = (info: PluginInfo, error: GoferError, required: boolean) => {
      const failed: PluginInfo = { ...info, status: 'failed', error: { code: error.code, message: error.message } };
      registry.record(failed);
      failures.push({ info: failed, error, required });
      logger[required ? 'error' : 'warn'](`plugin ${info.packageName} failed to load`, { code: error.code, message: error.message });
    };

    // 1. Discover, and import what the config uses, all in parallel.
    const discovery = discoverPlugins(config, hostPlugins);
    for (const f of discovery.failures) {
      fail({ kind: 'extension', name: f.packageName, packageName: f.packageName, source: 'config', status: 'failed' }, f.error, true);
    }
    const imported: Array<ImportedPlugin | ListedPlugin> = [];
    await Promise.all(
      discovery.candidates.map(async (candidate) => {
        const raw = candidate.rawManifest as { kind?: PluginKind; name?: string } | undefined;
        const guess = candidate.definition ?? raw ?? {};
        const info: PluginInfo = {
          kind: guess.kind === 'extension' ? 'extension' : 'scheduler',
          name: typeof guess.name === 'string' ? guess.name : candidate.packageName,
          packageName: candidate.packageName,
          packageDir: candidate.packageDir,
          version: candidate.version,
          source: candidate.source,
          status: 'loaded',
        };
        const required = isRequired(candidate.source, guess.kind, guess.name);
        try {
          imported.push(
            candidate.definition || isUsed(candidate.source, guess.kind, guess.name) ? await importDefinition(candidate) : checkManifestOnly(candidate),
          );
        } catch (err) {
          fail(info, asGoferError(err), required);
        }
      }),
    );

    // 2. Same kind and name twice: an error naming both packages.
    const byKey = new Map<string, Array<ImportedPlugin | ListedPlugin>>();
    for (const p of imported) {
      const key = `${kindOf(p)}/${nameOf(p)}`;
      byKey.set(key, [...(byKey.get(key) ?? []), p]);
    }
    const usable: Array<ImportedPlugin | ListedPlugin> = [];
    for (const [key, group] of byKey) {
      if (group.length === 1) {
        usable.push(group[0]!);
        continue;
      }
      const names = group.map((p) => `"${p.candidate.packageName}"${p.candidate.packageDir ? ` (${p.candidate.packageDir})` : ''}`);
      const error = new GoferError(
        'ERR_PLUGIN_DUPLICATE',
        `Two plugins are both ${key.replace('/', ' ')}: ${names.join(' and ')}. Fix: uninstall one of them, or remove one from "plugins"/"pluginDirs".`,
        { details: { packages: group.map((p) => p.candidate.packageName) } },
      );
      const required = group.some((p) => isRequired(p.candidate.source, kindOf(p), nameOf(p)));
      for (const p of group) fail(infoOf(p), error, required);
    }

    // 3. Every plugin the config names by name must be among the usable ones.
    const usableKeys = new Set(usable.map((p) => `${kindOf(p)}/${nameOf(p)}`));
    const failedKeys = new Set(failures.map((f) => `${f.info.kind}/${f.info.name}`));
    const wanted: Array<[PluginKind, string]> = [
      ['scheduler', config.scheduler],
      ...Object.keys(config.schedulers).map((n): [PluginKind, string] => ['scheduler', n]),
      ...Object.entries(config.extensions)
        .filter(([, v]) => v !== false)
        .map(([n]): [PluginKind, string] => ['extension', n]),
    ];
    for (const key of new Set(wanted.map(([kind, name]) => `${kind}/${name}`))) {
      const [kind, name] = key.split('/') as [PluginKind, string];
      if (usableKeys.has(`${kind}/${name}`) || failedKeys.has(`${kind}/${name}`)) continue;
      const installed = usable.filter((p) => kindOf(p) === kind).map(nameOf);
      fail(
        { kind, name, packageName: `(${kind} "${name}")`, source: 'config', status: 'failed' },
        new GoferError(
          'ERR_PLUGIN_NOT_INSTALLED',
          `The config names ${kind} "${name}", but no installed plugin provides it (${kind}s found: ${installed.join(', ') || 'none'}; searched ${searchedFolders(config)}). Fix: npm install the package that provides it (for example ${packageHint(kind, name)}) in ${config.root}, list its folder in "pluginDirs", or point "root" (GOFER_ROOT) at the folder whose node_modules holds it.`,
          { details: { kind, name, root: config.root, searched: searchedFolderList(config) } },
        ),
        true,
      );
    }

    // 4. Create the active scheduler and the extensions.
    const dataRoot = config.dataDir === ':memory:' ? mkdtempSync(join(tmpdir(), 'gofer-plugins-')) : join(config.dataDir, 'plugins');
    if (config.dataDir === ':memory:') lifecycle.onClose('stores', 'temporary plugin data', () => rmSync(dataRoot, { recursive: true, force: true }));
    const contextFor = (definition: PluginDefinition): PluginContext => {
      const dataDir = join(dataRoot, definition.kind, definition.name);
      mkdirSync(dataDir, { recursive: true });
      return Object.freeze({
        kind: definition.kind,
        name: definition.name,
        logger: logger.child({ plugin: `${definition.kind}/${definition.name}` }),
        events: { subscribe: (listener: Parameters<typeof bus.subscribe>[0]) => bus.subscribe(listener) },
        dataDir,
        state: stateFor(definition.kind, definition.name),
        signal,
      });
    };

    const creations = usable.map(async (p) => {
      const { definition } = p;
      const info = infoOf(p);
      if (!definition) {
        registry.record(info);
        return;
      }
      const named = isRequired(p.candidate.source, definition.kind, definition.name);
      try {
        if (definition.kind === 'scheduler') {
          const configured = config.schedulers[definition.name];
          if (definition.name !== config.scheduler) {
            // Not in use: check configured settings early, but never create it.
            if (configured !== undefined)
              validateSettings(definition, configured, p.candidate.packageName, `/schedulers/${definition.name}`, configSourceOf(config));
            registry.record(info);
            return;
          }
          const settings = validateSettings(definition, configured, p.candidate.packageName, `/schedulers/${definition.name}`, configSourceOf(config));
          const instance = await createWithTimeout(
            definition,
            () => (definition as SchedulerDefinition).create(contextFor(definition), settings),
            p.candidate.packageName,
            config.pluginTimeoutMs,
            (late) => void late.close?.(),
          );
          checkSchedulerShape(instance, p.candidate.packageName);
          const active: PluginInfo = { ...info, status: 'active' };
          registry.record(active);
          registry.setScheduler(active, instance);
          lifecycle.onClose('scheduler', `scheduler ${definition.name}`, () => instance.close?.());
          return;
        }
        const raw = config.extensions[definition.name];
        if (raw === false) {
          registry.record(info);
          return;
        }
        const settings = validateSettings(definition, raw, p.candidate.packageName, `/extensions/${definition.name}`, configSourceOf(config));
        const base = contextFor(definition);
        const ctx: ExtensionContext = Object.freeze({
          ...base,
          logger: logBook.tee(definition.name, base.logger),
          runs: {
            get: (pipelineId: string, runId: number) => runsView.get().get(pipelineId, runId),
            list: (pipelineId: string, opts?: { limit?: number }) => runsView.get().list(pipelineId, opts),
          },
          secret: async (key: string) => secrets.get(undefined, key),
          startRun: (req: StartRunRequest) => {
            if (!runStarter.isBound) {
              return Promise.reject(
                new GoferError('ERR_EXTENSION_UNAVAILABLE', `Extension "${definition.name}" tried to start a run before Gofer finished starting.`),
              );
            }
            return runStarter.get()(definition.name, req);
          },
        });
        const instance = await createWithTimeout(
          definition,
          () => (definition as ExtensionDefinition).create(ctx, settings),
          p.candidate.packageName,
          config.pluginTimeoutMs,
          (late) => void late.close?.(),
        );
        checkExtensionShape(instance, p.candidate.packageName);
        const active: PluginInfo = { ...info, status: 'active' };
        registry.record(active);
        registry.addExtension({ info: active, definition: definition as ExtensionDefinition, instance });
        lifecycle.onClose('extensions', `extension ${definition.name}`, () => instance.close?.());
      } catch (err) {
        fail(info, asGoferError(err), named);
      }
    });
    await Promise.all(creations);

    const fatal = failures.filter((f) => f.required);
    if (fatal.length > 0) {
      throw new GoferAggregateError(
        'ERR_PLUGIN_STARTUP',
        `Gofer could not start: ${fatal.length} configured plugin${fatal.length === 1 ? '' : 's'} failed to load:`,
        fatal.map((f) => f.error),
      );
    }
    if (!registry.scheduler) {
      throw new GoferError('ERR_PLUGIN_NOT_INSTALLED', `No scheduler is active (config "scheduler": "${config.scheduler}").`);
    }

    logger.debug('plugins loaded', { scheduler: config.scheduler, plugins: registry.list().map((i) => `${i.kind}/${i.name}:${i.status}`) });
    return registry;
  }
}

export const PLUGIN_HOST = token<PluginHost>('gofer.plugin-host');

const kindOf = (p: ImportedPlugin | ListedPlugin): PluginKind => (p.definition ?? p.manifest).kind;
const nameOf = (p: ImportedPlugin | ListedPlugin): string => (p.definition ?? p.manifest).name;

function infoOf(p: ImportedPlugin | ListedPlugin): PluginInfo {
  return {
    kind: kindOf(p),
    name: nameOf(p),
    packageName: p.candidate.packageName,
    packageDir: p.candidate.packageDir,
    version: p.candidate.version,
    source: p.candidate.source,
    status: 'loaded',
    command: p.manifest?.command,
  };
}

function asGoferError(err: unknown): GoferError {
  if (err instanceof GoferError) return err;
  return new GoferError('ERR_INTERNAL', (err as Error)?.message ?? String(err), { cause: err });
}

function checkSchedulerShape(instance: unknown, packageName: string): asserts instance is Scheduler {
  const missing = ['startContainer', 'stopContainer', 'getState', 'getLogs'].filter((m) => typeof (instance as Record<string, unknown>)?.[m] !== 'function');
  if (missing.length > 0) {
    throw new GoferError(
      'ERR_PLUGIN_INVALID_SHAPE',
      `Scheduler from package "${packageName}": create() returned an object without ${missing.join(', ')}. Fix: return an object implementing the Scheduler interface.`,
      { details: { packageName, missing } },
    );
  }
}

function checkExtensionShape(instance: unknown, packageName: string): asserts instance is Extension {
  const missing = ['subscribe', 'unsubscribe'].filter((m) => typeof (instance as Record<string, unknown>)?.[m] !== 'function');
  if (missing.length > 0) {
    throw new GoferError(
      'ERR_PLUGIN_INVALID_SHAPE',
      `Extension from package "${packageName}": create() returned an object without ${missing.join(', ')}. Fix: return an object implementing the Extension interface.`,
      { details: { packageName, missing } },
    );
  }
}

/** The folders discovery looked in, for not-installed messages. */
function searchedFolderList(config: GoferConfig): string[] {
  return [...(config.discover ? [join(config.root, 'node_modules')] : []), ...config.pluginDirs];
}

function searchedFolders(config: GoferConfig): string {
  const folders = searchedFolderList(config);
  return folders.length > 0 ? folders.join(', ') : 'no folder: "discover" is off and "pluginDirs" is empty';
}

/** The package that usually provides a plugin: Gofer's own names, else a guess in the same style. */
function packageHint(kind: PluginKind, name: string): string {
  return kind === 'scheduler' ? `@gofer/scheduler-${name}` : `@gofer/extension-${name}`;
}
