/** Argument parsers of `gofer service start`. */
import { InvalidArgumentError } from 'commander';

/** A port: an integer 0-65535 (0: any free port). */
export function positiveIntOrZero(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port (0-65535).`);
  return n;
}
