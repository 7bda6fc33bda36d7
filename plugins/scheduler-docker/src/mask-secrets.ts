/**
 * Masks the secret values this scheduler resolved itself (`secrets` ENV -> location, read from
 * the secrets directory or env-file). The core masks only the values it substituted; these it
 * never sees, so without this a task that prints one would write it into Gofer's logs.
 */
import { SecretMasker, type LogChunk } from '@gofer/core/api';

/** Label that lists (comma-separated) the env names holding scheduler-resolved secrets. */
export const SECRET_ENV_LABEL = 'gofer.secret-env';

/** `source` with every occurrence of `values` replaced by the mask, per stream. */
export function maskedLogs(source: AsyncIterable<LogChunk>, values: readonly string[]): AsyncIterable<LogChunk> {
  if (values.length === 0) return source;
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

/** The secret values of a container, read back from its env (for containers this instance did not start). */
export function secretValuesFromEnv(labels: Record<string, string> | undefined, env: readonly string[] | undefined): string[] {
  const names = (labels?.[SECRET_ENV_LABEL] ?? '').split(',').filter(Boolean);
  return names.flatMap((name) => {
    const entry = (env ?? []).find((e) => e.startsWith(`${name}=`));
    return entry === undefined ? [] : [entry.slice(name.length + 1)];
  });
}
