/**
 * Turns a delivery into runtime variables according to the subscription's `variable.<NAME>`
 * settings: `body:/pointer/into/json` (RFC 6901 JSON pointer) or `header:<Header-Name>`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GoferError } from '@gofer/core/api';

/** Subscription setting keys that map a variable: `variable.REF`. */
export const VARIABLE_KEY_PATTERN = '^variable\\.[A-Za-z_][A-Za-z0-9_]*$';
/** Their values: where the variable comes from. */
export const VARIABLE_SOURCE_PATTERN = "^(body:(/.*)?|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$";

/** Reads `pointer` ("" = the whole document, "/a/0/b") in `doc`; undefined when absent. */
export function readPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function asVariable(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a primitive here: objects are handled below
  if (typeof value !== 'object') return typeof value === 'string' ? value : String(value);
  try {
    return JSON.stringify(value);
  } catch (err) {
    // A JSON.parse-able body can still be too deeply nested for JSON.stringify (stack overflow):
    // a bad delivery (400), not an internal failure.
    throw new GoferError(
      'ERR_INVALID_ARGUMENT',
      `The value mapped to variable ${name} cannot be encoded as JSON (nested too deeply?): ${(err as Error).message}`,
      { cause: err, details: { variable: name } },
    );
  }
}

/** The variables a delivery yields. A source that is absent from the delivery is left out. */
export function mapVariables(settings: Record<string, string>, body: unknown, headers: IncomingHttpHeaders): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [key, source] of Object.entries(settings)) {
    if (!key.startsWith('variable.')) continue;
    const name = key.slice('variable.'.length);
    let value: string | undefined;
    if (source.startsWith('body:')) value = asVariable(readPointer(body, source.slice('body:'.length)), name);
    else if (source.startsWith('header:')) {
      const header = headers[source.slice('header:'.length).toLowerCase()];
      value = Array.isArray(header) ? header.join(', ') : header;
    }
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}
