/** Matches a method and path against the route table's `{param}` templates. */
import type { HttpMethod, Route } from './route.js';

interface Compiled {
  route: Route;
  segments: string[];
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** A router over a fixed table. Literal segments win over parameters at the same position. */
export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly Route[]) {
    // Literal-first order, so `/api/tokens/bootstrap` beats `/api/tokens/{tokenId}`.
    const weight = (segs: string[]) => segs.map((s) => (s.startsWith('{') ? '1' : '0')).join('');
    this.compiled = routes
      .map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }))
      .sort((a, b) => weight(a.segments).localeCompare(weight(b.segments)));
  }

  /** The matching route, `method-not-allowed` when only the path matches, or undefined. */
  match(method: string, pathname: string): Match | 'method-not-allowed' | undefined {
    const parts = pathname.split('/').filter(Boolean).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    let pathMatched = false;
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      if (route.method === (method as HttpMethod)) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    if (t.startsWith('{') && t.endsWith('}')) params[t.slice(1, -1)] = parts[i]!;
    else if (t !== parts[i]) return undefined;
  }
  return params;
}
