/** Config loading: file, environment overrides, host options, validation with paths, frozen result. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError, loadConfig } from '@gofer/core';

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-config-'));
  const path = join(dir, 'gofer.config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('defaults: process scheduler, 127.0.0.1:8080, discovery on, paths resolved', () => {
  const path = configFile({});
  const config = loadConfig({ configPath: path }, {});
  assert.equal(config.scheduler, 'process');
  assert.equal(config.server, { host: '127.0.0.1', port: 8080 });
  assert.equal(config.discover, true);
  assert.equal(config.dataDir, join(path, '..', '.gofer'));
  assert.equal(config.root, join(path, '..'));
});

test('choosing the scheduler is one key; environment overrides the file; options override both', () => {
  const path = configFile({ scheduler: 'docker', parallelism: 2, server: { port: 9000 } });
  const env = { GOFER_SCHEDULER: 'swarm', GOFER_PORT: '9100', GOFER_PARALLELISM: '4' };
  assert.equal(loadConfig({ configPath: path }, {}).scheduler, 'docker');
  const fromEnv = loadConfig({ configPath: path }, env);
  assert.equal([fromEnv.scheduler, fromEnv.server.port, fromEnv.parallelism], ['swarm', 9100, 4]);
  const fromOptions = loadConfig({ configPath: path, config: { scheduler: 'process' } }, env);
  assert.equal(fromOptions.scheduler, 'process');
  assert.equal(fromOptions.server.host, '127.0.0.1', 'nested defaults survive a partial override');
});

test('server.uiDir (GOFER_UI_DIR) is resolved against the config root', () => {
  const path = configFile({ server: { uiDir: 'ui/dist' } });
  assert.equal(loadConfig({ configPath: path }, {}).server, { host: '127.0.0.1', port: 8080, uiDir: join(path, '..', 'ui', 'dist') });
  assert.is(loadConfig({ configPath: path }, { GOFER_UI_DIR: '/srv/gofer-ui' }).server.uiDir, '/srv/gofer-ui');
});

test('GOFER_CONFIG names the file; useEnv:false ignores the environment', () => {
  const path = configFile({ scheduler: 'docker' });
  assert.equal(loadConfig({}, { GOFER_CONFIG: path }).scheduler, 'docker');
  assert.equal(loadConfig({ useEnv: false, configPath: path }, { GOFER_SCHEDULER: 'swarm' }).scheduler, 'docker');
});

test('a named config file that does not exist: ERR_CONFIG_NOT_FOUND', () => {
  try {
    loadConfig({ configPath: '/nonexistent/gofer.config.json' }, {});
    assert.unreachable();
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_CONFIG_NOT_FOUND'));
    assert.match((err as Error).message, '/nonexistent/gofer.config.json');
  }
});

test('invalid JSON and invalid keys: ERR_CONFIG_INVALID naming every problem with its path', () => {
  try {
    loadConfig({ configPath: configFile('{ "scheduler": ') }, {});
    assert.unreachable();
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_CONFIG_INVALID'));
    assert.match((err as Error).message, 'not valid JSON');
  }
  try {
    loadConfig({ configPath: configFile({ parallelism: -1, server: { port: 'eighty' }, schedulr: 'docker', logLevel: 'loud' }) }, {});
    assert.unreachable();
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_CONFIG_INVALID'));
    const message = (err as Error).message;
    for (const part of ['/parallelism: must be >= 0', '/server/port: must be integer', 'unknown key "schedulr"', '/logLevel']) assert.match(message, part);
  }
});

test('the resolved config is frozen, deeply', () => {
  const config = loadConfig({ configPath: configFile({}) }, {});
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.server));
  assert.throws(() => {
    (config as { scheduler: string }).scheduler = 'x';
  });
});

test.run();
