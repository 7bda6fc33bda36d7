/**
 * Exit codes scripts can rely on: 0 success, 1 failure (an API error, a run that did not
 * succeed), 2 usage error (unknown command or option, bad argument).
 */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2 } as const;

/** Sets the exit code the process ends with, without ending it (streams still flush). */
export function setExitCode(kind: keyof typeof EXIT_CODES): void {
  process.exitCode = EXIT_CODES[kind];
}
