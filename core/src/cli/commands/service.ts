/**
 * `gofer service start`: the core and the HTTP API in this process, until SIGTERM/SIGINT. On a
 * signal the server stops accepting and live streams end, then the core closes; unfinished
 * runs keep their state and resume on the next start. A second signal exits at once.
 */
import type { Command } from 'commander';
import type { GoferConfigInput } from '../../api/index.js';
import { positiveIntOrZero } from './service-args.js';

interface StartOptions {
  config?: string;
  bind?: string;
  port?: number;
  dataDir?: string;
  scheduler?: string;
  /** False with --no-scheduler-check (commander's negated option). */
  schedulerCheck?: boolean;
}

export function registerServiceCommands(program: Command): void {
  program
    .command('service')
    .description('Run the Gofer service')
    .command('start')
    .description('Start the core and the HTTP API (config: gofer.config.json, GOFER_CONFIG, GOFER_* variables)')
    .option('-c, --config <file>', 'config file (default $GOFER_CONFIG, else ./gofer.config.json when present)')
    .option('--bind <host>', 'address to listen on (config server.host, GOFER_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (config server.port, GOFER_PORT; default 8080)', positiveIntOrZero)
    .option('--data-dir <dir>', 'where the database and logs live (config dataDir, GOFER_DATA_DIR)')
    .option('--scheduler <name>', 'scheduler plugin (config scheduler, GOFER_SCHEDULER; default process)')
    .option(
      '--no-scheduler-check',
      'start even when the scheduler is not ready, e.g. the Docker engine does not answer (config checkScheduler, GOFER_CHECK_SCHEDULER=0)',
    )
    .action(async (opts: StartOptions) => {
      const config: Partial<GoferConfigInput> = {};
      if (opts.dataDir) config.dataDir = opts.dataDir;
      if (opts.scheduler) config.scheduler = opts.scheduler;
      // Only the flag given turns the check off; its absence leaves the file's or GOFER_CHECK_SCHEDULER's choice.
      if (opts.schedulerCheck === false) config.checkScheduler = false;
      // GOFER_HOST also tells the CLI where the service is, so it may hold a URL: listen on its host (and port).
      const envHost = process.env.GOFER_HOST;
      if (opts.bind === undefined && envHost && /^https?:\/\//.test(envHost)) {
        const url = new URL(envHost);
        opts.bind = url.hostname.replace(/^\[|\]$/g, '');
        if (opts.port === undefined && url.port && !process.env.GOFER_PORT) opts.port = Number(url.port);
      }
      if (opts.bind !== undefined || opts.port !== undefined) {
        // Merged over the file and GOFER_* values key by key, so one flag leaves the other key alone.
        config.server = {
          ...(opts.bind !== undefined ? { host: opts.bind } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
        } as GoferConfigInput['server'];
      }
      // Loaded here, not at the top: client commands need not load the whole core.
      const { startService } = await import('../../server/start-service.js');
      const service = await startService({ ...(opts.config ? { configPath: opts.config } : {}), config });
      // One plain line on stdout that scripts (and tests) can wait for.
      process.stdout.write(`Gofer service listening on ${service.server.address.url}\n`);

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) {
            service.gofer.logger.warn('second signal: exiting without a clean shutdown', { signal });
            process.exit(1);
          }
          stopping = true;
          service.gofer.logger.info('shutting down', { signal });
          void service.close().then(resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      process.stdout.write('Gofer service stopped\n');
      // Everything is closed; a handle some module forgot must not keep the service alive.
      const leftover = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      if (leftover.length > 0) service.gofer.logger.debug('exiting with handles still open', { handles: leftover });
      process.exit(process.exitCode ?? 0);
    });
}
