/**
 * API tokens and namespaces, kept in Gofer's SQLite database (module "auth"). Secrets are
 * returned once, at creation, and stored only as hashes.
 */
import type { SqliteDatabase } from '../stores/sqlite-database.js';
import { randomUUID } from 'node:crypto';
import { GoferError } from '../api/index.js';
import { applyMigrations } from '../stores/migrations.js';
import { AUTH_MIGRATIONS } from './auth-schema.js';
import { hashTokenSecret, newTokenSecret } from './token-secret.js';

/** `management` may do everything; `client` may act only on pipelines of its namespaces. */
export type TokenKind = 'management' | 'client';

/** A token as listed: never its secret. */
export interface ApiToken {
  tokenId: string;
  kind: TokenKind;
  /** Namespaces a client token may act on (management tokens: all, listed as []). */
  namespaces: string[];
  description: string;
  created: number;
  /** Milliseconds since the epoch; absent: never expires. */
  expires?: number;
}

/** What creating a token returns: the only time the secret is shown. */
export interface NewApiToken {
  token: ApiToken;
  secret: string;
}

/** A namespace pipelines belong to. */
export interface Namespace {
  namespaceId: string;
  description: string;
  created: number;
}

export interface CreateTokenRequest {
  kind: TokenKind;
  namespaces?: string[];
  description?: string;
  /** Lifetime; absent or 0: never expires. */
  expiresInMs?: number;
}

interface TokenRow {
  token_id: string;
  hash: string;
  kind: TokenKind;
  namespaces: string;
  description: string;
  created: number;
  expires: number | null;
}

function toToken(row: TokenRow): ApiToken {
  const token: ApiToken = {
    tokenId: row.token_id,
    kind: row.kind,
    namespaces: JSON.parse(row.namespaces) as string[],
    description: row.description,
    created: row.created,
  };
  if (row.expires !== null) token.expires = row.expires;
  return token;
}

/** Verified tokens kept in memory at most; past this the oldest is dropped. */
export const VERIFIED_TOKENS_CACHED = 1000;

