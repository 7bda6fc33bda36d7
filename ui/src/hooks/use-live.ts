/** Small live hooks: the event stream's status, events as they arrive, and a ticking clock. */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { GoferEvent } from '../api/types';
import type { StreamStatus } from '../provider/event-hub';
import { useGofer } from '../provider/gofer-context';

/** The shared event stream's status (`live` once connected). */
export function useLiveStatus(): StreamStatus {
  const { events } = useGofer();
  return useSyncExternalStore(
    (cb) => events.onStatus(cb),
    () => events.status,
    () => 'idle',
  );
}

/** Calls `listener` for every live event while mounted (keep it stable or cheap). */
export function useGoferEvents(listener: (event: GoferEvent) => void): void {
  const { events } = useGofer();
  useEffect(() => events.subscribe(listener), [events, listener]);
}

/** The time, updated every `ms` while `active` (durations of running things grow). */
export function useNow(ms = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return now;
}
