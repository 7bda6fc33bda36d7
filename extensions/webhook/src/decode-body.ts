/**
 * Turns a delivery's raw bytes into the document `body:` mappings read. The bytes are verified
 * before this runs and are never required to be JSON: the body is parsed only when the content
 * type says JSON or a mapping needs it. GitHub's form delivery format
 * (`application/x-www-form-urlencoded` with the JSON in a `payload` field) is understood.
 */

/** The decoded body, or why it cannot be. */
export type DecodedBody = { ok: true; body: unknown } | { ok: false; message: string };

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded$/i;

/** The media type of a Content-Type header, lower-case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function parseJson(text: string, what: string): DecodedBody {
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * Decodes `raw` for a delivery of `contentType`. `needed` is true when a `body:` mapping will
 * read the result; when it is false and the content type does not say JSON or form, the bytes
 * are left alone (`body` is undefined).
 */
export function decodeBody(raw: Buffer, contentType: string | undefined, needed: boolean): DecodedBody {
  const type = mediaType(contentType);
  if (FORM_TYPE.test(type)) {
    const fields = new URLSearchParams(raw.toString('utf8'));
    const payload = fields.get('payload');
    if (payload !== null) return parseJson(payload, 'The form field "payload"');
    return { ok: true, body: Object.fromEntries(fields) };
  }
  if (JSON_TYPE.test(type) || needed) {
    if (raw.length === 0) return { ok: true, body: undefined };
    const what = JSON_TYPE.test(type) ? `The body (${type})` : `The body (content type ${type || 'not given'}, read as JSON for a body: variable)`;
    return parseJson(raw.toString('utf8'), what);
  }
  return { ok: true, body: undefined };
}
