/**
 * Masks secret values in a byte stream that arrives in chunks. A value may be split across
 * chunks, so the masker holds back the longest tail of the output that could still be the
 * start of a secret, and releases it once the next chunk (or the end) decides. Multi-line values
 * are masked whole, and each of their lines is masked on its own too (a program may print one
 * line of a key).
 */

/** The mask written in place of secret values, in stored variables and in logs. */
export const SECRET_MASK = '********';

const MASK = Buffer.from(SECRET_MASK);
/** Lines shorter than this are too common to mask on their own ("{", "-----"). */
const MIN_LINE_TO_MASK = 6;

/** A streaming masker for one task execution's output. */
export class SecretMasker {
  private readonly needles: Buffer[];
  private readonly firstBytes: Set<number>;
  private pending: Buffer = Buffer.alloc(0);

  constructor(secretValues: readonly string[]) {
    const set = new Set<string>();
    for (const value of secretValues) {
      if (value === '') continue;
      set.add(value);
      if (/[\r\n]/.test(value)) {
        for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE_TO_MASK) set.add(line);
      }
    }
    // Longest first, so a whole multi-line value wins over its lines.
    this.needles = [...set].sort((a, b) => b.length - a.length).map((v) => Buffer.from(v));
    this.firstBytes = new Set(this.needles.map((n) => n[0]!));
  }

  /** True when there is nothing to mask (the stream passes through untouched). */
  get empty(): boolean {
    return this.needles.length === 0;
  }

  /** Takes the next chunk; returns what can be released now (masked). */
  push(chunk: Uint8Array): Buffer {
    if (this.empty) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    return this.scan(data, data.length - this.heldTail(data));
  }

  /** Releases whatever is held back, masked (at the end of the stream). */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest.length === 0 ? rest : this.scan(rest, rest.length);
  }

  /**
   * Masks left to right, longest secret first at each position, and stops at `releasable`:
   * bytes from there on could still become a (longer) secret and wait in `pending`.
   */
  private scan(data: Buffer, releasable: number): Buffer {
    const parts: Buffer[] = [];
    let plainFrom = 0;
    let i = 0;
    while (i < releasable) {
      if (this.firstBytes.has(data[i]!)) {
        const needle = this.needles.find((n) => data.length - i >= n.length && data.compare(n, 0, n.length, i, i + n.length) === 0);
        if (needle) {
          parts.push(data.subarray(plainFrom, i), MASK);
          i += needle.length;
          plainFrom = i;
          continue;
        }
      }
      i++;
    }
    parts.push(data.subarray(plainFrom, i));
    this.pending = Buffer.from(data.subarray(i));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Length of the longest suffix of `data` that is a proper prefix of some secret. */
  private heldTail(data: Buffer): number {
    let best = 0;
    for (const needle of this.needles) {
      const max = Math.min(needle.length - 1, data.length);
      for (let len = max; len > best; len--) {
        if (data.compare(needle, 0, len, data.length - len, data.length) === 0) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
