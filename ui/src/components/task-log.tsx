/**
 * <TaskLog>: a task's log, live. Only the lines in view are in the page (a 200,000-line log
 * scrolls like a short one), ANSI colours are drawn as styled text, the view follows new lines
 * until the user scrolls up (scrolling back to the end follows again), search highlights and
 * steps through matching lines, and the raw log downloads as a file.
 */
import { useDeferredValue, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useDownloadLog, useTaskLog, type LogStatus } from '../hooks/use-task-log';
import type { LogLine } from '../log/ansi';
import type { LogBuffer, SearchResult } from '../log/log-buffer';
import { formatCount } from './format';
import { useLineWindow } from './line-window';

const LINE_HEIGHT = 18;

export interface TaskLogProps {
  pipelineId: string;
  runId: number;
  taskId: string;
  /** Largest height of the log area in CSS pixels (default 480); a short log takes less. */
  height?: number;
}

const STATUS_TEXT: Record<LogStatus, string> = {
  connecting: 'Connecting…',
  waiting: 'Waiting for the task to start…',
  live: 'Live',
  complete: 'Complete',
  reconnecting: 'Reconnecting…',
  error: 'Failed',
};

function LineContent({ line, query }: { line: LogLine; query: string }) {
  if (typeof line === 'string') {
    if (!query) return <>{line}</>;
    // Highlight every occurrence of the query in a plain line.
    const lower = line.toLowerCase();
    const parts: ReactNode[] = [];
    let at = 0;
    for (let i = lower.indexOf(query); i >= 0; i = lower.indexOf(query, i + query.length)) {
      if (i > at) parts.push(line.slice(at, i));
      parts.push(<mark key={i}>{line.slice(i, i + query.length)}</mark>);
      at = i + query.length;
    }
    parts.push(line.slice(at));
    return <>{parts}</>;
  }
  return (
    <>
      {line.segments.map((s, i) => (
        <span
          key={i}
          {...(s.className ? { className: s.className } : {})}
          {...(s.color || s.background ? { style: { ...(s.color ? { color: s.color } : {}), ...(s.background ? { background: s.background } : {}) } } : {})}
        >
          {s.text}
        </span>
      ))}
    </>
  );
}

