/**
 * The GitHub extension: starts runs from GitHub webhook deliveries (push, pull_request, release,
 * tag pushes) filtered by event, action, branch and tag globs and changed paths, and reports
 * each run back as a commit status or a check run.
 */
import { defineExtension } from '@gofer/core/api';
import { GitHubExtension, type GitHubSettings } from './github-extension.js';

export { GitHubExtension, type GitHubSettings } from './github-extension.js';
export { parseFilters, matchPush, matchPullRequest, matchRelease, GIT_EVENTS, type GitEvent, type Filters, type Match } from './delivery.js';
export { Reporter, type PendingReport } from './reporter.js';

const str = (description: string) => ({ type: 'string', description });

/** The GitHub extension's definition (the package's default export). */
const githubExtension = defineExtension<GitHubSettings>({
  name: 'github',
  apiVersion: 1,
  settingsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Interface to listen on.' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 8092, description: 'Port to listen on; 0 picks a free one.' },
      maxBodyBytes: { type: 'integer', minimum: 1, default: 26_214_400, description: 'Larger deliveries are refused with 413 (GitHub sends at most 25 MB).' },
      apiUrl: {
        type: 'string',
        minLength: 1,
        default: 'https://api.github.com',
        description: 'GitHub REST API; GitHub Enterprise Server: https://<host>/api/v3.',
      },
      publicUrl: { type: 'string', minLength: 1, description: "Gofer's address as users reach it, for the link on each status or check run." },
    },
  },
  subscriptionSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['secret'],
    properties: {
      secret: str("The webhook's secret, as set on GitHub; use pipeline_secret{{KEY}}."),
      repository: str('Only deliveries of this repository (owner/name).'),
      events: {
        type: 'string',
        pattern: '^\\s*[a-z_]+(\\s*,\\s*[a-z_]+)*\\s*$',
        description: 'Comma-separated: push, pull_request, release, tag. Default push.',
      },
      actions: str('Pull request actions that start runs, comma-separated. Default opened,synchronize,reopened.'),
      releaseActions: str('Release actions that start runs, comma-separated. Default published.'),
      branches: str('Branch globs, comma-separated (push: the branch; pull_request: the base branch). Default: every branch.'),
      tags: str('Tag globs for tag pushes and releases, comma-separated. Default: every tag.'),
      paths: str('Globs of changed files, comma-separated: a delivery changing none of them is skipped.'),
      token: str('A token to report runs and read pull request files; use global_secret{{GITHUB_TOKEN}}.'),
      report: {
        enum: ['status', 'check', 'none'],
        description: 'How runs are reported: commit status (default with a token), check run (GitHub App token), or none.',
      },
      context: str('The status context or check run name. Default gofer/<pipelineId>.'),
    },
  },
  create: (ctx, settings) => new GitHubExtension(ctx, settings),
});

export default githubExtension;
