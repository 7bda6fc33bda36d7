/** `gofer token bootstrap|create|list|delete` and `gofer namespace list|create|delete`. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ApiToken, Namespace, NewApiToken } from '../../auth/token-store.js';
import { clientOf, durationMs, globalsOf, seg } from '../context.js';
import { paint, print, printJson, table, time } from '../output.js';

function showNew(t: NewApiToken, json: boolean): void {
  if (json) return printJson(t);
  print(`Created ${t.token.kind} token ${t.token.tokenId}${t.token.namespaces.length ? ` for ${t.token.namespaces.join(', ')}` : ''}.`);
  print(`Secret (shown once; only its hash is stored):\n${paint('bold', t.secret)}`);
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens');
  token
    .command('bootstrap')
    .description('Create the first management token (only while no token exists); no --token needed')
    .action(async (_o: unknown, cmd: Command) => {
      showNew(await clientOf(cmd).json<NewApiToken>('POST', '/api/tokens/bootstrap'), globalsOf(cmd).json === true);
    });
  token
    .command('create')
    .description('Create a token (management token needed)')
    .option('-k, --kind <kind>', 'management or client', 'client')
    .option('-n, --namespace <namespaces>', 'comma-separated namespaces a client token may act on', 'default')
    .option('-d, --description <text>', 'what the token is for')
    .option('-e, --expires-in <duration>', 'lifetime: 30s, 5m, 2h, 7d', durationMs)
    .action(async (opts: { kind: string; namespace: string; description?: string; expiresIn?: number }, cmd: Command) => {
      if (opts.kind !== 'management' && opts.kind !== 'client') throw new InvalidArgumentError(`--kind must be management or client, not "${opts.kind}".`);
      const body = {
        kind: opts.kind,
        ...(opts.kind === 'client'
          ? {
              namespaces: opts.namespace
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        ...(opts.description ? { description: opts.description } : {}),
        ...(opts.expiresIn ? { expiresInMs: opts.expiresIn } : {}),
      };
      showNew(await clientOf(cmd).json<NewApiToken>('POST', '/api/tokens', body), globalsOf(cmd).json === true);
    });
  token
    .command('list')
    .description('List tokens (never their secrets)')
    .action(async (_o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: ApiToken[] }>('GET', '/api/tokens');
      if (globalsOf(cmd).json) return printJson(items);
      print(
        table(
          ['ID', 'KIND', 'NAMESPACES', 'CREATED', 'EXPIRES', 'DESCRIPTION'],
          items.map((t) => [t.tokenId, t.kind, t.kind === 'management' ? '(all)' : t.namespaces.join(','), time(t.created), time(t.expires), t.description]),
        ),
      );
    });
  token
    .command('delete <token-id>')
    .description('Revoke a token')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await clientOf(cmd).json('DELETE', `/api/tokens/${seg(id)}`);
      if (globalsOf(cmd).json) return printJson({ deleted: id });
      print(`Revoked token ${id}`);
    });

  const namespace = program.command('namespace').description('Namespaces: pipelines belong to one; client tokens are scoped to some');
  namespace
    .command('list')
    .description('List namespaces')
    .action(async (_o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: Namespace[] }>('GET', '/api/namespaces');
      if (globalsOf(cmd).json) return printJson(items);
      print(
        table(
          ['NAMESPACE', 'CREATED', 'DESCRIPTION'],
          items.map((n) => [n.namespaceId, time(n.created), n.description]),
        ),
      );
    });
  namespace
    .command('create <namespace>')
    .description('Create a namespace')
    .option('-d, --description <text>', 'what it is for')
    .action(async (id: string, opts: { description?: string }, cmd: Command) => {
      const ns = await clientOf(cmd).json<Namespace>('POST', '/api/namespaces', {
        namespaceId: id,
        ...(opts.description ? { description: opts.description } : {}),
      });
      if (globalsOf(cmd).json) return printJson(ns);
      print(`Created namespace ${ns.namespaceId}`);
    });
  namespace
    .command('delete <namespace>')
    .description('Delete an empty namespace')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await clientOf(cmd).json('DELETE', `/api/namespaces/${seg(id)}`);
      if (globalsOf(cmd).json) return printJson({ deleted: id });
      print(`Deleted namespace ${id}`);
    });
}
