/**
 * Loads `gofer.config.json`: file, then `GOFER_*` environment overrides, then the host's
 * options; validated with ajv (defaults applied) and frozen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GoferError, problemLines, type GoferConfig, type GoferOptions } from '../api/index.js';
import { describeAjvErrors, validatorFor } from '../api/ajv.js';
import { CONFIG_SCHEMA, ENV_OVERRIDES } from './config-schema.js';

export const DEFAULT_CONFIG_FILE = 'gofer.config.json';

type Json = Record<string, unknown>;

function readConfigFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GoferError('ERR_CONFIG_NOT_FOUND', `Cannot read the config file ${path}. Check the path given with --config or GOFER_CONFIG.`, {
      cause,
      details: { path },
    });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return parsed as Json;
  } catch (cause) {
    throw new GoferError('ERR_CONFIG_INVALID', `The config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause, details: { path } });
  }
}

function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1]!] = value;
}

function mergeDeep(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlainObject(v) && isPlainObject(prev) ? mergeDeep(prev, v) : v;
  }
  return out;
}

function hasPath(target: unknown, path: string[]): boolean {
  let node = target;
  for (const key of path) {
    if (!isPlainObject(node) || node[key] === undefined) return false;
    node = node[key];
  }
  return true;
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Resolves the config for `createGofer`. Throws ERR_CONFIG_NOT_FOUND / ERR_CONFIG_INVALID. */
export function loadConfig(options: GoferOptions = {}, env: NodeJS.ProcessEnv = process.env): GoferConfig {
  const useEnv = options.useEnv ?? true;
  const explicitPath = options.configPath ?? (useEnv ? env.GOFER_CONFIG : undefined);
  const path = explicitPath ? resolve(explicitPath) : resolve(DEFAULT_CONFIG_FILE);
  const hasFile = Boolean(explicitPath) || existsSync(path);
  const fromFile = hasFile ? readConfigFile(path) : {};
  const baseDir = hasFile ? dirname(path) : process.cwd();

  const fromEnv: Json = {};
  /** The overrides that were set, so a problem in a value they gave names the variable. */
  const envGiven: Array<{ env: string; pointer: string; raw: string }> = [];
  if (useEnv) {
    for (const o of ENV_OVERRIDES) {
      const raw = env[o.env];
      if (raw === undefined || raw === '') continue;
      setPath(fromEnv, o.path, o.parse(raw));
      // A key the host's options also set is theirs, not the variable's.
      if (!hasPath(options.config, o.path)) envGiven.push({ env: o.env, pointer: `/${o.path.join('/')}`, raw });
    }
  }
  const merged = mergeDeep(mergeDeep(fromFile, fromEnv), options.config ?? {});

  const validate = validatorFor(CONFIG_SCHEMA);
  if (!validate(merged)) {
    const problems = describeAjvErrors(validate.errors);
    const byVariable = problems.map((p) => envGiven.find((e) => p.path === e.pointer || p.path.startsWith(`${e.pointer}/`)));
    if (byVariable.every((e) => e !== undefined)) {
      // Only environment variables are wrong: the file (if any) is fine, so it is not blamed.
      const variables = [...new Set(byVariable.map((e) => e.env))];
      const lines = problems.map((p, i) => `${byVariable[i]!.env}=${JSON.stringify(byVariable[i]!.raw)}: ${p.message}`);
      throw new GoferError(
        'ERR_CONFIG_INVALID',
        `The environment variable${variables.length > 1 ? 's' : ''} ${variables.join(', ')} ${variables.length > 1 ? 'are' : 'is'} invalid:\n  ${lines.join('\n  ')}\nFix: correct ${variables.join(', ')} or unset ${variables.length > 1 ? 'them' : 'it'} (see docs/configuration.md).`,
        { details: { problems, variables } },
      );
    }
    for (const [i, e] of byVariable.entries())
      if (e) problems[i] = { ...problems[i]!, message: `${problems[i]!.message} (set by ${e.env}=${JSON.stringify(e.raw)})` };
    throw new GoferError(
      'ERR_CONFIG_INVALID',
      `The Gofer config is invalid (file: ${hasFile ? path : 'none'}):\n  ${problemLines(problems).join('\n  ')}\nFix: ${fixWhere(hasFile ? path : undefined, options.config !== undefined, useEnv)}.`,
      { details: { problems } },
    );
  }

  const root = resolve(baseDir, typeof merged.root === 'string' ? merged.root : '.');
  const server = merged.server as GoferConfig['server'];
  const resolved = {
    ...merged,
    root,
    dataDir: merged.dataDir === ':memory:' ? ':memory:' : resolve(root, merged.dataDir as string),
    pluginDirs: (merged.pluginDirs as string[]).map((d) => resolve(root, d)),
    server: server.uiDir === undefined ? server : { ...server, uiDir: resolve(root, server.uiDir) },
  };
  delete (resolved as Json).$schema;
  const config = deepFreeze(resolved as unknown as GoferConfig);
  configSources.set(config, whereGiven(hasFile ? path : undefined, options.config !== undefined, useEnv));
  return config;
}

/** Where each loaded config came from, for messages about keys in it (see configSourceOf). */
const configSources = new WeakMap<GoferConfig, string>();

/**
 * Where the user gave `config`, in words: "the config passed to createGofer({ config }) or
 * /app/gofer.config.json", so an error about a key sends them to what they can edit.
 */
export function configSourceOf(config: GoferConfig): string {
  return configSources.get(config) ?? 'the Gofer config';
}

/** Where the user gave the config, so the fix names what they can edit. */
function fixWhere(file: string | undefined, fromOptions: boolean, useEnv: boolean): string {
  return `correct these keys in ${whereGiven(file, fromOptions, useEnv)}`;
}

function whereGiven(file: string | undefined, fromOptions: boolean, useEnv: boolean): string {
  const places = [
    ...(fromOptions ? ['the config passed to createGofer({ config })'] : []),
    ...(file ? [file] : []),
    ...(useEnv ? ['the GOFER_* environment variables'] : []),
  ];
  return places.join(' or ') || 'the Gofer config';
}
