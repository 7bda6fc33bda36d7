/**
 * An extension's event id is stored in the same SQLite transaction as the run it started: a
 * Gofer killed (SIGKILL) the moment the run is committed, before the bridge could answer, still
 * knows the event after a restart, so the redelivered event answers with that run instead of
 * starting a second one. Through both bridges: the webhook (X-GitHub-Delivery) and stdio.
 */
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDataDir } from './extension-helpers/gofer-for-extensions.js';

const CHILD = new URL('./idempotency-child.ts', import.meta.url).pathname;

function child(
  mode: 'kill' | 'after',
  dataDir: string,
  bridge: string,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--conditions=gofer-source', '--import', 'tsx', CHILD, mode, dataDir, bridge], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

for (const bridge of ['webhook', 'stdio']) {
  test(`${bridge}: killed right after the run is committed, the redelivered event answers with that run`, async () => {
    const data = tempDataDir();
    try {
      const killed = await child('kill', data.dir, bridge);
      assert.is(killed.signal, 'SIGKILL', `the first life dies by its own SIGKILL: ${killed.err}`);
      const after = await child('after', data.dir, bridge);
      assert.is(after.code, 0, after.err);
      const result = JSON.parse(after.out.trim().split('\n').at(-1)!) as { answeredRunId: number; runs: number[] };
      assert.equal(result, { answeredRunId: 1, runs: [1] });
    } finally {
      data.remove();
    }
  });
}

test.run();
