/**
 * Pulls through an engine endpoint on 127.0.0.1 that answers `POST /images/create` the way the
 * Docker engine does: a 200 with JSON progress lines, failures included as `{ error }` lines.
 * (Pulls from a real registry through the real engine are tested in the Docker plugin.)
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { engineClient, pullImage, registryAuthFor } from '../src/index.js';

let progress: object[] = [];
const seen: IncomingMessage[] = [];
const server = createServer((req, res) => {
  seen.push(req);
  res.writeHead(200, { 'content-type': 'application/json' });
  for (const line of progress) res.write(`${JSON.stringify(line)}\r\n`);
  res.end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { docker } = engineClient({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }, {});
test.after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a pull whose progress ends without an error resolves, sending the credentials as X-Registry-Auth', async () => {
  progress = [{ status: 'Pulling from team/app' }, { status: 'Download complete' }];
  await pullImage(docker, '127.0.0.1:5000/team/app:1', registryAuthFor('127.0.0.1:5000/team/app:1', { user: 'u', pass: 'p' }));
  const req = seen.at(-1)!;
  assert.match(req.url ?? '', '/images/create?fromImage=');
  const auth = JSON.parse(Buffer.from(String(req.headers['x-registry-auth']), 'base64').toString()) as Record<string, string>;
  assert.equal(auth, { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' });
});

test("an error line in the progress stream rejects with the engine's message", async () => {
  progress = [{ status: 'Pulling' }, { error: 'manifest unknown', errorDetail: { message: 'manifest for team/app:2 not found: manifest unknown' } }];
  const err = await pullImage(docker, 'team/app:2', undefined).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.is(err?.message, 'manifest for team/app:2 not found: manifest unknown');
});

test.run();
