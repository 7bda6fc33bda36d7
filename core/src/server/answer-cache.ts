/**
 * Cached JSON answers of read routes that opt in (`cache` in the route table). A list answer is
 * a function of the request's URL, the caller's scope (what its token may see) and the stored
 * data, so an entry is keyed on the first two and kept with the data's version
 * (stores/data-version.ts): any write moves the version and the next request reads afresh. An
 * answer read while the version moved under it is not kept. Each answer has an ETag (a hash of
 * its bytes), and a request whose If-None-Match names the current one gets 304.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal.js';

/** Answers kept at most; past this the oldest is dropped. */
export const CACHED_ANSWERS = 500;

/** One kept answer: its JSON as UTF-8 bytes (encoded once, not on every send) and ETag, for the data version it was read at. */
export interface CachedAnswer {
  version: number;
  bytes: Buffer;
  etag: string;
}

/** What the answer of a caller depends on besides the URL: the pipelines its token may see. */
function scopeOf(principal: Principal): string {
  if (principal.kind === 'management') return 'management';
  if (principal.kind === 'client') return `client:${JSON.stringify([...principal.namespaces].sort())}`;
  return `run:${principal.pipelineId}`;
}

/** The strong ETag of an answer: its bytes' sha256, shortened. */
export function etagOf(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

/** True when an If-None-Match header names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  // Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export class AnswerCache {
  private readonly answers = new Map<string, CachedAnswer>();

  constructor(
    /** The data's current version. */
    readonly version: () => number,
    private readonly max = CACHED_ANSWERS,
  ) {}

  /** The key of a request: route, caller scope, URL (path and query), and the headers the route reads. */
  keyOf(operationId: string, principal: Principal, url: string, headers: IncomingHttpHeaders, vary: readonly string[] = []): string {
    let key = `${operationId}\n${scopeOf(principal)}\n${url}`;
    for (const name of vary) key += `\n${String(headers[name] ?? '')}`;
    return key;
  }

  /** The answer kept for `key`, when it was read at the current version. */
  get(key: string): CachedAnswer | undefined {
    const answer = this.answers.get(key);
    if (!answer) return undefined;
    if (answer.version === this.version()) return answer;
    this.answers.delete(key);
    return undefined;
  }

  /**
   * Keeps `json`, read by a handler that started at `version`, unless the data moved meanwhile
   * (then what it read may mix two versions). Returns the answer with its ETag either way.
   */
  set(key: string, version: number, json: string): CachedAnswer {
    const bytes = Buffer.from(json, 'utf8');
    const answer: CachedAnswer = { version, bytes, etag: etagOf(bytes) };
    if (version !== this.version()) return answer;
    this.answers.delete(key);
    if (this.answers.size >= this.max) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, answer);
    return answer;
  }

  get size(): number {
    return this.answers.size;
  }
}
