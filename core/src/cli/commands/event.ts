/** `gofer event list [-f]`. */
import type { Command } from 'commander';
import type { GoferEvent } from '../../api/index.js';
import { clientOf, globalsOf, positiveInt } from '../context.js';
import { paint, print, printJson, table, time } from '../output.js';

const payloadText = (e: GoferEvent) =>
  Object.entries(e.payload)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

export function registerEventCommands(program: Command): void {
  program
    .command('event')
    .description('The event log')
    .command('list')
    .description('List events; with -f keep printing new ones (Ctrl-C stops)')
    .option('-f, --follow', 'follow live events')
    .option('-a, --after <id>', 'only events after this id', (v) => positiveInt(v))
    .option('-t, --types <types>', 'comma-separated types, e.g. run.completed,task.completed')
    .option('-l, --limit <n>', 'at most this many (without --follow)', positiveInt)
    .action(async (opts: { follow?: boolean; after?: number; types?: string; limit?: number }, cmd: Command) => {
      const client = clientOf(cmd);
      const json = globalsOf(cmd).json === true;
      const q = new URLSearchParams();
      if (opts.after !== undefined) q.set('after', String(opts.after));
      if (opts.types) q.set('types', opts.types);
      if (opts.limit && !opts.follow) q.set('limit', String(opts.limit));
      if (!opts.follow) {
        const { items } = await client.json<{ items: GoferEvent[] }>('GET', `/api/events?${q.toString()}`);
        if (json) return printJson(items);
        print(
          table(
            ['ID', 'AT', 'TYPE', 'PAYLOAD'],
            items.map((e) => [String(e.id), time(e.at), e.type, payloadText(e)]),
          ),
        );
        return;
      }
      q.set('follow', 'true');
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      for await (const msg of client.sse(`/api/events?${q.toString()}`, stop.signal)) {
        if (msg.event !== 'event') continue;
        const e = msg.data as GoferEvent;
        // One JSON object per line with --json, so scripts can read the stream line by line.
        if (json) process.stdout.write(`${JSON.stringify(e)}\n`);
        else print(`${paint('grey', String(e.id).padStart(6))} ${time(e.at)} ${paint('bold', e.type.padEnd(22))} ${payloadText(e)}`);
      }
    });
}
