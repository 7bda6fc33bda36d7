/**
 * Masks the secret values this scheduler resolved itself (the task's `secrets`, read from the
 * configured secrets source). The core masks only the values it substituted; these it never
 * sees, so without this a task that prints one would write it into Gofer's logs.
 */
import { SecretMasker, type LogChunk } from '@gofer/core/api';

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
