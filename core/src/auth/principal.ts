/** Who is calling the HTTP API, once their bearer token has been verified. */
import { GoferError } from '../api/index.js';

/** A management token, a client token (namespaces), or a run's own GOFER_API_TOKEN. */
export type Principal =
  | { kind: 'management'; tokenId: string }
  | { kind: 'client'; tokenId: string; namespaces: readonly string[] }
  | { kind: 'run'; pipelineId: string; runId: number };

/** A short name for run initiators and logs. */
export function principalName(p: Principal): string {
  return p.kind === 'run' ? `run ${p.pipelineId}#${p.runId}` : `token ${p.tokenId}`;
}

/** Refuses (ERR_FORBIDDEN) anything but a management token. */
export function requireManagement(p: Principal): void {
  if (p.kind !== 'management') throw new GoferError('ERR_FORBIDDEN', 'This route needs a management token.', { details: { principal: p.kind } });
}

/** True when the principal may act on pipelines of `namespace` (and on `pipelineId`, for run tokens). */
export function mayAccess(p: Principal, namespace: string, pipelineId?: string): boolean {
  if (p.kind === 'management') return true;
  if (p.kind === 'client') return p.namespaces.includes(namespace);
  return pipelineId !== undefined && pipelineId === p.pipelineId;
}

/** Refuses (ERR_FORBIDDEN) a principal that may not act on the namespace or pipeline. */
export function requireAccess(p: Principal, namespace: string, pipelineId?: string): void {
  if (mayAccess(p, namespace, pipelineId)) return;
  const what = pipelineId ? `the pipeline "${pipelineId}" in namespace "${namespace}"` : `the namespace "${namespace}"`;
  throw new GoferError('ERR_FORBIDDEN', `This token may not act on ${what}.`, { details: { namespace, ...(pipelineId ? { pipelineId } : {}) } });
}
