/**
 * The stdio protocol between Gofer and an out-of-process extension: one JSON object per line,
 * UTF-8, on the process's stdin (host -> extension) and stdout (extension -> host). stderr is
 * logged as it comes. Version 1; docs/extensions.md ("Writing an extension in any language") is the
 * user-facing description of the same rules.
 */
import { problemLines } from '../../api/index.js';
import { describeAjvErrors, validatorFor } from '../../api/ajv.js';

/** The protocol version the host speaks, passed to the process as GOFER_PROTOCOL_VERSION. */
export const STDIO_PROTOCOL_VERSION = 1;

/** Messages the host sends. */
export type HostMessage =
  | { type: 'subscribe'; subscriptionId: string; pipelineId: string; settings: Record<string, string> }
  | { type: 'unsubscribe'; subscriptionId: string }
  | { type: 'shutdown' }
  | { type: 'runStarted'; requestId?: string; subscriptionId: string; pipelineId: string; runId: number; eventId?: string }
  | { type: 'error'; requestId?: string; code: string; message: string };

/** Messages an extension sends. */
export type ExtensionMessage =
  | { type: 'subscribed'; subscriptionId: string }
  | { type: 'subscribeFailed'; subscriptionId: string; reason: string }
  | { type: 'startRun'; subscriptionId: string; variables?: Record<string, string>; reason: string; eventId?: string; requestId?: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

const id = { type: 'string', minLength: 1, maxLength: 200 };
const SCHEMAS: Record<ExtensionMessage['type'], object> = {
  subscribed: { type: 'object', required: ['subscriptionId'], properties: { type: {}, subscriptionId: id } },
  subscribeFailed: { type: 'object', required: ['subscriptionId', 'reason'], properties: { type: {}, subscriptionId: id, reason: { type: 'string' } } },
  startRun: {
    type: 'object',
    required: ['subscriptionId', 'reason'],
    properties: {
      type: {},
      subscriptionId: id,
      variables: { type: 'object', additionalProperties: { type: 'string' } },
      reason: { type: 'string', maxLength: 2000 },
      eventId: id,
      requestId: id,
    },
  },
  log: {
    type: 'object',
    required: ['level', 'message'],
    properties: { type: {}, level: { enum: ['debug', 'info', 'warn', 'error'] }, message: { type: 'string' }, fields: { type: 'object' } },
  },
};

/** A parsed line: a message, or why the line is not one. */
export type ParsedLine = { ok: true; message: ExtensionMessage } | { ok: false; problem: string };

/** Parses and validates one line from an extension's stdout. Never throws. */
export function parseExtensionLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'not a JSON object' };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in SCHEMAS)) {
    return { ok: false, problem: `unknown "type" ${JSON.stringify(type)} (expected one of ${Object.keys(SCHEMAS).join(', ')})` };
  }
  const validate = validatorFor(SCHEMAS[type as ExtensionMessage['type']]);
  if (!validate(value)) return { ok: false, problem: `"${type}" message: ${problemLines(describeAjvErrors(validate.errors)).join('; ')}` };
  return { ok: true, message: value as ExtensionMessage };
}

/** One line of the host's side of the protocol. */
export function encodeHostMessage(message: HostMessage): string {
  return `${JSON.stringify(message)}\n`;
}
