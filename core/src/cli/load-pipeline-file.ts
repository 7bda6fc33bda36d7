/**
 * Reads a pipeline file for `gofer pipeline create`: JSON, a JavaScript module, or a
 * TypeScript module written with the SDK (loaded through tsx when it is installed). A module's
 * default export is a `Pipeline` builder or a plain config.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GoferError } from '../api/index.js';

interface Buildable {
  toJSON(): unknown;
}

function configOf(exported: unknown, path: string): unknown {
  if (exported && typeof (exported as Buildable).toJSON === 'function') return (exported as Buildable).toJSON();
  if (exported && typeof exported === 'object') return exported;
  throw new GoferError('ERR_INVALID_ARGUMENT', `${path} has no default export holding a pipeline: export default new Pipeline(...).tasks(...)`, { details: { path } });
}

/** Loads a TypeScript module with tsx's loader API; a clear error when tsx is not installed. */
async function importTypeScript(url: string, path: string): Promise<Record<string, unknown>> {
  const specifier = 'tsx/esm/api';
  let tsx: { tsImport: (url: string, parent: string) => Promise<Record<string, unknown>> };
  try {
    tsx = (await import(specifier)) as typeof tsx;
  } catch (cause) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `Loading a TypeScript pipeline (${path}) needs the "tsx" package: npm install --save-dev tsx, or compile the file to .js / write JSON.`, { cause, details: { path } });
  }
  return tsx.tsImport(url, import.meta.url);
}

/** The pipeline config a file holds (not yet validated: the service validates it). */
export async function loadPipelineFile(file: string): Promise<unknown> {
  const path = resolve(file);
  if (path.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new GoferError('ERR_NOT_FOUND', `Cannot read ${path}: ${(cause as Error).message}`, { cause, details: { path } });
    }
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new GoferError('ERR_INVALID_ARGUMENT', `${path} is not valid JSON: ${(cause as Error).message}`, { cause, details: { path } });
    }
  }
  const url = pathToFileURL(path).href;
  try {
    const mod = /\.(c|m)?ts$/.test(path) ? await importTypeScript(url, path) : ((await import(url)) as Record<string, unknown>);
    return configOf(mod.default ?? mod.pipeline, path);
  } catch (err) {
    if (err instanceof GoferError) throw err;
    throw new GoferError('ERR_INVALID_ARGUMENT', `Cannot load the pipeline module ${path}: ${(err as Error).message}`, { cause: err, details: { path } });
  }
}
