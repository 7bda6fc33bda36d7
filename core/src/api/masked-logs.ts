/**
 * For scheduler plugins that resolve secrets themselves (see secret-source.ts): the core masks
 * only the values it substituted and never sees these, so the scheduler masks them in the logs
 * it returns, or a task that prints one would write it into Gofer's logs.
 */
import type { LogChunk } from './scheduler.js';
import { SecretMasker } from './secret-masker.js';

/** `source` with every occurrence of `values` replaced by the mask, per stream. */
export function maskedLogs(source: AsyncIterable<LogChunk>, values: readonly string[]): AsyncIterable<LogChunk> {
  if (values.every((v) => v === '')) return source;
  return (async function* () {
    const maskers = { stdout: new SecretMasker(values), stderr: new SecretMasker(values) };
    for await (const chunk of source) {
      const data = maskers[chunk.stream].push(chunk.data);
      if (data.length > 0) yield { stream: chunk.stream, data };
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const data = maskers[stream].flush();
      if (data.length > 0) yield { stream, data };
    }
  })();
}
