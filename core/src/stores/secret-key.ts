/** Parsing and checking the secret store key (config `secretKey` / `GOFER_SECRET_KEY`). */
import { GoferError } from '../api/index.js';

const HOW_TO = 'Make one with `openssl rand -hex 32` and set it as "secretKey" in gofer.config.json or as GOFER_SECRET_KEY.';

/**
 * Returns the 32-byte key, `undefined` when none is configured, or throws
 * ERR_SECRET_KEY_INVALID when a key is given but is not 32 bytes (64 hex characters or base64)
 * or is obviously weak (too few distinct bytes, such as all zeros or a repeated pattern).
 */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (!key || key.length !== 32) {
    throw new GoferError('ERR_SECRET_KEY_INVALID', `The secret key must be 32 bytes written as 64 hex characters or as base64. ${HOW_TO}`);
  }
  if (new Set(key).size < 12) {
    throw new GoferError('ERR_SECRET_KEY_INVALID', `The secret key is too weak (it repeats too few distinct bytes to be random). ${HOW_TO}`);
  }
  return key;
}

/** The error raised when secrets are used without a key. */
export function missingSecretKeyError(): GoferError {
  return new GoferError('ERR_SECRET_KEY_INVALID', `No secret key is configured, so secrets cannot be stored or read. ${HOW_TO}`);
}
