/**
 * The one shell wrapper around a task's command: `[shell, -c, script, gofer-task, ...argv]`.
 * Arguments pass through `"$@"` without another round of shell parsing, so spaces, quotes and
 * `$` arrive exactly as given. It does either or both of:
 * - **secrets** (`secretDelivery: env`): exports each Docker secret from its file first;
 * - **outputs**: runs the task as its child, forwarding the stop signals to it, and once it has
 *   ended prints the `GOFER_OUTPUT` file as a trailer framed by the execution's nonce
 *   (output-trailer.ts), then exits with the task's exit code (128 + n when a signal ended it).
 * Without outputs it `exec`s the task, which then is the container's main process as before.
 */
import { BEGIN_WORD, END_WORD, OUTPUT_PATH } from './output-trailer.js';
import { secretPath, shellQuote } from './secret-env.js';

/** What the wrapper does besides running the task. */
export interface WrapperOptions {
  /** The POSIX shell that runs the script (setting `shell`); it must exist in the image. */
  shell: string;
  /** `ENV -> Docker secret name`, exported from `/run/secrets/<name>` before the task runs. */
  secrets?: Readonly<Record<string, string>>;
  /** Print the output file after the task, framed by this nonce (hex). */
  outputNonce?: string;
}

/**
 * Signals forwarded to the task. Note: a POSIX shell starts a background command with INT and
 * QUIT ignored (no job control), so those two reach only a task that sets its own handler;
 * TERM, what Gofer and swarm send by default, always arrives.
 */
const FORWARDED = ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2'] as const;

/** A secret file that cannot be read stops the task (exit 126) instead of running it with an empty variable. */
function secretLines(secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(secrets).map(([env, name]) => `${env}="$(cat ${shellQuote(secretPath(name))})" || exit 126; export ${env}`);
}

/**
 * Runs "$@" as a child and waits for it, forwarding signals. A signal that comes before the
 * child exists is remembered and sent once it does. `wait` returns early when a trapped signal
 * arrives, so it is repeated while the child lives; a last `wait` then reads the exit status,
 * which the shell keeps for a child it has already reaped (dash, bash and busybox ash alike).
 */
function childLines(): string[] {
  return [
    'c=; p=',
    ...FORWARDED.map((s) => `trap 'if [ -n "$c" ]; then kill -${s} "$c" 2>/dev/null; else p=${s}; fi' ${s}`),
    '"$@" <&0 &',
    'c=$!',
    '[ -z "$p" ] || kill -"$p" "$c" 2>/dev/null',
    'while kill -0 "$c" 2>/dev/null; do wait "$c"; done',
    'wait "$c"; r=$?',
  ];
}

/**
 * Prints the output file, when the task wrote one, as base64 (coreutils and busybox have it),
 * else as od's hex (POSIX), else raw (correct only for text: the log driver may replace bytes
 * that are not UTF-8, which the length in the header then exposes).
 */
function trailerLines(nonce: string): string[] {
  const o = shellQuote(OUTPUT_PATH);
  return [
    `if [ -s ${o} ]; then`,
    `  n=$(wc -c < ${o} 2>/dev/null); n=$(echo $n)`,
    '  if command -v base64 >/dev/null 2>&1; then e=base64; elif command -v od >/dev/null 2>&1; then e=hex; else e=raw; fi',
    `  printf '${BEGIN_WORD} %s %s %s\\n' ${nonce} "$e" "\${n:--}"`,
    `  case $e in base64) base64 < ${o};; hex) od -An -v -tx1 < ${o};; *) cat < ${o}; echo;; esac`,
    `  printf '${END_WORD} %s\\n' ${nonce}`,
    'fi',
    'exit "$r"',
  ];
}

/** The wrapped entrypoint: `[shell, -c, script, 'gofer-task', ...argv]`. */
export function wrapperEntrypoint(options: WrapperOptions, argv: readonly string[]): string[] {
  if (options.outputNonce !== undefined && !/^[0-9a-f]+$/.test(options.outputNonce)) throw new Error('the output nonce must be hex');
  const lines = [
    ...secretLines(options.secrets ?? {}),
    ...(options.outputNonce !== undefined ? [...childLines(), ...trailerLines(options.outputNonce)] : ['exec "$@"']),
  ];
  return [options.shell, '-c', lines.join('\n'), 'gofer-task', ...argv];
}
