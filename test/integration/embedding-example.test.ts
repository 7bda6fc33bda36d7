/** The embedding example runs end to end and its process exits on its own after close(). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

test('examples/host-app: host-provided scheduler and extension start a run with runtime variables', async () => {
  // The timeout is a hang guard, not a timing assertion: a leaked handle would keep the process alive.
  const { stdout } = await run(process.execPath, ['--conditions=gofer-source', '--import', 'tsx', 'examples/host-app/main.ts'], { cwd: repo, timeout: 60_000 });
  const lines = stdout.trim().split('\n');
  assert.ok(lines.includes('event task.completed greet successful'), stdout);
  assert.ok(lines.includes('event task.completed farewell successful'), stdout);
  assert.ok(
    lines.some((l) => /^run 1 successful \(started by extension host-trigger\)$/.test(l)),
    stdout,
  );
  assert.ok(lines.includes('task greet successful: hello | GREETING=hi from the host RUN=1'), stdout);
  assert.ok(lines.includes('task farewell successful: goodbye | GREETING=hi from the host RUN=1'), stdout);
});

test.run();
