/** `gofer secret put|list|delete`: pipeline secrets, or global ones with --global. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { clientOf, globalsOf, seg } from '../context.js';
import { print, printJson, table } from '../output.js';

interface ScopeOpts {
  pipeline?: string;
  global?: boolean;
}

function scopePath(opts: ScopeOpts): string {
  if (opts.global && opts.pipeline) throw new InvalidArgumentError('Give either --pipeline or --global, not both.');
  if (opts.global) return '/api/secrets';
  if (!opts.pipeline) throw new InvalidArgumentError('Name the scope: --pipeline <id> or --global.');
  return `/api/pipelines/${seg(opts.pipeline)}/secrets`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').description('Write-only secrets, substituted as pipeline_secret{{KEY}} / global_secret{{KEY}}');
  const scoped = (c: Command) => c.option('-p, --pipeline <pipeline>', 'pipeline scope').option('-g, --global', 'global scope (management token)');

  scoped(secret.command('put <key> [value]'))
    .description('Store a secret; without a value it is read from stdin (keeps it out of shell history)')
    .action(async (key: string, value: string | undefined, opts: ScopeOpts, cmd: Command) => {
      await clientOf(cmd).json('PUT', `${scopePath(opts)}/${seg(key)}`, { value: value ?? (await readStdin()) });
      if (globalsOf(cmd).json) return printJson({ stored: key });
      print(`Stored secret ${key}`);
    });

  scoped(secret.command('list'))
    .description('List secret keys (values are never shown)')
    .action(async (opts: ScopeOpts, cmd: Command) => {
      const { keys } = await clientOf(cmd).json<{ keys: string[] }>('GET', scopePath(opts));
      if (globalsOf(cmd).json) return printJson(keys);
      print(
        table(
          ['KEY'],
          keys.map((k) => [k]),
        ),
      );
    });

  scoped(secret.command('delete <key>'))
    .description('Delete a secret')
    .action(async (key: string, opts: ScopeOpts, cmd: Command) => {
      await clientOf(cmd).json('DELETE', `${scopePath(opts)}/${seg(key)}`);
      if (globalsOf(cmd).json) return printJson({ deleted: key });
      print(`Deleted secret ${key}`);
    });
}
