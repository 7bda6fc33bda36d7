/**
 * The file-drop extension: a pipeline subscribes with a folder; each new file that appears in it
 * starts one run, with the file's path in `DROPPED_FILE`. Files already there when the
 * subscription starts count as seen; the names seen are kept in `ctx.state`, so a restarted
 * Gofer does not start their runs again.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GoferError,
  Type,
  defineExtension,
  type Extension,
  type ExtensionContext,
  type ExtensionDefinition,
  type Static,
  type Subscription,
} from '@gofer/core/api';

/** Settings (`extensions["file-drop"]` in gofer.config.json). */
export const settingsSchema = Type.Object(
  {
    /** How often each folder is listed, in ms; default 1000. */
    pollMs: Type.Optional(Type.Integer({ minimum: 10, default: 1000 })),
  },
  { additionalProperties: false },
);

export type FileDropSettings = Static<typeof settingsSchema>;

/** One watched folder. */
interface Watch {
  sub: Subscription;
  timer?: NodeJS.Timeout;
}

export class FileDropExtension implements Extension {
  private readonly watches = new Map<string, Watch>();
  private readonly pollMs: number;

  constructor(
    private readonly ctx: ExtensionContext,
    settings: FileDropSettings,
  ) {
    this.pollMs = settings.pollMs ?? 1000;
    ctx.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  async subscribe(sub: Subscription): Promise<void> {
    const dir = sub.settings.dir;
    if (!dir) throw new GoferError('ERR_INVALID_ARGUMENT', 'Give the folder to watch: the subscription setting "dir".');
    await this.unsubscribe(sub);
    // What is there now is not "new"; a name seen before a restart is in the state already.
    if ((await this.ctx.state.get(stateKey(sub))) === undefined) await this.remember(sub, await this.list(dir));
    const watch: Watch = { sub };
    this.watches.set(sub.subscriptionId, watch);
    this.arm(watch);
  }

  async unsubscribe(sub: { subscriptionId: string }): Promise<void> {
    clearTimeout(this.watches.get(sub.subscriptionId)?.timer);
    this.watches.delete(sub.subscriptionId);
  }

  async close(): Promise<void> {
    for (const watch of this.watches.values()) clearTimeout(watch.timer);
    this.watches.clear();
  }

  /** Lists the folder once and starts a run per new file. */
  async scan(watch: Watch): Promise<void> {
    const dir = watch.sub.settings.dir!;
    const seen = await this.seen(watch.sub);
    const fresh = (await this.list(dir)).filter((name) => !seen.has(name));
    for (const name of fresh) {
      // The file name as eventId: a second start for the same file returns the first run.
      await this.ctx.startRun({
        subscriptionId: watch.sub.subscriptionId,
        variables: { DROPPED_FILE: join(dir, name) },
        reason: `file ${name} appeared in ${dir}`,
        eventId: name,
      });
    }
    if (fresh.length > 0) await this.remember(watch.sub, [...seen, ...fresh]);
  }

  /** A fresh timeout per poll: a slow scan never overlaps the next one. */
  private arm(watch: Watch): void {
    watch.timer = setTimeout(async () => {
      try {
        await this.scan(watch);
      } catch (err) {
        this.ctx.logger.warn('file-drop: scan failed', { dir: watch.sub.settings.dir, error: (err as Error).message });
      }
      if (this.watches.get(watch.sub.subscriptionId) === watch) this.arm(watch);
    }, this.pollMs);
  }

  private async list(dir: string): Promise<string[]> {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  }

  private async seen(sub: Subscription): Promise<Set<string>> {
    const stored = await this.ctx.state.get(stateKey(sub));
    return new Set(stored ? (JSON.parse(stored) as string[]) : []);
  }

  private async remember(sub: Subscription, names: string[]): Promise<void> {
    await this.ctx.state.set(stateKey(sub), JSON.stringify(names));
  }
}

/** Where the names seen in a subscription's folder are kept. */
function stateKey(sub: Subscription): string {
  return `seen:${sub.subscriptionId}`;
}

/** The extension's definition: the package's default export. */
const fileDrop: ExtensionDefinition<FileDropSettings> = defineExtension({
  name: 'file-drop',
  apiVersion: 1,
  settingsSchema,
  subscriptionSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    properties: { dir: { type: 'string', minLength: 1, description: 'The folder to watch.' } },
  },
  create: (ctx, settings) => new FileDropExtension(ctx, settings),
});

export default fileDrop;
