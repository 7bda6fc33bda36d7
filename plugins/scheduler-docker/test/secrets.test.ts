import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { isGoferError } from '@gofer/core/api';
import { dockerAvailable } from '../../../test/helpers/docker.js';
import { tempDir } from '@gofer/testkit';
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

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

if (available) {
  test.after(() => removeTestContainers());

  // Values are checked through their hashes: printed as they are, the scheduler masks them.
  test('secrets from a directory arrive as env vars (one trailing newline dropped)', async () => {
    const scheduler = makeScheduler({ secrets: { dir: secretsDir } });
    const { schedulerId } = await scheduler.startContainer(
      request('secrets-dir', ['sh', '-c', 'printf %s "$DB_PASSWORD" | sha256sum; printf %s "$TOKEN" | sha256sum; echo "$PLAIN"'], {
        variables: { PLAIN: 'visible' },
        secrets: { DB_PASSWORD: 'team/db-password', TOKEN: 'token' },
      }),
    );
    const lines = (await readLogs(scheduler, schedulerId)).stdout.split('\n');
    assert.is(lines[0]!.split(' ')[0], sha256('s3cret with spaces'));
    assert.is(lines[1]!.split(' ')[0], sha256('abc=def'));
    assert.is(lines[2], 'visible');
  });

  test('secrets from an env-file arrive as env vars', async () => {
    const scheduler = makeScheduler({ secrets: { envFile } });
    const { schedulerId } = await scheduler.startContainer(
      request('secrets-env', ['sh', '-c', 'for v in "$PW" "$Q" "$T"; do printf %s "$v" | sha256sum; done'], {
        secrets: { PW: 'DB_PASSWORD', Q: 'QUOTED', T: 'TOKEN' },
      }),
    );
    const hashes = (await readLogs(scheduler, schedulerId)).stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    assert.equal(hashes, ['from-env-file', 'two words', 'xyz'].map(sha256));
  });

  test('a secret the task prints is masked in its logs, also when read by a new scheduler instance', async () => {
    const dataDir = tempDir('gofer-secrets-data');
    const scheduler = makeScheduler({ secrets: { envFile } }, dataDir);
    const { schedulerId } = await scheduler.startContainer(
      request('secrets-masked', ['sh', '-c', 'echo "pw=$PW"; echo "$PW" >&2'], { secrets: { PW: 'DB_PASSWORD' } }),
    );
    const first = await readLogs(scheduler, schedulerId);
    assert.not.match(first.stdout + first.stderr, /from-env-file/);
    assert.match(first.stdout, /^pw=\*+\n$/);
    const again = await readLogs(makeScheduler({ secrets: { envFile } }, dataDir), schedulerId);
    assert.not.match(again.stdout + again.stderr, /from-env-file/);
    assert.is(again.stdout, first.stdout);
  });
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isGoferError(err) ? `${err.code}: ${err.message}` : String(err);
  }
  return 'resolved';
}

test('a missing location is a clear ERR_NOT_FOUND naming the location', async () => {
  const fromDir = makeScheduler({ secrets: { dir: secretsDir } });
  assert.match(
    await failure(fromDir.startContainer(request('s-miss', ['true'], { secrets: { X: 'nope/missing' } }))),
    /^ERR_NOT_FOUND: Secret "nope\/missing" \(for X\)/,
  );
  const fromEnv = makeScheduler({ secrets: { envFile } });
  assert.match(
    await failure(fromEnv.startContainer(request('s-miss2', ['true'], { secrets: { X: 'MISSING_KEY' } }))),
    /^ERR_NOT_FOUND: Secret "MISSING_KEY" \(for X\)/,
  );
  const none = makeScheduler();
  assert.match(await failure(none.startContainer(request('s-none', ['true'], { secrets: { X: 'a' } }))), /^ERR_NOT_FOUND: .*no secrets source/);
  assert.match(await failure(fromDir.startContainer(request('s-escape', ['true'], { secrets: { X: '../../etc/passwd' } }))), /^ERR_INVALID_ARGUMENT/);
});

test.run();