export class TokenStore {
  /**
   * Tokens verified before, by the hash of their secret: every API request verifies one, and a
   * SQLite read plus parsing the row cost more than the rest of a small answer. Only tokens that
   * exist are kept (a caller trying unknown secrets fills nothing); expiry is checked on every
   * use; `delete` drops the entry, and this store is the only writer of `auth_tokens`.
   */
  private readonly verified = new Map<string, ApiToken>();
  private readonly selectByHash;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    applyMigrations(db, 'auth', AUTH_MIGRATIONS);
    this.selectByHash = db.prepare<[string], TokenRow>('SELECT * FROM auth_tokens WHERE hash = ?');
  }

  /** Creates a token. Client tokens need at least one existing namespace. */
  create(req: CreateTokenRequest): NewApiToken {
    const namespaces = req.kind === 'management' ? [] : [...new Set(req.namespaces ?? [])];
    if (req.kind === 'client') {
      if (namespaces.length === 0)
        throw new GoferError('ERR_INVALID_ARGUMENT', 'A client token needs at least one namespace: pass namespaces (for example ["default"]).', {
          details: { field: 'namespaces' },
        });
      for (const ns of namespaces) this.getNamespace(ns);
    }
    const secret = newTokenSecret();
    const created = this.now();
    const row: TokenRow = {
      token_id: randomUUID(),
      hash: hashTokenSecret(secret),
      kind: req.kind,
      namespaces: JSON.stringify(namespaces),
      description: req.description ?? '',
      created,
      expires: req.expiresInMs ? created + req.expiresInMs : null,
    };
    this.db
      .prepare(
        'INSERT INTO auth_tokens (token_id, hash, kind, namespaces, description, created, expires) VALUES (@token_id, @hash, @kind, @namespaces, @description, @created, @expires)',
      )
      .run(row);
    return { token: toToken(row), secret };
  }

  /** Creates the first management token; refused (ERR_CONFLICT) once any token exists. */
  bootstrap(): NewApiToken {
    return this.db
      .transaction(() => {
        const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM auth_tokens').get() as { n: number };
        if (n > 0)
          throw new GoferError(
            'ERR_CONFLICT',
            'Tokens already exist, so a bootstrap token cannot be made. Ask an operator with a management token to create one (gofer token create).',
          );
        return this.create({ kind: 'management', description: 'bootstrap' });
      })
      .immediate();
  }

  /** The token a secret belongs to, when it exists and has not expired. */
  verify(secret: string): ApiToken | undefined {
    const hash = hashTokenSecret(secret);
    let token = this.verified.get(hash);
    if (!token) {
      const row = this.selectByHash.get(hash);
      if (!row) return undefined;
      // Frozen: every request of this token shares the object.
      token = toToken(row);
      Object.freeze(token.namespaces);
      Object.freeze(token);
      if (this.verified.size >= VERIFIED_TOKENS_CACHED) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(hash, token);
    }
    if (token.expires !== undefined && token.expires <= this.now()) return undefined;
    return token;
  }

  list(): ApiToken[] {
    return (this.db.prepare('SELECT * FROM auth_tokens ORDER BY created, token_id').all() as TokenRow[]).map(toToken);
  }

  get(tokenId: string): ApiToken {
    const row = this.db.prepare('SELECT * FROM auth_tokens WHERE token_id = ?').get(tokenId) as TokenRow | undefined;
    if (!row) throw new GoferError('ERR_NOT_FOUND', `No token with id ${tokenId}. List tokens with: gofer token list`, { details: { tokenId } });
    return toToken(row);
  }

  /** Revokes a token at once. */
  delete(tokenId: string): void {
    const { changes } = this.db.prepare('DELETE FROM auth_tokens WHERE token_id = ?').run(tokenId);
    for (const [hash, token] of this.verified) if (token.tokenId === tokenId) this.verified.delete(hash);
    if (changes === 0) throw new GoferError('ERR_NOT_FOUND', `No token with id ${tokenId}. List tokens with: gofer token list`, { details: { tokenId } });
  }

  listNamespaces(): Namespace[] {
    const rows = this.db.prepare('SELECT namespace_id AS namespaceId, description, created FROM auth_namespaces ORDER BY namespace_id').all() as Namespace[];
    return rows;
  }

  getNamespace(namespaceId: string): Namespace {
    const row = this.db.prepare('SELECT namespace_id AS namespaceId, description, created FROM auth_namespaces WHERE namespace_id = ?').get(namespaceId) as
      Namespace | undefined;
    if (!row)
      throw new GoferError('ERR_NOT_FOUND', `No namespace "${namespaceId}". Create it with: gofer namespace create ${namespaceId}`, {
        details: { namespaceId },
      });
    return row;
  }

  createNamespace(namespaceId: string, description = ''): Namespace {
    const ns: Namespace = { namespaceId, description, created: this.now() };
    try {
      this.db.prepare('INSERT INTO auth_namespaces (namespace_id, description, created) VALUES (@namespaceId, @description, @created)').run(ns);
    } catch (cause) {
      if ((cause as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT'))
        throw new GoferError('ERR_CONFLICT', `The namespace "${namespaceId}" already exists.`, { cause, details: { namespaceId } });
      throw cause;
    }
    return ns;
  }

  /** Deletes a namespace; the caller checks that no pipeline belongs to it. */
  deleteNamespace(namespaceId: string): void {
    if (namespaceId === 'default') throw new GoferError('ERR_INVALID_ARGUMENT', 'The "default" namespace cannot be deleted.', { details: { namespaceId } });
    const { changes } = this.db.prepare('DELETE FROM auth_namespaces WHERE namespace_id = ?').run(namespaceId);
    if (changes === 0) this.getNamespace(namespaceId);
  }
}
