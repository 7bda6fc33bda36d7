/** Splits a byte stream into UTF-8 lines, refusing to buffer a line past a size limit. */
import { StringDecoder } from 'node:string_decoder';

/** Feeds complete lines of a child's stdout/stderr to a callback. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private discarding = false;

  /**
   * @param onLine called with each complete line (without "\r\n" / "\n"), empty lines skipped
   * @param onOverflow called once per line longer than `maxLineChars`; that line is dropped
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (size: number) => void,
    private readonly maxLineChars = 1_048_576,
  ) {}

  push(chunk: Buffer): void {
    this.buffer += this.decoder.write(chunk);
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (line.trim() !== '') this.onLine(line);
    }
    if (this.buffer.length > this.maxLineChars) {
      if (!this.discarding) this.onOverflow(this.buffer.length);
      this.discarding = true;
      this.buffer = '';
    }
  }
}
