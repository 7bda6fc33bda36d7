/**
 * Which rows of a fixed-height list are in view, from the scroll position alone. Every log line
 * is one row of the same height, so the window is a division: nothing per line is stored or
 * recomputed when lines arrive. (A general virtualizer keeps a table of every row's offset and
 * rebuilds it when the count changes: on a log growing at 5 MB/s that rebuild was the largest
 * cost of each frame, 2.2 s of main-thread time over a 500,000-line stream.)
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

export interface LineWindow {
  /** First and one-past-last row to render, overscan included. */
  first: number;
  last: number;
  /** Height of the whole list in CSS pixels. */
  totalHeight: number;
  /** Visible height of the scrolling element. */
  viewHeight: number;
}

export function useLineWindow(
  ref: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  options: { overscan?: number; atEnd?: boolean } = {},
): LineWindow {
  const [view, setView] = useState({ top: 0, height: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
    update();
    el.addEventListener('scroll', update, { passive: true });
    const resize = new ResizeObserver(update);
    resize.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      resize.disconnect();
    };
  }, [ref]);
  const overscan = options.overscan ?? 30;
  const totalHeight = count * rowHeight;
  // Following the end: the window is the last rows now, not after the scroll event that follows.
  const top = options.atEnd ? Math.max(0, totalHeight - view.height) : view.top;
  return {
    first: Math.max(0, Math.floor(top / rowHeight) - overscan),
    last: Math.min(count, Math.ceil((top + view.height) / rowHeight) + overscan),
    totalHeight,
    viewHeight: view.height,
  };
}
