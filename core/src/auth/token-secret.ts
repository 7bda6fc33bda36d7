/**
 * API token secrets: 32 random bytes shown once to the user, stored only as their sha256 hash
 * (a random 256-bit secret needs no slow hash: it cannot be guessed from the digest).
 */
import { createHash, randomBytes } from 'node:crypto';

/** The prefix makes a leaked token easy to recognise (secret scanners, logs). */
export const TOKEN_PREFIX = 'gofer_';

/** A new random token secret. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a token secret: hex sha256. */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
