/**
 * Memory of a service process, read from /proc: the resident set now (`VmRSS`) and its peak
 * (`VmHWM`), and a sampler that keeps the highest RSS seen while a check runs.
 */
import { readFileSync } from 'node:fs';

/** RSS now and the process's high-water mark, in KiB. */
export function memoryKb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Samples the RSS of `pid` every `everyMs` until stopped; `stop()` resolves the highest seen (MiB). */
export function sampleRss(pid: number, everyMs = 25): { stop(): number; peakMb(): number } {
  let peakKb = memoryKb(pid).rss;
  const timer = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, memoryKb(pid).rss);
    } catch {
      // The process is gone: keep what was seen.
    }
  }, everyMs);
  return {
    peakMb: () => peakKb / 1024,
    stop: () => {
      clearInterval(timer);
      return peakKb / 1024;
    },
  };
}

export const rssMb = (pid: number) => memoryKb(pid).rss / 1024;
