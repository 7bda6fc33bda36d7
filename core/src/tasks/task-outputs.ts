// STUB (replaced by helper's module at merge)
export const OUTPUT_LIMITS = { maxBytes: 1024 * 1024, maxKeys: 256, maxValueBytes: 256 * 1024 } as const;
export interface ParsedOutput { key: string; value: string; secret: boolean }
export class OutputsInvalidError extends Error { readonly line?: number; }
export function parseOutputs(bytes: Uint8Array, limits?: Partial<typeof OUTPUT_LIMITS>): ParsedOutput[] { void bytes; void limits; return []; }
export const OUTPUT_REFERENCE = /\{\{\s*tasks\.([A-Za-z0-9_\-[\]=,.:/+@]+?)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
export function outputReferences(value: string): Array<{ taskId: string; key: string }> { return [...value.matchAll(OUTPUT_REFERENCE)].map((m) => ({ taskId: m[1]!, key: m[2]! })); }
