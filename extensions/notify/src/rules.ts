/**
 * Which run outcomes a notification rule reports: a failure, a recovery after failures, the Nth
 * failure in a row, or a run still going after a time limit.
 */

/** One rule of the notify extension's settings. */
export interface NotifyRule {
  /** `failure`: every failed run; `recovery`: a success after a failure; `streak`: the `count`th failure in a row; `slow`: running longer than `longerThan`. */
  on: 'failure' | 'recovery' | 'streak' | 'slow';
  /** Where to post: a URL, or `urlSecret` naming a global secret that holds it (Slack's URLs are secrets). */
  url?: string;
  urlSecret?: string;
  /** `json` (default): Gofer's own document; `slack`: Slack's incoming-webhook message. */
  format?: 'json' | 'slack';
  /** Only these pipelines (default: all). */
  pipelines?: string[];
  /** `streak`: how many failures in a row (default 3). */
  count?: number;
  /** `slow`: a duration such as "10m", "1h30m". */
  longerThan?: string;
}

/** What a rule saw: the outcome and the streak it is part of. */
export interface Outcome {
  pipelineId: string;
  runId: number;
  status: string;
  /** Failed runs in a row, this one included (0 when this one succeeded). */
  failuresInARow: number;
  /** For a success: the failures in a row just before it. */
  failuresBefore: number;
}

/** True when the completed run is one the rule reports. */
export function ruleMatches(rule: NotifyRule, outcome: Outcome): boolean {
  if (rule.pipelines && !rule.pipelines.includes(outcome.pipelineId)) return false;
  switch (rule.on) {
    case 'failure':
      return outcome.status === 'failed';
    case 'recovery':
      return outcome.status === 'successful' && outcome.failuresBefore > 0;
    case 'streak':
      return outcome.status === 'failed' && outcome.failuresInARow === (rule.count ?? 3);
    case 'slow':
      // Reported while the run is still going (see the slow-run timer), not when it completes.
      return false;
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1h30m" -> ms; throws on anything else. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) throw new Error(`"${text}" is not a duration such as "90s", "10m" or "1h30m"`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}
