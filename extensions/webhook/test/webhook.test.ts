import { test } from 'uvu';
import * as assert from 'uvu/assert';
import webhookExtension, { type WebhookExtension, readPointer, signBody } from '@gofer/extension-webhook';
import { GoferError } from '@gofer/core/api';
import { fakeContext } from '../../../test/integration/extension-helpers/fake-context.js';

const SECRET = "It's a Secret to Everybody";

async function setUp(settings: Record<string, string> = { secret: SECRET }) {
  const ctx = fakeContext();
  const ext = (await webhookExtension.create(ctx, { host: '127.0.0.1', port: 0, maxBodyBytes: 1024 })) as WebhookExtension;
  await ext.subscribe({ subscriptionId: 'sub-1', pipelineId: 'p', settings });
  return { ctx, ext, url: ext.urlFor('sub-1')! };
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

test("GitHub's published example signature verifies", () => {
  // From GitHub's "Validating webhook deliveries" documentation.
  assert.is(signBody(SECRET, 'Hello, World!'), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
});

test('readPointer follows RFC 6901 paths', () => {
  const doc = { a: { 'b/c': [1, { d: 'x' }], 'e~f': true } };
  assert.is(readPointer(doc, '/a/b~1c/1/d'), 'x');
  assert.is(readPointer(doc, '/a/e~0f'), true);
  assert.is(readPointer(doc, '/a/missing'), undefined);
  assert.equal(readPointer(doc, ''), doc);
});

test('a correctly signed delivery starts a run with mapped variables and the delivery id', async () => {
  const { ctx, ext, url } = await setUp({
    secret: SECRET,
    'variable.REF': 'body:/ref',
    'variable.SIZE': 'body:/commits/0/size',
    'variable.AUTHOR': 'body:/pusher',
    'variable.EVENT': 'header:X-GitHub-Event',
    'variable.ABSENT': 'body:/nope',
  });
  const body = JSON.stringify({ ref: 'refs/heads/main', commits: [{ size: 3 }], pusher: { name: 'ann' } });
  const res = await post(url, body, { 'x-hub-signature-256': signBody(SECRET, body), 'x-github-event': 'push', 'x-github-delivery': 'd-1' });
  assert.is(res.status, 202);
  assert.equal(res.json, { pipelineId: 'p', runId: 1, subscriptionId: 'sub-1' });
  assert.equal(ctx.started[0]!.variables, { REF: 'refs/heads/main', SIZE: '3', AUTHOR: '{"name":"ann"}', EVENT: 'push' });
  assert.is(ctx.started[0]!.eventId, 'd-1');
  assert.match(ctx.started[0]!.reason, /push/);
  // A redelivery of the same delivery id answers with the same run.
  const again = await post(url, body, { 'x-hub-signature-256': signBody(SECRET, body), 'x-github-delivery': 'd-1' });
  assert.is(again.json.runId, 1);
  assert.is(ctx.started.length, 1);
  await ext.close();
});

test('a wrong or missing signature is refused with 401', async () => {
  const { ctx, ext, url } = await setUp();
  const body = '{"ref":"x"}';
  const wrong = await post(url, body, { 'x-hub-signature-256': signBody('another secret', body) });
  assert.is(wrong.status, 401);
  assert.is(wrong.json.error.code, 'ERR_WEBHOOK_SIGNATURE');
  assert.match(wrong.json.error.message, /does not match/);
  const missing = await post(url, body);
  assert.is(missing.status, 401);
  assert.match(missing.json.error.message, /missing/);
  const truncated = await post(url, body, { 'x-hub-signature-256': 'sha256=00' });
  assert.is(truncated.status, 401);
  assert.is(ctx.started.length, 0);
  await ext.close();
});

test('an oversized body is refused with 413, malformed JSON with 400, an unknown path with 404', async () => {
  const { ctx, ext, url } = await setUp({});
  const big = JSON.stringify({ pad: 'x'.repeat(4096) });
  const tooLarge = await post(url, big);
  assert.is(tooLarge.status, 413);
  assert.match(tooLarge.json.error.message, /1024 bytes/);
  const malformed = await post(url, '{"ref": ');
  assert.is(malformed.status, 400);
  assert.is(malformed.json.error.code, 'ERR_INVALID_ARGUMENT');
  assert.is(tooLarge.json.error.code, 'ERR_PAYLOAD_TOO_LARGE');
  const unknown = await post(url.replace('sub-1', 'sub-2'), '{}');
  assert.is(unknown.status, 404);
  assert.is(unknown.json.error.code, 'ERR_NOT_FOUND');
  const get = await fetch(url);
  assert.is(get.status, 405);
  assert.is(((await get.json()) as { error: { code: string } }).error.code, 'ERR_METHOD_NOT_ALLOWED');
  assert.is(ctx.started.length, 0);
  // An unsigned subscription accepts an empty body.
  const ok = await post(url, '');
  assert.is(ok.status, 202);
  await ext.close();
});

test("GitHub's documented test vector starts a run: the raw bytes are verified and never parsed", async () => {
  const { ctx, ext, url } = await setUp();
  const res = await fetch(url, {
    method: 'POST',
    body: 'Hello, World!',
    headers: {
      'content-type': 'text/plain',
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'x-github-delivery': 'vector-1',
    },
  });
  assert.is(res.status, 202);
  assert.equal(await res.json(), { pipelineId: 'p', runId: 1, subscriptionId: 'sub-1' });
  assert.is(ctx.started.length, 1);
  assert.is(ctx.started[0]!.eventId, 'vector-1');
  await ext.close();
});

test("GitHub's form delivery (payload=<JSON>) is signed over the form bytes and mapped from the payload", async () => {
  const { ctx, ext, url } = await setUp({ secret: SECRET, 'variable.REF': 'body:/ref', 'variable.REPO': 'body:/repository/full_name' });
  const form = new URLSearchParams({ payload: JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/hello' } }) }).toString();
  const res = await fetch(url, {
    method: 'POST',
    body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': signBody(SECRET, form), 'x-github-delivery': 'form-1' },
  });
  assert.is(res.status, 202);
  assert.equal(ctx.started[0]!.variables, { REF: 'refs/heads/main', REPO: 'octo/hello' });
  // Plain form fields are readable too; a body that a mapping cannot read is a 400 with the reason.
  const broken = new URLSearchParams({ payload: '{not json' }).toString();
  const bad = await fetch(url, {
    method: 'POST',
    body: broken,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': signBody(SECRET, broken) },
  });
  assert.is(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /form field "payload" is not valid JSON/);
  await ext.close();
});

test('a body nobody reads is not parsed: any bytes start a run; a body: mapping reads JSON whatever the content type', async () => {
  const { ctx, ext, url } = await setUp({});
  const binary = await fetch(url, { method: 'POST', body: new Uint8Array([0, 255, 1, 2]), headers: { 'content-type': 'application/octet-stream' } });
  assert.is(binary.status, 202);
  await ext.close();
  const mapped = await setUp({ 'variable.ID': 'body:/id' });
  const res = await fetch(mapped.url, { method: 'POST', body: '{"id":42}' });
  assert.is(res.status, 202);
  assert.equal(mapped.ctx.started[0]!.variables, { ID: '42' });
  assert.is(ctx.started.length, 1);
  await mapped.ext.close();
});

test('a paused trigger answers 409 ERR_TRIGGER_PAUSED, so the sender can redeliver later', async () => {
  const ctx = fakeContext({
    startRun: async () => {
      throw new GoferError('ERR_TRIGGER_PAUSED', 'No run was started because every trigger of this Gofer instance is paused.');
    },
  });
  const ext = (await webhookExtension.create(ctx, { host: '127.0.0.1', port: 0, maxBodyBytes: 1024 })) as WebhookExtension;
  await ext.subscribe({ subscriptionId: 'sub-1', pipelineId: 'p', settings: {} });
  const res = await post(ext.urlFor('sub-1')!, '{}');
  assert.is(res.status, 409);
  assert.is(res.json.error.code, 'ERR_TRIGGER_PAUSED');
  await ext.close();
});

test('a chunked body over the limit (no content-length) is refused with 413', async () => {
  const { ext, url } = await setUp({});
  const chunks = [JSON.stringify({ a: 'x'.repeat(700) }).slice(0, 600), 'y'.repeat(600)];
  const stream = new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
      c.close();
    },
  });
  const res = await fetch(url, { method: 'POST', body: stream, duplex: 'half' });
  assert.is(res.status, 413);
  await res.body?.cancel();
  await ext.close();
});

test('close stops the listener', async () => {
  const { ext, url } = await setUp({});
  await ext.close();
  try {
    await fetch(url, { method: 'POST', body: '{}' });
    assert.unreachable('the listener should be closed');
  } catch (err) {
    assert.instance(err, TypeError); // fetch failed: connection refused
  }
});

test.run();
