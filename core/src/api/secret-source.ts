/**
 * Secrets that live outside Gofer: for scheduler plugins that resolve a task's `secrets`
 * (`ENV -> location`) from a source the operator configures in the plugin's settings (a folder
 * of files, or an env-file). Gofer's core never calls this: it passes locations through
 * untouched; the scheduler reads the values just before it starts the container.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { GoferError } from './errors.js';

/** Schema of {@link SecretSourceSettings}, for a plugin's `settingsSchema`. */
export const SECRET_SOURCE_SCHEMA = Type.Union(
  [
    /** `<dir>/<location>` is a file holding the value (one trailing newline is dropped). */
    Type.Object({ dir: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    /** A file of `KEY=VALUE` lines; `location` names the key. */
    Type.Object({ envFile: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { description: 'Where secrets are read: { "dir": "/path" } (one file per location) or { "envFile": "/path" } (KEY=VALUE lines).' },
);

/** Where task secrets (`ENV -> location`) are read from. */
export type SecretSourceSettings = Static<typeof SECRET_SOURCE_SCHEMA>;

/** Reads every secret of one task; fails with ERR_NOT_FOUND naming the first missing location. */
export async function resolveSecrets(secrets: Record<string, string>, source: SecretSourceSettings | undefined): Promise<Record<string, string>> {
  const entries = Object.entries(secrets);
  if (entries.length === 0) return {};
  if (!source) {
    throw new GoferError(
      'ERR_NOT_FOUND',
      `The task asks for secrets (${entries.map(([env]) => env).join(', ')}) but the scheduler has no secrets source: set "secrets": { "dir": "/path" } or { "envFile": "/path" } in its settings.`,
      { details: { secrets: entries.map(([env]) => env) } },
    );
  }
  if ('dir' in source) return readFromDir(entries, source.dir);
  return readFromEnvFile(entries, source.envFile);
}

async function readFromDir(entries: Array<[string, string]>, dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [env, location] of entries) {
    const path = resolve(dir, location);
    const rel = relative(resolve(dir), path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new GoferError('ERR_INVALID_ARGUMENT', `Secret location "${location}" (for ${env}) must name a file inside the secrets directory ${dir}.`, {
        details: { env, location },
      });
    }
    let value: string;
    try {
      value = await readFile(path, 'utf8');
    } catch (cause) {
      throw new GoferError(
        'ERR_NOT_FOUND',
        `Secret "${location}" (for ${env}) is not in the secrets directory: ${path} cannot be read. Create the file or fix the task's secret location.`,
        { cause, details: { env, location } },
      );
    }
    out[env] = value.endsWith('\n') ? value.slice(0, value.endsWith('\r\n') ? -2 : -1) : value;
  }
  return out;
}

async function readFromEnvFile(entries: Array<[string, string]>, file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new GoferError('ERR_NOT_FOUND', `The secrets env-file ${file} cannot be read; fix the scheduler's "secrets.envFile" setting.`, { cause });
  }
  const values = parseEnvFile(text);
  const out: Record<string, string> = {};
  for (const [env, location] of entries) {
    const value = values.get(location);
    if (value === undefined) {
      throw new GoferError(
        'ERR_NOT_FOUND',
        `Secret "${location}" (for ${env}) is not in the secrets env-file ${file}. Add a line ${location}=... or fix the task's secret location.`,
        { details: { env, location } },
      );
    }
    out[env] = value;
  }
  return out;
}

/** `KEY=VALUE` per line; blank lines and `#` comments skipped; one pair of surrounding quotes removed. */
export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line
      .slice(0, eq)
      .replace(/^export\s+/, '')
      .trim();
    let value = line.slice(eq + 1);
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    values.set(key, value);
  }
  return values;
}
