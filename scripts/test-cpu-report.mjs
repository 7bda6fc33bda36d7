// Test-only preload (scripts/test.mjs): as a test file's process exits, prints the CPU seconds
// it used itself and those of the child processes it waited for (services, CLIs, hosts it
// spawned), so the runner can show where the suite's CPU goes. On a 2-core CI machine the suite
// is CPU-bound: CPU, not wall time, is what a cut must reduce. Linux only (/proc); silent elsewhere.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

process.on('exit', () => {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const self = (f[11] + f[12]) / TICKS_PER_SECOND;
    const children = (f[13] + f[14]) / TICKS_PER_SECOND;
    process.stderr.write(`\ngofer-test-cpu: ${self.toFixed(1)} ${children.toFixed(1)}\n`);
  } catch {
    /* not Linux */
  }
});
