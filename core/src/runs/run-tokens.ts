/**
 * Run-scoped API tokens, injected as `GOFER_API_TOKEN` into tasks that set `injectApiToken`.
 * A token is random (32 bytes, base64url, prefixed `gofer_run_`); only its SHA-256 is stored.
 * It is scoped to the run's pipeline and revoked when the run ends. The HTTP service checks a
 * bearer token with {@link RunTokens.verify}.
 */
import { createHash, randomBytes } from 'node:crypto';
import { injectable, token } from '../kernel/di.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';

/** What a valid run token grants: access to this pipeline, on behalf of this run. */
export interface RunTokenScope {
  pipelineId: string;
  runId: number;
}

/** The prefix every run token starts with, so the service can tell it from other tokens. */
export const RUN_TOKEN_PREFIX = 'gofer_run_';

/** SHA-256 hex of a token: what the table stores. */
export function hashRunToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues, verifies and revokes run-scoped API tokens. */
@injectable(DATABASE)
export class RunTokens {
  private readonly insert;
  private readonly select;
  private readonly revoke;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO run_tokens (token_hash, pipeline_id, run_id, created) VALUES (?, ?, ?, ?)');
    this.select = db.prepare<[string], { pipeline_id: string; run_id: number }>(
      'SELECT pipeline_id, run_id FROM run_tokens WHERE token_hash = ? AND revoked IS NULL',
    );
    this.revoke = db.prepare('UPDATE run_tokens SET revoked = ? WHERE pipeline_id = ? AND run_id = ? AND revoked IS NULL');
  }

  /** Makes a new token for a run and stores its hash. The plaintext is returned once. */
  issue(pipelineId: string, runId: number): string {
    const token = `${RUN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    this.insert.run(hashRunToken(token), pipelineId, runId, Date.now());
    return token;
  }

  /** The scope of a token, or undefined when it is unknown or revoked. */
  verify(token: string): RunTokenScope | undefined {
    if (typeof token !== 'string' || !token.startsWith(RUN_TOKEN_PREFIX)) return undefined;
    const row = this.select.get(hashRunToken(token));
    return row ? { pipelineId: row.pipeline_id, runId: row.run_id } : undefined;
  }

  /** Revokes every token of a run (called when the run completes). */
  revokeRun(pipelineId: string, runId: number): void {
    this.revoke.run(Date.now(), pipelineId, runId);
  }

  /** Drops the tokens of a deleted pipeline. */
  deletePipeline(pipelineId: string): void {
    this.db.prepare('DELETE FROM run_tokens WHERE pipeline_id = ?').run(pipelineId);
  }
}

/**
 * The one RunTokens instance: the runs module issues and revokes through it, and the HTTP
 * service verifies bearer tokens with it (`verify(token)`: which pipeline and run it belongs to).
 */
export const RUN_TOKENS = token<RunTokens>('gofer.run-tokens');
