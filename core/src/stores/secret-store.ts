/**
 * Pipeline and global secrets, encrypted at rest with AES-256-GCM. Each value has its own random
 * 96-bit IV; the pipeline id and key are bound as additional data, so a ciphertext copied to
 * another row does not decrypt. Gofer start-up does not need a key: a weak key is refused at
 * start-up, a missing one at the first use of a secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GoferError, type GoferConfig } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { CONFIG } from '../kernel/tokens.js';
import { DATABASE, type SqliteDatabase } from './database.js';
import { missingSecretKeyError, parseSecretKey } from './secret-key.js';
import { checkStoreKey } from './store-keys.js';

/** The scope id of global secrets in the table. */
const GLOBAL = '';

interface SecretRow {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** AES-256-GCM encrypted secrets (see the file comment). */
@injectable(DATABASE, CONFIG)
export class SecretStore {
  private readonly key: Buffer | undefined;
  private readonly selectOne;
  private readonly upsert;

  constructor(
    private readonly db: SqliteDatabase,
    config: Pick<GoferConfig, 'secretKey'>,
  ) {
    // Refuses a weak key at start-up; a missing key is refused only when secrets are used.
    this.key = parseSecretKey(config.secretKey);
    this.selectOne = db.prepare<[string, string], SecretRow>('SELECT iv, tag, ciphertext FROM secrets WHERE pipeline_id = ? AND key = ?');
    this.upsert = db.prepare(
      'INSERT INTO secrets (pipeline_id, key, iv, tag, ciphertext, created) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pipeline_id, key) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, ciphertext = excluded.ciphertext',
    );
  }

  /** True when a key is configured. */
  get hasKey(): boolean {
    return this.key !== undefined;
  }

  /** Stores (replaces) a secret. `pipelineId` undefined: a global secret. */
  put(pipelineId: string | undefined, key: string, value: string): void {
    checkStoreKey('secret', key);
    const secretKey = this.requireKey();
    const scope = pipelineId ?? GLOBAL;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', secretKey, iv);
    cipher.setAAD(Buffer.from(`${scope}\0${key}`));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    this.upsert.run(scope, key, iv, cipher.getAuthTag(), ciphertext, Date.now());
  }

  /** The plaintext, or undefined when there is no such secret. */
  get(pipelineId: string | undefined, key: string): string | undefined {
    const scope = pipelineId ?? GLOBAL;
    const row = this.selectOne.get(scope, key);
    if (!row) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.requireKey(), row.iv);
    decipher.setAAD(Buffer.from(`${scope}\0${key}`));
    decipher.setAuthTag(row.tag);
    try {
      return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new GoferError(
        'ERR_SECRET_KEY_INVALID',
        `The secret "${key}" cannot be decrypted with the configured key (was the key changed?). Restore the key it was stored with, or store the secret again.`,
        { cause },
      );
    }
  }

  /**
   * Encrypts a value kept outside the secrets table (a secret task output), bound to `context`
   * (where it is kept): `base64(iv | tag | ciphertext)`. Needs the secret key.
   */
  seal(context: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.requireKey(), iv);
    cipher.setAAD(Buffer.from(`sealed\0${context}`));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  /** Decrypts what {@link seal} made for the same `context`; ERR_SECRET_KEY_INVALID when the key changed. */
  open(context: string, sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.requireKey(), bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(`sealed\0${context}`));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new GoferError(
        'ERR_SECRET_KEY_INVALID',
        'A sealed value cannot be decrypted with the configured key (was the key changed?). Restore the key it was sealed with.',
        {
          cause,
        },
      );
    }
  }

  list(pipelineId: string | undefined): string[] {
    return (this.db.prepare('SELECT key FROM secrets WHERE pipeline_id = ? ORDER BY key').all(pipelineId ?? GLOBAL) as Array<{ key: string }>).map(
      (r) => r.key,
    );
  }

  /** Removes a secret; false when there was none. */
  delete(pipelineId: string | undefined, key: string): boolean {
    return this.db.prepare('DELETE FROM secrets WHERE pipeline_id = ? AND key = ?').run(pipelineId ?? GLOBAL, key).changes > 0;
  }

  /** Removes every secret of a pipeline (when the pipeline is deleted). */
  deletePipeline(pipelineId: string): void {
    this.db.prepare('DELETE FROM secrets WHERE pipeline_id = ?').run(pipelineId);
  }

  private requireKey(): Buffer {
    if (!this.key) throw missingSecretKeyError();
    return this.key;
  }
}

export const SECRET_STORE = token<SecretStore>('gofer.secret-store');
