/** The `gofer` command tree (commander). Every command but `service start` is an HTTP client of the service. */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerEventCommands } from './commands/event.js';
import { registerExtensionCommands } from './commands/extension.js';
import { registerObjectCommands } from './commands/object.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerRunCommands } from './commands/run.js';
import { registerSecretCommands } from './commands/secret.js';
import { registerServiceCommands } from './commands/service.js';
import { registerTaskCommands } from './commands/task.js';
import { registerTokenCommands } from './commands/token.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Builds the program. Errors are thrown (exitOverride), so main() decides the exit code. */
export function buildProgram(): Command {
  const program = new Command('gofer')
    .description('Gofer: a container pipeline runner. Commands talk to the service at --host (default http://127.0.0.1:8080).')
    .version(pkg.version)
    .option('--host <url>', 'service URL or host[:port] (env GOFER_HOST, GOFER_PORT)')
    .option('--token <token>', 'API token (env GOFER_TOKEN)')
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 success, 1 failure (API error, or a run that did not succeed), 2 usage error.')
    .exitOverride();
  registerServiceCommands(program);
  registerPipelineCommands(program);
  registerRunCommands(program);
  registerTaskCommands(program);
  registerSecretCommands(program);
  registerObjectCommands(program);
  registerExtensionCommands(program);
  registerEventCommands(program);
  registerTokenCommands(program);
  // Subcommands inherit exitOverride and help-after-error from their parents only when set on each.
  const configure = (cmd: Command) => {
    cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
    cmd.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}
