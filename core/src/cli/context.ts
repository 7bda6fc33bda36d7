/** What every command needs: the global options, the API client, and argument parsers. */
import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient, resolveBaseUrl } from './api-client.js';

/** Global options (`gofer --host ... --token ... --json`). */
export interface GlobalOptions {
  host?: string;
  token?: string;
  json?: boolean;
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** The API client for a command, from --host/GOFER_HOST and --token/GOFER_TOKEN. */
export function clientOf(cmd: Command): ApiClient {
  const g = globalsOf(cmd);
  const token = g.token ?? process.env.GOFER_TOKEN;
  return new ApiClient({ baseUrl: resolveBaseUrl(g.host), ...(token ? { token } : {}) });
}

/** Collects repeated `-v KEY=VALUE` options into a map. */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not KEY=VALUE.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** A positive integer argument (run ids). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  return n;
}

/** `500ms`, `30s`, `5m`, `2h`, `7d`, or plain milliseconds. */
export function durationMs(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration such as 30s, 5m, 2h or 7d.`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

/** URL path segment. */
export const seg = (s: string | number) => encodeURIComponent(String(s));
