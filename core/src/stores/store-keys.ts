/** Shared argument checks for secret and object keys. */
import { GoferError } from '../api/index.js';

/** Keys usable in `pipeline_secret{{KEY}}` and friends. */
export const STORE_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** Throws ERR_INVALID_ARGUMENT unless `key` matches {@link STORE_KEY_PATTERN}. */
export function checkStoreKey(kind: string, key: string): void {
  if (typeof key !== 'string' || !STORE_KEY_PATTERN.test(key)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `The ${kind} key ${JSON.stringify(key)} is invalid: use 1-128 of letters, digits, "_", "." or "-".`, {
      details: { field: 'key' },
    });
  }
}
