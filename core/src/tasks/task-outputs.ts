/**
 * A task's outputs: the `$GOFER_OUTPUT` file it writes (the format of GitHub Actions'
 * GITHUB_OUTPUT), read once the task ended (later tasks' references to them are in
 * pipelines/output-references.ts). Pure: bytes in, outputs out.
 *
 * The file, one output per line (LF or CRLF line ends; blank lines ignored):
 * - `KEY=value`: the value is the rest of the line, `=` and spaces included;
 * - `KEY<<DELIMITER`, then the value's lines, then a line that is exactly `DELIMITER`: the
 *   value is the lines between, joined with `\n` (CRLF ends become `\n` too), without a final
 *   newline;
 * - `KEY::secret=value` and `KEY::secret<<DELIMITER`: the same, marked secret (shown masked).
 * A key written again replaces its value and moves to the place of its last write; a key
 * written secret once stays secret. Keys are environment variable names.
 */

/** What one output file may hold: its size, how many keys, the size of one value. */
export const OUTPUT_LIMITS = { maxBytes: 1024 * 1024, maxKeys: 256, maxValueBytes: 256 * 1024 } as const;

/** Limits of the shape of {@link OUTPUT_LIMITS}, as plain numbers (its own types are the literal defaults). */
export type OutputLimits = { readonly [K in keyof typeof OUTPUT_LIMITS]: number };

/** One output, in the order of the last writes. */
export interface ParsedOutput {
  key: string;
  value: string;
  secret: boolean;
}

/** The output file cannot be read as outputs; the message says what to fix (and where, with `line`, from 1). */
export class OutputsInvalidError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'OutputsInvalidError';
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_FLAG = '::secret';

/**
 * Reads an output file. Throws {@link OutputsInvalidError} when it is over `maxBytes`, holds
 * more than `maxKeys` keys or a value over `maxValueBytes`, is not UTF-8, has a line that is
 * neither form, a key that is not an environment variable name, a heredoc without a delimiter
 * or one that never ends. `limits` replaces some of {@link OUTPUT_LIMITS} (tests, smaller
 * quotas).
 */
export function parseOutputs(bytes: Uint8Array, limits: Partial<OutputLimits> = {}): ParsedOutput[] {
  // `??`, not a spread: an explicit `undefined` must not lift a limit.
  const maxBytes = limits.maxBytes ?? OUTPUT_LIMITS.maxBytes;
  const maxKeys = limits.maxKeys ?? OUTPUT_LIMITS.maxKeys;
  const maxValueBytes = limits.maxValueBytes ?? OUTPUT_LIMITS.maxValueBytes;
  if (bytes.length > maxBytes) throw new OutputsInvalidError(`the output file is ${bytes.length} bytes, over the limit of ${sizeOf(maxBytes)}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OutputsInvalidError('the output file is not valid UTF-8: write text');
  }
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.at(-1) === '') lines.pop(); // the newline that ends the last line
  const outputs = new Map<string, ParsedOutput>();
  const secrets = new Set<string>();
  const encoder = new TextEncoder();

  const put = (key: string, value: string, secret: boolean, line: number) => {
    const size = encoder.encode(value).length;
    if (size > maxValueBytes) throw new OutputsInvalidError(`the value of ${key} is ${size} bytes, over the limit of ${sizeOf(maxValueBytes)}`, line);
    if (secret) secrets.add(key);
    outputs.delete(key);
    outputs.set(key, { key, value, secret: secrets.has(key) });
    if (outputs.size > maxKeys) throw new OutputsInvalidError(`${key} is key number ${outputs.size}, over the limit of ${maxKeys} keys`, line);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const number = i + 1;
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    const isHeredoc = heredoc >= 0 && (eq < 0 || heredoc < eq);
    if (!isHeredoc && eq < 0) throw new OutputsInvalidError(`${quote(line)} is not KEY=value or KEY<<DELIMITER`, number);
    const { key, secret } = keyOf(line.slice(0, isHeredoc ? heredoc : eq), number);
    if (!isHeredoc) {
      put(key, line.slice(eq + 1), secret, number);
      continue;
    }
    const delimiter = line.slice(heredoc + 2);
    if (delimiter === '') throw new OutputsInvalidError(`${quote(line)} has no delimiter after <<: write ${key}<<EOF, the value's lines, then EOF`, number);
    const end = lines.indexOf(delimiter, i + 1);
    if (end < 0)
      throw new OutputsInvalidError(
        `the value of ${key} starts a heredoc that ends at a line ${quote(delimiter)}, but the file ends before such a line`,
        number,
      );
    put(key, lines.slice(i + 1, end).join('\n'), secret, number);
    i = end;
  }
  return [...outputs.values()];
}

function keyOf(raw: string, line: number): { key: string; secret: boolean } {
  const secret = raw.endsWith(SECRET_FLAG);
  const key = secret ? raw.slice(0, -SECRET_FLAG.length) : raw;
  if (KEY.test(key)) return { key, secret };
  if (raw.includes('::')) throw new OutputsInvalidError(`${quote(raw)} is not a key: the only flag is ::secret (KEY::secret=value)`, line);
  throw new OutputsInvalidError(`${quote(raw)} is not an environment variable name: use letters, digits and _, not starting with a digit`, line);
}

function sizeOf(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
