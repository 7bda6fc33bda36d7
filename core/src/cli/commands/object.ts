/** `gofer object put|get|list|delete`: pipeline objects, or run objects with --run. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { clientOf, globalsOf, positiveInt, seg } from '../context.js';
import { print, printJson, table } from '../output.js';

interface ScopeOpts {
  run?: number;
}

const scopePath = (pipeline: string, opts: ScopeOpts) => `/api/pipelines/${seg(pipeline)}${opts.run ? `/runs/${opts.run}` : ''}/objects`;

export function registerObjectCommands(program: Command): void {
  const object = program.command('object').description('Pipeline and run objects (bytes), substituted as pipeline_object{{KEY}} / run_object{{KEY}}');
  const scoped = (c: Command) => c.option('-r, --run <run>', 'run scope instead of the pipeline', positiveInt);

  scoped(object.command('put <pipeline> <key> [value]'))
    .description('Store an object: the value, or a file with --file')
    .option('-f, --file <path>', 'read the bytes from a file')
    .action(async (pipeline: string, key: string, value: string | undefined, opts: ScopeOpts & { file?: string }, cmd: Command) => {
      const bytes = opts.file ? new Uint8Array(await readFile(opts.file)) : new TextEncoder().encode(value ?? '');
      await clientOf(cmd).bytes('PUT', `${scopePath(pipeline, opts)}/${seg(key)}`, bytes);
      if (globalsOf(cmd).json) return printJson({ stored: key, bytes: bytes.length });
      print(`Stored object ${key} (${bytes.length} bytes)`);
    });

  scoped(object.command('get <pipeline> <key>'))
    .description("Write an object's bytes to stdout")
    .action(async (pipeline: string, key: string, opts: ScopeOpts, cmd: Command) => {
      process.stdout.write(await clientOf(cmd).bytes('GET', `${scopePath(pipeline, opts)}/${seg(key)}`));
    });

  scoped(object.command('list <pipeline>'))
    .description('List object keys')
    .action(async (pipeline: string, opts: ScopeOpts, cmd: Command) => {
      const { keys } = await clientOf(cmd).json<{ keys: string[] }>('GET', scopePath(pipeline, opts));
      if (globalsOf(cmd).json) return printJson(keys);
      print(
        table(
          ['KEY'],
          keys.map((k) => [k]),
        ),
      );
    });

  scoped(object.command('delete <pipeline> <key>'))
    .description('Delete an object')
    .action(async (pipeline: string, key: string, opts: ScopeOpts, cmd: Command) => {
      await clientOf(cmd).json('DELETE', `${scopePath(pipeline, opts)}/${seg(key)}`);
      if (globalsOf(cmd).json) return printJson({ deleted: key });
      print(`Deleted object ${key}`);
    });
}
