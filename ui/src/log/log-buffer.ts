/**
 * A task's log as lines, appended to as chunks arrive (chunks split lines anywhere). Complete
 * lines are parsed once, in order, when their newline arrives; the unfinished last line is shown
 * as it grows. Memory is one string per line: a 200,000-line log is a plain array.
 */
import { AnsiLines, lineText, type LogLine } from './ansi';

/** What a terminal shows for a line with carriage returns (progress bars): the text after the last one. */
function overwritten(line: string): string {
  const cr = line.lastIndexOf('\r');
  return cr < 0 ? line : line.slice(cr + 1);
}

// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const PARTIAL_ESCAPES = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?)?/g;

/** Which lines matched a query, and how many complete lines that covered. */
export interface SearchResult {
  query: string;
  hits: number[];
  scanned: number;
}

export class LogBuffer {
  private readonly lines: LogLine[] = [];
  private partial = '';
  private readonly ansi = new AnsiLines();
  private ended = false;
  /** Bytes of text appended (UTF-16 code units), for progress displays. */
  size = 0;

  append(text: string): void {
    if (this.ended || text.length === 0) return;
    this.size += text.length;
    let start = 0;
    let newline = text.indexOf('\n');
    if (newline < 0) {
      this.partial += text;
      return;
    }
    let line = this.partial + text.slice(0, newline);
    for (;;) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.lines.push(this.ansi.parse(overwritten(line)));
      start = newline + 1;
      newline = text.indexOf('\n', start);
      if (newline < 0) break;
      line = text.slice(start, newline);
    }
    this.partial = text.slice(start);
  }

  /** The log is complete: an unfinished last line becomes a line. */
  finish(): void {
    if (this.ended) return;
    if (this.partial) this.lines.push(this.ansi.parse(overwritten(this.partial)));
    this.partial = '';
    this.ended = true;
  }

  get complete(): boolean {
    return this.ended;
  }

  /** Lines shown, the growing last line included. */
  get lineCount(): number {
    return this.lines.length + (this.partial ? 1 : 0);
  }

  /** Complete lines only (what a line count after the end reports). */
  get completeLines(): number {
    return this.lines.length;
  }

  line(index: number): LogLine {
    if (index < this.lines.length) return this.lines[index]!;
    // The growing line is parsed once complete; until then it shows without its escape codes.
    return overwritten(this.partial).replace(PARTIAL_ESCAPES, '');
  }

  text(index: number): string {
    return lineText(this.line(index));
  }

  /**
   * Indexes of the lines containing `query` (case-insensitive), at most `limit`. Pass the previous
   * result for the same query to scan only what was added since (a live log is searched as it grows).
   */
  search(query: string, limit = 10_000, previous?: SearchResult): SearchResult {
    if (!query) return { query, hits: [], scanned: 0 };
    const needle = query.toLowerCase();
    const resume = previous && previous.query === query && previous.scanned <= this.lines.length;
    // Complete lines never change: a previous scan stands up to where it reached them.
    const hits = resume ? previous.hits.filter((i) => i < previous.scanned) : [];
    const count = this.lineCount;
    for (let i = resume ? previous.scanned : 0; i < count && hits.length < limit; i++) if (this.text(i).toLowerCase().includes(needle)) hits.push(i);
    return { query, hits, scanned: this.lines.length };
  }
}
