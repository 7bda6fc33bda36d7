/** `gofer pipeline create|list|get|versions|deploy|enable|disable|delete`. */
import type { Command } from 'commander';
import type { PipelineInfo, PipelineVersion } from '../../api/index.js';
import { clientOf, globalsOf, positiveInt, seg } from '../context.js';
import { loadPipelineFile } from '../load-pipeline-file.js';
import { paint, print, printJson, statusStyle, table, time } from '../output.js';

function pipelineRows(list: PipelineInfo[]): string {
  return table(
    ['PIPELINE', 'NAMESPACE', 'NAME', 'STATE', 'LIVE', 'LATEST', 'MODIFIED'],
    list.map((p) => [
      p.pipelineId,
      p.namespace,
      p.name,
      paint(statusStyle(p.state), p.state),
      String(p.liveVersion),
      String(p.latestVersion),
      time(p.modified),
    ]),
  );
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('Register and manage pipelines');

  pipeline
    .command('create <file>')
    .description('Register a pipeline (a .json config, or a .ts/.js module whose default export is built with the SDK) as a new version')
    .option('-n, --namespace <namespace>', 'namespace of a new pipeline (default "default")')
    .action(async (file: string, opts: { namespace?: string }, cmd: Command) => {
      const config = await loadPipelineFile(file);
      const version = await clientOf(cmd).json<PipelineVersion>('POST', '/api/pipelines', { config, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
      if (globalsOf(cmd).json) return printJson(version);
      print(
        `Registered ${paint('bold', version.pipelineId)} version ${version.version}${version.deployed ? ' (deployed)' : ` (deploy it with: gofer pipeline deploy ${version.pipelineId} ${version.version})`}`,
      );
    });

  pipeline
    .command('list')
    .description('List pipelines')
    .option('-n, --namespace <namespace>', 'only this namespace')
    .action(async (opts: { namespace?: string }, cmd: Command) => {
      const q = opts.namespace ? `?namespace=${seg(opts.namespace)}` : '';
      const items = await clientOf(cmd).all<PipelineInfo>(`/api/pipelines${q}`);
      if (globalsOf(cmd).json) return printJson(items);
      print(pipelineRows(items));
    });

  pipeline
    .command('get <pipeline>')
    .description('Show a pipeline and its live config')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      const info = await client.json<PipelineInfo>('GET', `/api/pipelines/${seg(id)}`);
      const live = info.liveVersion > 0 ? await client.json<PipelineVersion>('GET', `/api/pipelines/${seg(id)}/versions/${info.liveVersion}`) : undefined;
      if (globalsOf(cmd).json) return printJson({ ...info, config: live?.config });
      print(pipelineRows([info]));
      if (info.description) print(`\n${info.description}`);
      if (live) {
        print('');
        print(
          table(
            ['TASK', 'IMAGE', 'DEPENDS ON', 'COMMAND'],
            live.config.tasks.map((t) => [
              t.id,
              t.kind === 'approval' ? '(approval)' : t.image,
              Object.entries(t.dependsOn ?? {})
                .map(([p, s]) => `${p}:${s}`)
                .join(', ') || '-',
              t.kind === 'approval' ? t.message : (t.command ?? []).join(' ') || '-',
            ]),
          ),
        );
      }
    });

  pipeline
    .command('versions <pipeline>')
    .description("List a pipeline's versions")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const items = await clientOf(cmd).all<PipelineVersion>(`/api/pipelines/${seg(id)}/versions`);
      if (globalsOf(cmd).json) return printJson(items);
      print(
        table(
          ['VERSION', 'DEPLOYED', 'TASKS', 'CREATED'],
          items.map((v) => [String(v.version), v.deployed ? paint('green', 'yes') : 'no', String(v.config.tasks.length), time(v.created)]),
        ),
      );
    });

  pipeline
    .command('deploy <pipeline> [version]')
    .description('Make a version live (default: the latest)')
    .action(async (id: string, version: string | undefined, _opts: unknown, cmd: Command) => {
      const body = version === undefined ? {} : { version: positiveInt(version) };
      const info = await clientOf(cmd).json<PipelineInfo>('POST', `/api/pipelines/${seg(id)}/deploy`, body);
      if (globalsOf(cmd).json) return printJson(info);
      print(`Deployed ${info.pipelineId} version ${info.liveVersion}`);
    });

  for (const action of ['enable', 'disable'] as const) {
    pipeline
      .command(`${action} <pipeline>`)
      .description(action === 'enable' ? 'Allow runs to start again' : 'Refuse new runs')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const info = await clientOf(cmd).json<PipelineInfo>('POST', `/api/pipelines/${seg(id)}/${action}`);
        if (globalsOf(cmd).json) return printJson(info);
        print(`${info.pipelineId} is ${paint(statusStyle(info.state), info.state)}`);
      });
  }

  pipeline
    .command('delete <pipeline>')
    .description('Delete a pipeline with its versions, runs, logs and objects')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await clientOf(cmd).json('DELETE', `/api/pipelines/${seg(id)}`);
      if (globalsOf(cmd).json) return printJson({ deleted: id });
      print(`Deleted ${id}`);
    });
}
