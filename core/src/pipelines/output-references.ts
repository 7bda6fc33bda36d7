/** How a variable's value in a pipeline config refers to an ancestor's outputs; substituted by tasks/variables.ts. */

/**
 * A reference to an output in a variable's value: `{{tasks.<taskId>.outputs.<KEY>}}`, spaces
 * allowed inside the braces. The task id may be a matrix combination's
 * (`test[NODE=18,OS=alpine]`); group 1 is the task id, group 2 the key. Global: use it with
 * `replace` and `matchAll` (which do not share its `lastIndex`), not with `exec` or `test`.
 */
export const OUTPUT_REFERENCE = /\{\{\s*tasks\.([A-Za-z0-9_\-[\]=,.:/+@]+)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The output references in a value, in order (repeats included). */
export function outputReferences(value: string): Array<{ taskId: string; key: string }> {
  return [...value.matchAll(OUTPUT_REFERENCE)].map((m) => ({ taskId: m[1]!, key: m[2]! }));
}
