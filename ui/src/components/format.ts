/** Times and durations as people read them. */

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(at: number | undefined): string {
  if (at === undefined) return '–';
  return new Date(at).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `3 min ago`; `at` and `now` in ms. */
export function formatAgo(at: number | undefined, now = Date.now()): string {
  if (at === undefined) return '–';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** Duration of something that may still run: up to `now` when it has no end yet. */
export function elapsed(started: number | undefined, ended: number | undefined, now = Date.now()): number | undefined {
  if (started === undefined) return undefined;
  return (ended ?? now) - started;
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');
