// The wrapper of one task: `node run-task.js <task folder>`, started detached by the scheduler.
// It reads the task's argv and variables from its stdin (not a file or argv: variables may hold
// secret values, and argv is visible to every user of the machine), starts the task in a
// process group of its own with its output going straight to files, and records how it ended.
// Because this wrapper, not the scheduler, waits for the task, a core that dies or restarts
// meanwhile loses nothing: a new scheduler instance reads the same files.
//
// Files in the task folder (see index.js):
//   pid      the task's pid = its process group (written once it runs; stop signals go there)
//   stdout   the task's standard output, as written
//   stderr   its standard error
//   exit     its exit code once it ended (128 + the signal number when a signal ended it)
import { spawn } from 'node:child_process';
import { openSync, renameSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

const dir = process.argv[2];
/** Writes a file whole or not at all (a reader never sees half of it). */
const writeAtomic = (name, text) => {
  writeFileSync(join(dir, `${name}.tmp`), text);
  renameSync(join(dir, `${name}.tmp`), join(dir, name));
};

let input = '';
process.stdin.setEncoding('utf8');
for await (const piece of process.stdin) input += piece;
const { argv, env, cwd } = JSON.parse(input);

const task = spawn(argv[0], argv.slice(1), {
  env, // exactly the task's variables: nothing of this machine's environment leaks in
  cwd,
  stdio: ['ignore', openSync(join(dir, 'stdout'), 'w'), openSync(join(dir, 'stderr'), 'w')],
  detached: true, // its own process group: a stop reaches the task and its children, not us
});
task.once('spawn', () => writeAtomic('pid', String(task.pid)));
let ended = false;
const end = (code) => {
  if (!ended) writeAtomic('exit', String(code));
  ended = true;
};
task.once('error', (err) => {
  // The command could not start (not found, not executable): say so where its output goes.
  writeFileSync(join(dir, 'stderr'), `local-js: cannot start ${argv[0]}: ${err.message}\n`, { flag: 'a' });
  end(127); // what a shell says for a command it cannot find
});
task.once('exit', (code, signal) => end(code ?? 128 + constants.signals[signal]));
