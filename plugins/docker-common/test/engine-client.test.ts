/** The engine client: which connection each settings form makes, and TLS files read up front. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError } from '@gofer/core/api';
import { engineClient } from '../src/index.js';

interface ModemView {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: string;
  username?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}
const modem = (client: ReturnType<typeof engineClient>) => client.docker.modem as unknown as ModemView;
const noEnv = {};

const certs = mkdtempSync(join(tmpdir(), 'gofer-certs-'));
for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, file), `${file} contents`);
test.after(() => rmSync(certs, { recursive: true, force: true }));

test('a socket path wins over a host', () => {
  const client = engineClient({ socketPath: '/run/other.sock', host: 'tcp://h:1' }, noEnv);
  assert.is(modem(client).socketPath, '/run/other.sock');
  assert.is(client.address, 'unix:///run/other.sock');
});

test('a bare host: port and protocol from the settings, TLS when a cert folder is known', () => {
  const plain = engineClient({ host: '127.0.0.1', port: 2375 }, noEnv);
  assert.equal([modem(plain).protocol, modem(plain).host, Number(modem(plain).port)], ['http', '127.0.0.1', 2375]);
  assert.is(plain.address, 'http://127.0.0.1:2375');
  const tls = engineClient({ host: 'engine.example', certPath: certs }, noEnv);
  assert.equal([modem(tls).protocol, Number(modem(tls).port)], ['https', 2376]);
  assert.is(Buffer.from(modem(tls).ca!).toString(), 'ca.pem contents');
  assert.is(Buffer.from(modem(tls).key!).toString(), 'key.pem contents');
  assert.is(tls.address, 'https://engine.example:2376');
  const fromEnv = engineClient({ host: 'engine.example' }, { DOCKER_CERT_PATH: certs });
  assert.is(Buffer.from(modem(fromEnv).cert!).toString(), 'cert.pem contents');
});

test('URL hosts: tcp:// with certs is TLS, http:// is not, unix:// is a socket, ssh:// keeps the user', () => {
  const tcp = engineClient({ host: 'tcp://manager:2376', certPath: certs }, noEnv);
  assert.equal([modem(tcp).protocol, modem(tcp).host, Number(modem(tcp).port)], ['https', 'manager', 2376]);
  assert.is(tcp.address, 'tcp://manager:2376');
  const tcpPlain = engineClient({ host: 'tcp://manager' }, noEnv);
  assert.equal([modem(tcpPlain).protocol, Number(modem(tcpPlain).port)], ['http', 2375]);
  const http = engineClient({ host: 'http://manager:80', certPath: certs }, noEnv);
  assert.equal([modem(http).protocol, modem(http).ca], ['http', undefined]);
  const unix = engineClient({ host: 'unix:///run/engine.sock' }, noEnv);
  assert.is(modem(unix).socketPath, '/run/engine.sock');
  const ssh = engineClient({ host: 'ssh://deploy@manager' }, noEnv);
  assert.equal([modem(ssh).protocol, modem(ssh).username], ['ssh', 'deploy']);
});

test("nothing given: dockerode's own defaults, and the address messages name", () => {
  assert.is(engineClient({}, noEnv).address, 'unix:///var/run/docker.sock');
  assert.is(engineClient({}, { DOCKER_HOST: 'tcp://elsewhere:2375' }).address, 'tcp://elsewhere:2375');
});

test('a cert folder without its files fails at once, naming the file and the setting', () => {
  const empty = mkdtempSync(join(tmpdir(), 'gofer-nocerts-'));
  try {
    engineClient({ host: 'tcp://manager:2376', certPath: empty }, noEnv);
    assert.unreachable('it should have failed');
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_PLUGIN_SETTINGS_INVALID'), String(err));
    assert.match((err as Error).message, join(empty, 'ca.pem'));
    assert.match((err as Error).message, '"certPath"');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test.run();
