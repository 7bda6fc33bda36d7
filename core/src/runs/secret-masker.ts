/**
 * Masks secret values in a byte stream that arrives in chunks. A value may be split across
 * chunks, so the masker holds back the longest tail of the output that could still be the
 * start of a secret, and releases it once the next chunk (or the end) decides. Multi-line values
 * are masked whole, and each of their lines is masked on its own too (a program may print one
 * line of a key).
 */
import { SECRET_MASK } from './variables.js';

const MASK = Buffer.from(SECRET_MASK);
/** Lines shorter than this are too common to mask on their own ("{", "-----"). */
const MIN_LINE_TO_MASK = 6;

export class SecretMasker {
  private readonly needles: Buffer[];
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
  }

  /** True when there is nothing to mask (the stream passes through untouched). */
  get empty(): boolean {
    return this.needles.length === 0;
  }

  /** Takes the next chunk; returns what can be released now (masked). */
  push(chunk: Uint8Array): Buffer {
    if (this.empty) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const masked = this.mask(data);
    const hold = this.heldTail(masked);
    this.pending = masked.subarray(masked.length - hold);
    return masked.subarray(0, masked.length - hold);
  }

  /** Releases whatever is held back (at the end of the stream). */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }

  private mask(data: Buffer): Buffer {
    let out = data;
    for (const needle of this.needles) {
      let at = out.indexOf(needle);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(out.subarray(from, at), MASK);
        from = at + needle.length;
        at = out.indexOf(needle, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
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
