/** GitHub-style `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header value GitHub would send for `body` signed with `secret`. */
export function signBody(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is the signature of `body` under `secret`; compares in constant time. */
export function verifySignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim());
  // timingSafeEqual needs equal lengths; a length mismatch is a wrong signature anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
