/**
 * What a GitHub delivery means for a subscription: whether it passes the subscription's filters
 * (event, pull request action, branch globs, changed paths) and the variables its run gets.
 */
import type { EmitterWebhookEvent } from '@octokit/webhooks';
import picomatch from 'picomatch';

/** The kinds of event a subscription can ask for. `tag` is a push of a tag. */
export type GitEvent = 'push' | 'pull_request' | 'release' | 'tag';
export const GIT_EVENTS: readonly GitEvent[] = ['push', 'pull_request', 'release', 'tag'];

/** A subscription's filters, parsed from its string settings. */
export interface Filters {
  repository?: string;
  events: ReadonlySet<GitEvent>;
  actions: ReadonlySet<string>;
  releaseActions: ReadonlySet<string>;
  branches?: (name: string) => boolean;
  tags?: (name: string) => boolean;
  paths?: (path: string) => boolean;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const globs = (value: string | undefined): ((s: string) => boolean) | undefined => {
  const patterns = list(value);
  return patterns.length === 0 ? undefined : picomatch(patterns, { dot: true });
};

/** Parses the filters; throws with a message naming the setting when one is wrong. */
export function parseFilters(settings: Record<string, string>): Filters {
  const events = list(settings.events ?? 'push');
  const unknown = events.filter((e) => !GIT_EVENTS.includes(e as GitEvent));
  if (unknown.length > 0) throw new Error(`events: unknown event ${unknown.map((e) => `"${e}"`).join(', ')} (known: ${GIT_EVENTS.join(', ')})`);
  const repository = settings.repository?.trim();
  if (repository !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new Error(`repository: "${repository}" is not of the form owner/name`);
  return {
    ...(repository ? { repository: repository.toLowerCase() } : {}),
    events: new Set(events as GitEvent[]),
    actions: new Set(list(settings.actions ?? 'opened,synchronize,reopened')),
    releaseActions: new Set(list(settings.releaseActions ?? 'published')),
    ...(globs(settings.branches) ? { branches: globs(settings.branches)! } : {}),
    ...(globs(settings.tags) ? { tags: globs(settings.tags)! } : {}),
    ...(globs(settings.paths) ? { paths: globs(settings.paths)! } : {}),
  };
}

/** A delivery that passed the filters: its variables, the commit to report on and a reason. */
export interface Match {
  event: GitEvent;
  variables: Record<string, string>;
  /** owner/name and the commit a status or check run is reported on. */
  repo: { owner: string; name: string };
  sha?: string;
  reason: string;
}

/** Why a delivery did not start a run, for the answer to the sender and the log. */
export interface Skip {
  skipped: string;
}

/** Files a pull request changes (read through the API when a paths filter needs them). */
export type ChangedFiles = () => Promise<string[]>;

type Payload<E extends 'push' | 'pull_request' | 'release'> = EmitterWebhookEvent<E>['payload'];

function base(event: GitEvent, repo: { full_name: string; name: string; owner: { login?: string } | null }, sender: { login?: string } | null | undefined) {
  return {
    repo: { owner: repo.owner?.login ?? repo.full_name.split('/')[0]!, name: repo.name },
    variables: { GIT_EVENT: event, GIT_REPO: repo.full_name, ...(sender?.login ? { GIT_SENDER: sender.login } : {}) } as Record<string, string>,
  };
}

function repoSkip(filters: Filters, fullName: string): Skip | undefined {
  if (filters.repository && filters.repository !== fullName.toLowerCase()) return { skipped: `repository ${fullName} is not ${filters.repository}` };
  return undefined;
}

/** Push of a branch or a tag. */
export function matchPush(filters: Filters, payload: Payload<'push'>): Match | Skip {
  const skip = repoSkip(filters, payload.repository.full_name);
  if (skip) return skip;
  if (payload.deleted) return { skipped: `${payload.ref} was deleted` };
  const isTag = payload.ref.startsWith('refs/tags/');
  const event: GitEvent = isTag ? 'tag' : 'push';
  if (!filters.events.has(event)) return { skipped: `${event} events are not subscribed (events: ${[...filters.events].join(',')})` };
  const short = payload.ref.replace(/^refs\/(heads|tags)\//, '');
  if (isTag && filters.tags && !filters.tags(short)) return { skipped: `tag ${short} matches no tags glob` };
  if (!isTag && filters.branches && !filters.branches(short)) return { skipped: `branch ${short} matches no branches glob` };
  if (!isTag && filters.paths) {
    const changed = new Set<string>();
    for (const c of [...payload.commits, ...(payload.head_commit ? [payload.head_commit] : [])])
      for (const f of [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]) changed.add(f);
    if (![...changed].some(filters.paths)) return { skipped: `no changed file matches the paths globs (${changed.size} changed)` };
  }
  const { repo, variables } = base(event, payload.repository, payload.sender);
  Object.assign(variables, { GIT_REF: payload.ref, GIT_SHA: payload.after }, isTag ? { GIT_TAG: short } : { GIT_BRANCH: short });
  return {
    event,
    repo,
    sha: payload.after,
    variables,
    reason: `${isTag ? 'tag' : 'push to'} ${short} of ${payload.repository.full_name} (${payload.after.slice(0, 7)})`,
  };
}

/** Pull request opened, synchronised, ... */
export async function matchPullRequest(filters: Filters, payload: Payload<'pull_request'>, changedFiles: ChangedFiles): Promise<Match | Skip> {
  const skip = repoSkip(filters, payload.repository.full_name);
  if (skip) return skip;
  if (!filters.events.has('pull_request')) return { skipped: 'pull_request events are not subscribed' };
  if (!filters.actions.has(payload.action))
    return { skipped: `pull request action "${payload.action}" is not subscribed (actions: ${[...filters.actions].join(',')})` };
  const pr = payload.pull_request;
  // Branch globs apply to the branch the pull request targets.
  if (filters.branches && !filters.branches(pr.base.ref)) return { skipped: `base branch ${pr.base.ref} matches no branches glob` };
  if (filters.paths && !(await changedFiles()).some(filters.paths)) return { skipped: 'no changed file matches the paths globs' };
  const { repo, variables } = base('pull_request', payload.repository, payload.sender);
  Object.assign(variables, {
    GIT_REF: `refs/pull/${pr.number}/head`,
    GIT_BRANCH: pr.head.ref,
    GIT_BASE_BRANCH: pr.base.ref,
    GIT_SHA: pr.head.sha,
    GIT_PR_NUMBER: String(pr.number),
    GIT_PR_ACTION: payload.action,
  });
  return {
    event: 'pull_request',
    repo,
    sha: pr.head.sha,
    variables,
    reason: `pull request #${pr.number} ${payload.action} in ${payload.repository.full_name}`,
  };
}

/** Release published (or another subscribed action). */
export function matchRelease(filters: Filters, payload: Payload<'release'>): Match | Skip {
  const skip = repoSkip(filters, payload.repository.full_name);
  if (skip) return skip;
  if (!filters.events.has('release')) return { skipped: 'release events are not subscribed' };
  if (!filters.releaseActions.has(payload.action)) return { skipped: `release action "${payload.action}" is not subscribed` };
  const tag = payload.release.tag_name;
  if (filters.tags && !filters.tags(tag)) return { skipped: `tag ${tag} matches no tags glob` };
  const { repo, variables } = base('release', payload.repository, payload.sender);
  Object.assign(variables, { GIT_REF: `refs/tags/${tag}`, GIT_TAG: tag, GIT_RELEASE_ACTION: payload.action });
  return { event: 'release', repo, variables, reason: `release ${tag} ${payload.action} in ${payload.repository.full_name}` };
}
