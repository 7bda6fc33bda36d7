/**
 * ANSI colours in task logs, rendered as text. anser parses the SGR codes; this module keeps
 * anser's colour state from one line to the next (a colour set on one line colours the next
 * ones until a reset, as in a terminal) and turns each line into plain segments that React
 * renders as text nodes: nothing a log contains is ever parsed as HTML.
 */
import Anser from 'anser';

export interface Segment {
  text: string;
  /** Space-separated classes: `ansi-red-fg`, `ansi-bright-blue-bg`, `ansi-bold`, ... */
  className?: string;
  /** CSS colours for 256-colour and true-colour codes (no class can name them). */
  color?: string;
  background?: string;
}

/** A line: its plain text (for search, copy and counting) and, when styled, its segments. */
export type LogLine = string | { text: string; segments: Segment[] };

export const lineText = (line: LogLine): string => (typeof line === 'string' ? line : line.text);

/** anser's instance state, which its typings do not declare. */
interface AnserState {
  fg: string | null;
  bg: string | null;
  fg_truecolor: string | null;
  bg_truecolor: string | null;
  decorations: string[];
}

const OPTIONS = { json: true, use_classes: true } as const;
// Escape sequences that are not SGR colour codes: OSC (titles, hyperlinks) and lone escapes.
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const STRAY_ESCAPE = /\x1b(?!\[)/g;

/** xterm's 256-colour palette: 16-231 a 6×6×6 cube, 232-255 a grey ramp. */
function paletteColor(index: number): string {
  if (index >= 232) {
    const v = 8 + (index - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = index - 16;
  const level = (n: number) => (n === 0 ? 0 : 55 + n * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

function colorOf(value: string | null, truecolor: string | null, side: 'fg' | 'bg'): { className?: string; css?: string } {
  if (value === null) return {};
  if (value === 'ansi-truecolor') return truecolor ? { css: `rgb(${truecolor})` } : {};
  const palette = /^ansi-palette-(\d+)$/.exec(value);
  if (palette) return { css: paletteColor(Number(palette[1])) };
  return { className: `${value}-${side}` };
}

export class AnsiLines {
  private readonly anser = new Anser();

  private get state(): AnserState {
    return this.anser as unknown as AnserState;
  }

  /** True while a colour or decoration carries over from earlier lines. */
  get styled(): boolean {
    const s = this.state;
    return s.fg !== null || s.bg !== null || s.decorations.length > 0;
  }

  private segment(text: string): Segment {
    const s = this.state;
    let fg = colorOf(s.fg, s.fg_truecolor, 'fg');
    let bg = colorOf(s.bg, s.bg_truecolor, 'bg');
    const decorations = s.decorations.filter((d) => d !== 'reverse');
    if (s.decorations.includes('reverse')) {
      [fg, bg] = [
        { ...(bg.className ? { className: bg.className.replace(/-bg$/, '-fg') } : {}), ...(bg.css ? { css: bg.css } : {}) },
        { ...(fg.className ? { className: fg.className.replace(/-fg$/, '-bg') } : {}), ...(fg.css ? { css: fg.css } : {}) },
      ];
      if (!fg.className && !fg.css) fg = { className: 'ansi-inverse-fg' };
      if (!bg.className && !bg.css) bg = { className: 'ansi-inverse-bg' };
    }
    const classes = [fg.className, bg.className, ...decorations.map((d) => `ansi-${d}`)].filter(Boolean).join(' ');
    return { text, ...(classes ? { className: classes } : {}), ...(fg.css ? { color: fg.css } : {}), ...(bg.css ? { background: bg.css } : {}) };
  }

  /** Parses one line (without its newline), in order: each call continues the previous one's colours. */
  parse(raw: string): LogLine {
    const hasEscape = raw.includes('\x1b');
    if (!hasEscape && !this.styled) return raw;
    const clean = hasEscape ? raw.replace(OSC, '').replace(STRAY_ESCAPE, '') : raw;
    const chunks = clean.split('\x1b[');
    const segments: Segment[] = [];
    const first = chunks.shift() ?? '';
    if (first) segments.push(this.segment(first));
    for (const chunk of chunks) {
      const { content } = this.anser.processChunkJson(chunk, OPTIONS, true);
      if (content) segments.push(this.segment(content));
    }
    const text = segments.map((s) => s.text).join('');
    if (segments.every((s) => !s.className && !s.color && !s.background)) return text;
    return { text, segments };
  }
}
