/**
 * The "core" that dies mid-task, for the contract's restart check: starts one task, follows its
 * log until "before", prints `schedulerId=<id>` and exits at once, closing nothing.
 *   node [the parent's execArgv] restart-child.js <factoryModule> <dataDir> <requestJson>
 */
import type { StartContainerRequest } from '@gofer/core/api';
import type { SchedulerFactoryModule } from './contract.js';

const [factoryModule, dataDir, requestJson] = process.argv.slice(2) as [string, string, string];
const factory = (await import(factoryModule)) as SchedulerFactoryModule;
const scheduler = await factory.createScheduler(dataDir);
const { schedulerId } = await scheduler.startContainer(JSON.parse(requestJson) as StartContainerRequest);
let seen = '';
for await (const chunk of await scheduler.getLogs({ schedulerId })) {
  if (chunk.stream === 'stdout') seen += Buffer.from(chunk.data).toString();
  if (seen.includes('before')) break;
}
process.stdout.write(`schedulerId=${schedulerId}\n`, () => process.exit(0));
