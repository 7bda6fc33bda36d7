/**
 * Loads `gofer.config.json`: file, then `GOFER_*` environment overrides, then the host's
 * options; validated with ajv (defaults applied) and frozen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GoferError, type GoferConfig, type GoferOptions } from '../api/index.js';
import { describeAjvErrors, validatorFor } from '../plugins/ajv.js';
import { CONFIG_SCHEMA, ENV_OVERRIDES } from './config-schema.js';

export const DEFAULT_CONFIG_FILE = 'gofer.config.json';

type Json = Record<string, unknown>;

function readConfigFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GoferError('ERR_CONFIG_NOT_FOUND', `Cannot read the config file ${path}. Check the path given with --config or GOFER_CONFIG.`, { cause, details: { path } });
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
  const fromFile = explicitPath || existsSync(path) ? readConfigFile(path) : {};
  const baseDir = explicitPath || existsSync(path) ? dirname(path) : process.cwd();

  const fromEnv: Json = {};
  if (useEnv) {
    for (const o of ENV_OVERRIDES) {
      const raw = env[o.env];
      if (raw !== undefined && raw !== '') setPath(fromEnv, o.path, o.parse(raw));
    }
  }
  const merged = mergeDeep(mergeDeep(fromFile, fromEnv), (options.config ?? {}) as Json);

  const validate = validatorFor(CONFIG_SCHEMA);
  if (!validate(merged)) {
    const problems = describeAjvErrors(validate.errors);
    throw new GoferError('ERR_CONFIG_INVALID', `The Gofer config is invalid (file: ${fromFile === undefined ? 'none' : path}):\n  ${problems.join('\n  ')}\nFix these keys in gofer.config.json or the GOFER_* environment variables.`, { details: { problems } });
  }

  const root = resolve(baseDir, typeof merged.root === 'string' ? merged.root : '.');
  const resolved = {
    ...merged,
    root,
    dataDir: merged.dataDir === ':memory:' ? ':memory:' : resolve(root, merged.dataDir as string),
    pluginDirs: (merged.pluginDirs as string[]).map((d) => resolve(root, d)),
  };
  delete (resolved as Json).$schema;
  return deepFreeze(resolved as unknown as GoferConfig);
}
