/**
 * Duration strings: `"30s"`, `"5m"`, `"1h30m"`, `"250ms"`. Composite values add up. Kept here
 * (a dozen lines) because the common `ms` package neither accepts composites nor ships types.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The JSON Schema pattern of a duration string, for settings schemas. */
export const DURATION_PATTERN = '^(\\d+(ms|s|m|h|d))+$';

const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Milliseconds in `text`; undefined when it is not a duration string. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}
