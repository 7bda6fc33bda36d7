/**
 * After a restart, this instance no longer knows the secret values it resolved for a container:
 * it reads them back from the container's env, by the names a label lists, to mask them in logs
 * (`maskedLogs` from the core API).
 */
/** Label that lists (comma-separated) the env names holding scheduler-resolved secrets. */
export const SECRET_ENV_LABEL = 'gofer.secret-env';

/** The secret values of a container, read back from its env (for containers this instance did not start). */
export function secretValuesFromEnv(labels: Record<string, string> | undefined, env: readonly string[] | undefined): string[] {
  const names = (labels?.[SECRET_ENV_LABEL] ?? '').split(',').filter(Boolean);
  return names.flatMap((name) => {
    const entry = (env ?? []).find((e) => e.startsWith(`${name}=`));
    return entry === undefined ? [] : [entry.slice(name.length + 1)];
  });
}
