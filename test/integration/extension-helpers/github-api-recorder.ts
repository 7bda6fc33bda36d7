/**
 * A stand-in for GitHub's REST API on 127.0.0.1 that records every request and checks it against
 * GitHub's official OpenAPI description (@octokit/openapi): the operation must exist for the
 * method and path, path parameters must be present, and the JSON body must match the
 * operation's request schema. It answers with small canned bodies (ids for check runs, files
 * for pull requests). Served under `/api/v3`, as GitHub Enterprise Server is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';

interface Operation {
  operationId: string;
  requestBody?: { content?: Record<string, { schema: object }> };
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}

let spec: Spec | undefined;
function loadSpec(): Spec {
  const require = createRequire(import.meta.url);
  spec ??= JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Spec;
  return spec;
}

export interface RecordedCall {
  method: string;
  path: string;
  operationId?: string;
  body: unknown;
  authorization?: string;
  problems: string[];
}

export interface GitHubApiRecorder {
  /** The base URL to configure as `apiUrl`. */
  apiUrl: string;
  calls: RecordedCall[];
  /** Files answered for `GET .../pulls/{n}/files`. */
  pullFiles: string[];
  close(): Promise<void>;
}

export const API_PREFIX = '/api/v3';

export async function startGitHubApiRecorder(): Promise<GitHubApiRecorder> {
  const { paths, components } = loadSpec();
  const routes = Object.entries(paths).map(([template, ops]) => ({
    template,
    ops,
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`),
    literal: template.replace(/\{[^}]+\}/g, '').length,
  }));
  // Literal segments win over parameters (/check-runs/{id} vs /{owner}/{repo}).
  routes.sort((a, b) => b.literal - a.literal);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, allowUnionTypes: true });
  const validators = new Map<string, ReturnType<Ajv['compile']>>();
  const calls: RecordedCall[] = [];
  let nextCheckRun = 4242;
  const recorder: GitHubApiRecorder = { apiUrl: '', calls, pullFiles: [], close: async () => undefined };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toLowerCase();
      const problems: string[] = [];
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          problems.push('the body is not JSON');
        }
      }
      const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
      if (!url.pathname.startsWith(API_PREFIX)) problems.push(`not under the configured base URL ${API_PREFIX}`);
      const route = routes.find((r) => r.regex.test(path) && r.ops[method]);
      const op = route?.ops[method];
      if (!op) problems.push(`no operation ${method.toUpperCase()} ${path} in GitHub's OpenAPI description`);
      const schema = op?.requestBody?.content?.['application/json']?.schema;
      if (op && schema) {
        let validate = validators.get(op.operationId);
        if (!validate) {
          validate = ajv.compile({ ...schema, components });
          validators.set(op.operationId, validate);
        }
        if (!validate(body ?? {})) for (const e of validate.errors ?? []) problems.push(`body${e.instancePath} ${e.message}`);
      }
      if (!req.headers.authorization) problems.push('no Authorization header');
      calls.push({
        method: method.toUpperCase(),
        path,
        ...(op ? { operationId: op.operationId } : {}),
        body,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        problems,
      });
      const send = (status: number, answer: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (problems.length > 0) return send(422, { message: 'Validation Failed', errors: problems });
      switch (op!.operationId) {
        case 'checks/create':
          return send(201, { id: nextCheckRun++, status: (body as { status?: string }).status ?? 'queued' });
        case 'checks/update':
          return send(200, { id: Number(path.split('/').at(-1)) });
        case 'pulls/list-files':
          return send(
            200,
            recorder.pullFiles.map((filename) => ({ filename, status: 'modified' })),
          );
        default:
          return send(201, { id: 1, ...(body as object) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  recorder.apiUrl = `http://127.0.0.1:${port}${API_PREFIX}`;
  recorder.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return recorder;
}
