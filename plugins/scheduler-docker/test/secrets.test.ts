import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGoferError } from '@gofer/core/api';
import { dockerAvailable } from '../../../test/helpers/docker.js';
import { tempDir } from '../../../test/contract/plugin-context.js';
import { parseEnvFile } from '../src/index.js';
import { makeScheduler, readLogs, removeTestContainers, request } from './docker-test-kit.js';

const available = await dockerAvailable();
const secretsDir = tempDir('gofer-secrets');
mkdirSync(join(secretsDir, 'team'));
writeFileSync(join(secretsDir, 'team', 'db-password'), 's3cret with spaces\n');
writeFileSync(join(secretsDir, 'token'), 'abc=def');
const envFile = join(tempDir('gofer-secrets-env'), 'secrets.env');
writeFileSync(envFile, '# operator secrets\nDB_PASSWORD=from-env-file\nQUOTED="two words"\n\nexport TOKEN=xyz\n');

test('parseEnvFile reads KEY=VALUE lines, skips comments, unquotes', () => {
  assert.equal(Object.fromEntries(parseEnvFile('# c\nA=1\nB="x y"\nexport C=a=b\n\nbad line\n')), { A: '1', B: 'x y', C: 'a=b' });
});

if (available) {
  test.after(() => removeTestContainers());

  test('secrets from a directory arrive as env vars (one trailing newline dropped)', async () => {
    const scheduler = makeScheduler({ secrets: { dir: secretsDir } });
    const { schedulerId } = await scheduler.startContainer(request('secrets-dir', ['sh', '-c', 'printf "%s|%s|%s" "$DB_PASSWORD" "$TOKEN" "$PLAIN"'], {
      variables: { PLAIN: 'visible' },
      secrets: { DB_PASSWORD: 'team/db-password', TOKEN: 'token' },
    }));
    assert.is((await readLogs(scheduler, schedulerId)).stdout, 's3cret with spaces|abc=def|visible');
  });

  test('secrets from an env-file arrive as env vars', async () => {
    const scheduler = makeScheduler({ secrets: { envFile } });
    const { schedulerId } = await scheduler.startContainer(request('secrets-env', ['sh', '-c', 'printf "%s|%s|%s" "$PW" "$Q" "$T"'], {
      secrets: { PW: 'DB_PASSWORD', Q: 'QUOTED', T: 'TOKEN' },
    }));
    assert.is((await readLogs(scheduler, schedulerId)).stdout, 'from-env-file|two words|xyz');
  });
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try { await promise; } catch (err) { return isGoferError(err) ? `${err.code}: ${err.message}` : String(err); }
  return 'resolved';
}

test('a missing location is a clear ERR_NOT_FOUND naming the location', async () => {
  const fromDir = makeScheduler({ secrets: { dir: secretsDir } });
  assert.match(await failure(fromDir.startContainer(request('s-miss', ['true'], { secrets: { X: 'nope/missing' } }))), /^ERR_NOT_FOUND: Secret "nope\/missing" \(for X\)/);
  const fromEnv = makeScheduler({ secrets: { envFile } });
  assert.match(await failure(fromEnv.startContainer(request('s-miss2', ['true'], { secrets: { X: 'MISSING_KEY' } }))), /^ERR_NOT_FOUND: Secret "MISSING_KEY" \(for X\)/);
  const none = makeScheduler();
  assert.match(await failure(none.startContainer(request('s-none', ['true'], { secrets: { X: 'a' } }))), /^ERR_NOT_FOUND: .*no secrets source/);
  assert.match(await failure(fromDir.startContainer(request('s-escape', ['true'], { secrets: { X: '../../etc/passwd' } }))), /^ERR_INVALID_ARGUMENT/);
});

test.run();
