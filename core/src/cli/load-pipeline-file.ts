/**
 * Reads a pipeline file for `gofer pipeline create`: JSON, a JavaScript module, or a
 * TypeScript module written with the SDK. A TypeScript module is loaded by Node itself where it
 * strips types (Node 22.18+ and 24: `process.features.typescript`), else, or when it uses syntax
 * stripping cannot handle (an `enum`, an import of `./x.js` meaning `./x.ts`), through tsx when it
 * is installed. A module's default export is a `Pipeline` builder or a plain config.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GoferError } from '../api/errors.js';

interface Buildable {
  toJSON(): unknown;
}

function configOf(exported: unknown, path: string): unknown {
  if (exported && typeof (exported as Buildable).toJSON === 'function') return (exported as Buildable).toJSON();
  if (exported && typeof exported === 'object') return exported;
  throw new GoferError('ERR_INVALID_ARGUMENT', `${path} has no default export holding a pipeline: export default new Pipeline(...).tasks(...)`, {
    details: { path },
  });
}

/**
 * Errors Node raises while parsing or linking a TypeScript module, before any of its code ran, for
 * what type stripping cannot do: tsx can load such a module, and nothing ran twice.
 */
const STRIPPING_CANNOT = new Set([
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_MODULE_NOT_FOUND',
]);

let tsxRegistered: Promise<void> | undefined;

/** Loads a TypeScript module: Node's own type stripping where it has it, else tsx. */
export async function importTypeScript(url: string, path: string): Promise<Record<string, unknown>> {
  let strippingFailed: Error | undefined;
  // Once tsx is registered it takes every TypeScript import: the same module keeps one URL.
  if (!tsxRegistered && (process.features as { typescript?: string | false }).typescript) {
    try {
      return (await import(url)) as Record<string, unknown>;
    } catch (err) {
      if (!STRIPPING_CANNOT.has((err as { code?: string }).code ?? '')) throw err;
      strippingFailed = err as Error;
    }
  }
  return importWithTsx(url, path, strippingFailed);
}

/** Marks the URL of a module loaded through tsx (and keeps a failed stripping attempt's cache entry apart). */
const TSX_QUERY = 'gofer-loader=tsx';

/**
 * Loads a TypeScript module through tsx's loader, registered once for the process; a clear error
 * when tsx is not installed, which keeps Node's own reason when type stripping was tried first (a
 * genuinely missing import is ERR_MODULE_NOT_FOUND too, and must not read as "install tsx" alone).
 * Not tsx's `tsImport`: it loads the module's imports under a namespace of their own, so a
 * pipeline's `import { Pipeline } from '@gofer/core'` got a second copy of the whole core (2.5 s
 * of CPU on every `gofer pipeline create` and demo on Node 20, and a `Pipeline` that is not the
 * host's class). Registered globally, the module shares the modules the process already loaded.
 */
async function importWithTsx(url: string, path: string, strippingFailed?: Error): Promise<Record<string, unknown>> {
  tsxRegistered ??= registerTsx(path, strippingFailed);
  try {
    await tsxRegistered;
  } catch (err) {
    tsxRegistered = undefined;
    throw err;
  }
  return (await import(`${url}${url.includes('?') ? '&' : '?'}${TSX_QUERY}`)) as Record<string, unknown>;
}

async function registerTsx(path: string, strippingFailed?: Error): Promise<void> {
  const specifier = 'tsx/esm/api';
  let tsx: { register: () => unknown };
  try {
    tsx = (await import(specifier)) as typeof tsx;
  } catch (cause) {
    const why = strippingFailed
      ? `Node could not load ${path} by stripping its types (${strippingFailed.message}), and tsx`
      : `Loading a TypeScript pipeline (${path})`;
    throw new GoferError('ERR_INVALID_ARGUMENT', `${why} needs the "tsx" package: npm install --save-dev tsx, or compile the file to .js / write JSON.`, {
      cause: strippingFailed ?? cause,
      details: { path },
    });
  }
  tsx.register();
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
