/** The service's own tables (module "auth"): API tokens and namespaces. Append; never edit. */
import type { Migration } from '../stores/migrations.js';

export const AUTH_MIGRATIONS: readonly Migration[] = [
  // 1: namespaces (with "default") and tokens stored as sha256 hashes, never in clear.
  `
  CREATE TABLE auth_namespaces (
    namespace_id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    created INTEGER NOT NULL
  );
  INSERT INTO auth_namespaces (namespace_id, description, created)
    VALUES ('default', 'The namespace pipelines belong to unless another is named.', CAST(strftime('%s','now') AS INTEGER) * 1000);
  CREATE TABLE auth_tokens (
    token_id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    namespaces TEXT NOT NULL,
    description TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER
  );
  `,
];
