/**
 * Reports a run back to GitHub: a commit status or a check run, pending when the run is
 * created, then success or failure with a link to the run. Through @octokit/rest, so the API
 * base URL can point at GitHub Enterprise (`https://ghe.example.com/api/v3`).
 */
import type { Octokit } from '@octokit/rest';

/** What a run's report needs, kept in the extension state until the run completes. */
export interface PendingReport {
  kind: 'status' | 'check';
  owner: string;
  repo: string;
  sha: string;
  subscriptionId: string;
  context: string;
  targetUrl?: string;
  checkRunId?: number;
}

/** A run's status (`successful`, `failed`, `cancelled`), or whatever else a future core reports. */
export type RunOutcome = string;

const STATE_OF: Record<string, 'success' | 'failure' | 'error'> = { successful: 'success', failed: 'failure', cancelled: 'error' };
const CONCLUSION_OF: Record<string, 'success' | 'failure' | 'cancelled'> = { successful: 'success', failed: 'failure', cancelled: 'cancelled' };

/** One Octokit per token and base URL. */
export class Reporter {
  private readonly clients = new Map<string, Octokit>();

  constructor(
    private readonly baseUrl: string,
    private readonly userAgent: string,
  ) {}

  /** @octokit/rest is imported at the first report, not when the service starts (most never report). */
  private async client(token: string): Promise<Octokit> {
    let c = this.clients.get(token);
    if (!c) {
      const { Octokit } = await import('@octokit/rest');
      c = new Octokit({ auth: token, baseUrl: this.baseUrl, userAgent: this.userAgent, request: { retries: 0 } });
      this.clients.set(token, c);
    }
    return c;
  }

  /** Marks the commit pending; returns the report with the check run id filled in. */
  async pending(token: string, report: PendingReport, runLabel: string): Promise<PendingReport> {
    const gh = await this.client(token);
    if (report.kind === 'status') {
      await gh.rest.repos.createCommitStatus({
        owner: report.owner,
        repo: report.repo,
        sha: report.sha,
        state: 'pending',
        context: report.context,
        description: `${runLabel} is running`,
        ...(report.targetUrl ? { target_url: report.targetUrl } : {}),
      });
      return report;
    }
    const { data } = await gh.rest.checks.create({
      owner: report.owner,
      repo: report.repo,
      name: report.context,
      head_sha: report.sha,
      status: 'in_progress',
      external_id: runLabel,
      started_at: new Date().toISOString(),
      ...(report.targetUrl ? { details_url: report.targetUrl } : {}),
    });
    return { ...report, checkRunId: data.id };
  }

  /** Sets the final state from the run's status. */
  async completed(token: string, report: PendingReport, status: RunOutcome, runLabel: string): Promise<void> {
    const gh = await this.client(token);
    if (report.kind === 'status' || report.checkRunId === undefined) {
      await gh.rest.repos.createCommitStatus({
        owner: report.owner,
        repo: report.repo,
        sha: report.sha,
        state: STATE_OF[status] ?? 'error',
        context: report.context,
        description: `${runLabel} ${status}`,
        ...(report.targetUrl ? { target_url: report.targetUrl } : {}),
      });
      return;
    }
    await gh.rest.checks.update({
      owner: report.owner,
      repo: report.repo,
      check_run_id: report.checkRunId,
      status: 'completed',
      conclusion: CONCLUSION_OF[status] ?? 'failure',
      completed_at: new Date().toISOString(),
      output: { title: `${runLabel} ${status}`, summary: report.targetUrl ? `[${runLabel}](${report.targetUrl}) ${status}.` : `${runLabel} ${status}.` },
    });
  }

  /** The files a pull request changes (up to 3000, GitHub's limit). */
  async changedFiles(token: string, owner: string, repo: string, pullNumber: number): Promise<string[]> {
    const gh = await this.client(token);
    const files = await gh.paginate(gh.rest.pulls.listFiles, { owner, repo, pull_number: pullNumber, per_page: 100 });
    return files.map((f) => f.filename);
  }
}
