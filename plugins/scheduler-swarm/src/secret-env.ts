/**
 * Docker secrets as environment variables. Swarm mounts a secret as a file under
 * `/run/secrets/<name>`; programs that expect `ENV=value` get it from the task wrapper
 * (task-wrapper.ts), which reads the file and exports the variable before the task's real
 * command runs. Gofer never sees the value: only the engine on the node that runs the task does.
 */
import { GoferError } from '@gofer/core/api';

/** A POSIX environment variable name. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Docker's rule for secret names. */
const SECRET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** Where swarm mounts a secret attached with a bare file name. */
export function secretPath(secretName: string): string {
  return `/run/secrets/${secretName}`;
}

/** Checks the request's `ENV -> secret name` map; names the bad key and the fix. */
export function validateSecretMap(secrets: Record<string, string>): void {
  for (const [env, name] of Object.entries(secrets)) {
    if (!ENV_NAME.test(env)) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `secrets.${env}: "${env}" is not a valid environment variable name (letters, digits and _, not starting with a digit).`,
        { details: { field: `secrets.${env}` } },
      );
    }
    if (!SECRET_NAME.test(name)) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `secrets.${env}: "${name}" is not a Docker secret name; give the name used with \`docker secret create NAME -\`.`,
        { details: { field: `secrets.${env}` } },
      );
    }
  }
}

/** Quotes one word for a POSIX shell: single quotes, with embedded quotes spliced in. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** For `secretDelivery: file`: `<ENV>_FILE=/run/secrets/<name>` for each secret. */
export function secretFileVariables(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([env, name]) => [`${env}_FILE`, secretPath(name)]));
}

/** For `secretDelivery: file`: the keys that carry the secrets, `<ENV>_FILE -> secret name` (the response's `secretEnv`). */
export function secretFileKeys(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([env, name]) => [`${env}_FILE`, name]));
}
