#!/usr/bin/env node
/**
 * `gofer`: exit 0 on success, 1 on a failure (coded API errors print `error [CODE]: message`),
 * 2 on a usage error.
 */
import { CommanderError } from 'commander';
// The error classes alone: the API's index loads ajv and typebox, which a client command never uses.
import { isGoferError } from '../api/errors.js';
import { EXIT_CODES } from './exit-codes.js';
import { paint, useColour } from './output.js';
import { buildProgram } from './program.js';

// `gofer ... | head` closes the pipe early: that is the reader's choice, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const colour = useColour(process.stderr);
    if (err instanceof CommanderError) {
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      if (!ok && err.code === 'commander.invalidArgument' && !err.message.startsWith('error:'))
        process.stderr.write(`${paint('red', 'error', colour)}: ${err.message}\n`);
      process.exitCode = ok ? EXIT_CODES.ok : EXIT_CODES.usage;
      return;
    }
    if (isGoferError(err)) {
      process.stderr.write(`${paint('red', 'error', colour)} [${err.code}]: ${err.message}\n`);
    } else {
      process.stderr.write(`${paint('red', 'error', colour)}: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exitCode = EXIT_CODES.failure;
  }
}

await main(process.argv);