export function TaskLog({ pipelineId, runId, taskId, height = 480 }: TaskLogProps) {
  const log = useTaskLog(pipelineId, runId, taskId);
  const download = useDownloadLog(pipelineId, runId, taskId);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [downloadError, setDownloadError] = useState<string>();
  const searchId = useId();
  const count = log.buffer.lineCount;

  const win = useLineWindow(scrollRef, count, LINE_HEIGHT, { atEnd: follow });

  // Search runs on the deferred query, so typing stays responsive on a very long log.
  const deferredQuery = useDeferredValue(query.trim().toLowerCase());
  // A live log is searched as it grows: each search goes on from the last one on the same buffer.
  const lastSearch = useRef<{ buffer: LogBuffer; result: SearchResult } | undefined>(undefined);
  const hits = useMemo(() => {
    const previous = lastSearch.current?.buffer === log.buffer ? lastSearch.current.result : undefined;
    const result = log.buffer.search(deferredQuery, 10_000, previous);
    lastSearch.current = { buffer: log.buffer, result };
    return result.hits;
  }, [log.buffer, deferredQuery, log.version]); // eslint-disable-line react-hooks/exhaustive-deps
  const hitSet = useMemo(() => new Set(hits), [hits]);
  const currentLine = hits[Math.min(current, hits.length - 1)];

  // Following: keep the end in view as lines arrive (a write only: no layout is forced).
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (follow && el) el.scrollTop = win.totalHeight;
  }, [follow, win.totalHeight]);

  // The user scrolling up stops following; scrolling back to the end follows again.
  const latest = useRef(win);
  latest.current = win;
  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    // The area grows with a short log: its height is read now, not from the last resize report.
    const atEnd = latest.current.totalHeight - el.scrollTop - el.clientHeight < LINE_HEIGHT * 2;
    if (atEnd !== follow) setFollow(atEnd);
  };

  const jumpTo = (index: number) => {
    if (hits.length === 0) return;
    const next = (index + hits.length) % hits.length;
    setCurrent(next);
    setFollow(false);
    const el = scrollRef.current;
    if (el) el.scrollTop = hits[next]! * LINE_HEIGHT - win.viewHeight / 2 + LINE_HEIGHT / 2;
  };

  useEffect(() => setCurrent(0), [deferredQuery]);

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      jumpTo(e.shiftKey ? current - 1 : current + 1);
    } else if (e.key === 'Escape') setQuery('');
  };

  const onDownload = () => {
    setDownloadError(undefined);
    download().catch((err: Error) => setDownloadError(err.message));
  };

  const statusLine =
    log.status === 'complete'
      ? `Complete: ${formatCount(count)} ${count === 1 ? 'line' : 'lines'}`
      : log.status === 'error'
        ? `Failed: ${log.error?.message ?? 'the log could not be read'}`
        : log.status === 'waiting'
          ? STATUS_TEXT.waiting
          : `${STATUS_TEXT[log.status]}: ${formatCount(count)} ${count === 1 ? 'line' : 'lines'}`;

  return (
    <section className="gofer-ui gofer-log" aria-label={`Log of task ${taskId}`}>
      <div className="gofer-log__toolbar">
        <p className={`gofer-log__status gofer-log__status--${log.status}`} aria-live="polite" data-log-status={log.status} data-line-count={count}>
          {statusLine}
        </p>
        <div className="gofer-log__search" role="search">
          <label htmlFor={searchId}>Search the log</label>
          <input
            id={searchId}
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onSearchKey}
            placeholder="text"
            autoComplete="off"
          />
          <span className="gofer-log__hits" aria-live="polite">
            {deferredQuery
              ? hits.length === 0
                ? 'no match'
                : `${Math.min(current, hits.length - 1) + 1} of ${formatCount(hits.length)}${hits.length >= 10_000 ? '+' : ''}`
              : ''}
          </span>
          <button type="button" onClick={() => jumpTo(current - 1)} disabled={hits.length === 0} aria-label="Previous match">
            ↑
          </button>
          <button type="button" onClick={() => jumpTo(current + 1)} disabled={hits.length === 0} aria-label="Next match">
            ↓
          </button>
        </div>
        <div className="gofer-log__actions">
          <button type="button" aria-pressed={follow} onClick={() => setFollow(!follow)}>
            {follow ? 'Following' : 'Follow'}
          </button>
          <button type="button" onClick={onDownload}>
            Download
          </button>
        </div>
      </div>
      {downloadError && (
        <p role="alert" className="gofer-error">
          {downloadError}
        </p>
      )}
      <div
        ref={scrollRef}
        className="gofer-log__scroll"
        style={{ height: Math.min(height, Math.max(120, count * LINE_HEIGHT + 12)) }}
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label={`Lines of task ${taskId}`}
      >
        <div className="gofer-log__lines" style={{ height: win.totalHeight }}>
          {/* One translated block of rows in normal flow (not one transform per row): far fewer paint chunks per frame. */}
          <div className="gofer-log__window" style={{ transform: `translateY(${win.first * LINE_HEIGHT}px)` }}>
            {Array.from({ length: win.last - win.first }, (_, i) => {
              const index = win.first + i;
              const isHit = hitSet.has(index);
              return (
                <div
                  key={index}
                  className={`gofer-log__line${isHit ? ' gofer-log__line--hit' : ''}${index === currentLine ? ' gofer-log__line--current' : ''}`}
                  data-line={index + 1}
                >
                  <span className="gofer-log__text">
                    <LineContent line={log.buffer.line(index)} query={isHit ? deferredQuery : ''} />
                  </span>
                </div>
              );
            })}
          </div>
        </div>
        {count === 0 && log.status !== 'error' && (
          <p className="gofer-log__empty">{log.status === 'complete' ? 'The task wrote nothing.' : 'No output yet.'}</p>
        )}
      </div>
    </section>
  );
}
