/** Turns a request's `Authorization: Bearer <token>` header into a {@link Principal}, or refuses it. */
import type { IncomingMessage } from 'node:http';
import { GoferError } from '../api/index.js';
import type { Principal } from '../auth/principal.js';
import type { TokenStore } from '../auth/token-store.js';

/** Verifies run-scoped tokens (`GOFER_API_TOKEN`), issued by the runs module while a run is unfinished. */
export interface RunTokenVerifier {
  verify(secret: string): { pipelineId: string; runId: number } | undefined;
}

/** Reads the bearer token; throws ERR_UNAUTHENTICATED when it is missing, unknown or expired. */
export function authenticate(req: IncomingMessage, tokens: TokenStore, runTokens?: RunTokenVerifier): Principal {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new GoferError('ERR_UNAUTHENTICATED', 'Missing API token: send "Authorization: Bearer <token>" (CLI: --token or GOFER_TOKEN).');
  const secret = match[1]!;
  const token = tokens.verify(secret);
  if (token)
    return token.kind === 'management'
      ? { kind: 'management', tokenId: token.tokenId }
      : { kind: 'client', tokenId: token.tokenId, namespaces: token.namespaces };
  const run = runTokens?.verify(secret);
  if (run) return { kind: 'run', pipelineId: run.pipelineId, runId: run.runId };
  throw new GoferError('ERR_UNAUTHENTICATED', 'The API token is unknown, revoked or expired.');
}
