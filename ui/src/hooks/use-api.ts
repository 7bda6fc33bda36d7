/**
 * Queries and mutations over the typed client. Every hook returns TanStack Query's result; the
 * error is a GoferApiError carrying the service's code and message.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { expectData, expectOk, listEvents } from '../api/client';
import type { GoferApiError } from '../api/api-error';
import type { CreateTokenBody, Run, TaskExecution } from '../api/types';
import { useGofer } from '../provider/gofer-context';
import { keys } from './query-keys';

const signalOf = (ctx: { signal: AbortSignal }) => ({ signal: ctx.signal });

export function usePipelines(namespace?: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.pipelines(namespace),
    // Every page: the list is by id, `next` (on a full page) is the `after` of the next one.
    queryFn: async (ctx) => {
      const all = [];
      let after: string | undefined;
      do {
        const query = { ...(namespace ? { namespace } : {}), ...(after !== undefined ? { after } : {}) };
        const page = await expectData(client.GET('/api/pipelines', { params: { query }, ...signalOf(ctx) }));
        all.push(...page.items);
        after = page.next;
      } while (after !== undefined);
      return all;
    },
  });
}

export function usePipeline(pipelineId: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.pipeline(pipelineId),
    queryFn: (ctx) => expectData(client.GET('/api/pipelines/{pipelineId}', { params: { path: { pipelineId } }, ...signalOf(ctx) })),
  });
}

export function useVersions(pipelineId: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.versions(pipelineId),
    queryFn: async (ctx) => {
      const all = [];
      let after: number | undefined;
      do {
        const query = after !== undefined ? { after } : {};
        const page = await expectData(client.GET('/api/pipelines/{pipelineId}/versions', { params: { path: { pipelineId }, query }, ...signalOf(ctx) }));
        all.push(...page.items);
        after = page.next;
      } while (after !== undefined);
      return all;
    },
  });
}

/** One version with its config; versions never change, so it is cached for good. */
export function useVersion(pipelineId: string, version: number | undefined) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.version(pipelineId, version ?? 0),
    enabled: version !== undefined,
    staleTime: Infinity,
    queryFn: (ctx) =>
      expectData(client.GET('/api/pipelines/{pipelineId}/versions/{version}', { params: { path: { pipelineId, version: version! } }, ...signalOf(ctx) })),
  });
}

/** The newest `limit` runs, newest first; with `before`, the newest of those with a smaller run id (a page further back). */
export function useRuns(pipelineId: string, limit = 20, before?: number) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.runs(pipelineId, limit, before),
    placeholderData: keepPreviousData,
    queryFn: async (ctx) => {
      const query = before === undefined ? { limit } : { limit, before };
      return (await expectData(client.GET('/api/pipelines/{pipelineId}/runs', { params: { path: { pipelineId }, query }, ...signalOf(ctx) }))).items;
    },
  });
}

export function useRun(pipelineId: string, runId: number, options: { pollMs?: number | false } = {}) {
  const { client } = useGofer();
  return useQuery<Run, GoferApiError>({
    queryKey: keys.run(pipelineId, runId),
    refetchInterval: (q) => (q.state.data?.state === 'complete' ? false : (options.pollMs ?? false)),
    queryFn: (ctx) => expectData(client.GET('/api/pipelines/{pipelineId}/runs/{runId}', { params: { path: { pipelineId, runId } }, ...signalOf(ctx) })),
  });
}

export function useTasks(pipelineId: string, runId: number, options: { pollMs?: number | false } = {}) {
  const { client } = useGofer();
  return useQuery<TaskExecution[], GoferApiError>({
    queryKey: keys.tasks(pipelineId, runId),
    refetchInterval: (q) => (q.state.data?.every((t) => t.state === 'complete') ? false : (options.pollMs ?? false)),
    queryFn: async (ctx) =>
      (await expectData(client.GET('/api/pipelines/{pipelineId}/runs/{runId}/tasks', { params: { path: { pipelineId, runId } }, ...signalOf(ctx) }))).items,
  });
}

export function useTask(pipelineId: string, runId: number, taskId: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.task(pipelineId, runId, taskId),
    queryFn: (ctx) =>
      expectData(client.GET('/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}', { params: { path: { pipelineId, runId, taskId } }, ...signalOf(ctx) })),
  });
}

export function useSubscriptions(pipelineId: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.subscriptions(pipelineId),
    queryFn: async (ctx) =>
      (await expectData(client.GET('/api/pipelines/{pipelineId}/subscriptions', { params: { path: { pipelineId } }, ...signalOf(ctx) }))).items,
  });
}

export function usePlugins() {
  const { client } = useGofer();
  return useQuery({ queryKey: keys.plugins, queryFn: async (ctx) => (await expectData(client.GET('/api/plugins', signalOf(ctx)))).items });
}

export function useExtensions() {
  const { client } = useGofer();
  return useQuery({ queryKey: keys.extensions, queryFn: async (ctx) => (await expectData(client.GET('/api/extensions', signalOf(ctx)))).items });
}

export function useNamespaces() {
  const { client } = useGofer();
  return useQuery({ queryKey: keys.namespaces, queryFn: async (ctx) => (await expectData(client.GET('/api/namespaces', signalOf(ctx)))).items });
}

/** Secret keys, global (management tokens) or of one pipeline; values are never readable. */
export function useSecretKeys(pipelineId?: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.secrets(pipelineId),
    queryFn: async (ctx) =>
      (pipelineId
        ? await expectData(client.GET('/api/pipelines/{pipelineId}/secrets', { params: { path: { pipelineId } }, ...signalOf(ctx) }))
        : await expectData(client.GET('/api/secrets', signalOf(ctx)))
      ).keys,
  });
}

export function useObjectKeys(pipelineId: string) {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.objects(pipelineId),
    queryFn: async (ctx) => (await expectData(client.GET('/api/pipelines/{pipelineId}/objects', { params: { path: { pipelineId } }, ...signalOf(ctx) }))).keys,
  });
}

export function useTokens() {
  const { client } = useGofer();
  return useQuery({ queryKey: keys.tokens, queryFn: async (ctx) => (await expectData(client.GET('/api/tokens', signalOf(ctx)))).items });
}

/** The newest `limit` stored events, oldest first (the start of the events page). */
export function useRecentEvents(limit: number) {
  const { client, events } = useGofer();
  return useQuery({
    queryKey: keys.events(limit),
    // Read again on every visit: live events are only collected while a view shows them.
    staleTime: 0,
    queryFn: async (ctx) => {
      const newest = await events.newestEventId(ctx.signal);
      return listEvents(client, { after: Math.max(0, newest - limit), limit }, ctx.signal);
    },
  });
}

/**
 * The operation ids the connected service offers, read from its own OpenAPI document. Actions
 * that only newer services have (reruns, retries, single-task cancel, approvals) show their
 * buttons only when the service lists the operation: no dead buttons against an older service.
 */
export function useOperations() {
  const { client } = useGofer();
  return useQuery({
    queryKey: keys.operations,
    staleTime: Infinity,
    queryFn: async (ctx) => {
      const doc = (await expectData(client.GET('/api/openapi.json', signalOf(ctx)))) as { paths?: Record<string, Record<string, { operationId?: unknown }>> };
      const ids = new Set<string>();
      for (const item of Object.values(doc.paths ?? {})) for (const op of Object.values(item)) if (typeof op?.operationId === 'string') ids.add(op.operationId);
      return ids;
    },
  });
}

// ---- mutations ----

export function useStartRun(pipelineId: string) {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<Awaited<ReturnType<typeof startRun>>, GoferApiError, Record<string, string>>({
    mutationFn: (variables) => startRun(variables),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.runsOf(pipelineId) }),
  });
  function startRun(variables: Record<string, string>) {
    return expectData(client.POST('/api/pipelines/{pipelineId}/runs', { params: { path: { pipelineId } }, body: { variables } }));
  }
}

export function useCancelRun(pipelineId: string, runId: number) {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<Run, GoferApiError, void>({
    mutationFn: () => expectData(client.POST('/api/pipelines/{pipelineId}/runs/{runId}/cancel', { params: { path: { pipelineId, runId } } })),
    onSuccess: (run) => {
      // The answer is the run as it was when the cancel was accepted. The live stream may already
      // have brought it complete (a task killed fast ends the run before the answer arrives): a
      // complete run never goes back to running, or its page would offer Cancel again.
      qc.setQueryData<Run>(keys.run(pipelineId, runId), (cached) => (cached?.state === 'complete' ? cached : run));
      void qc.invalidateQueries({ queryKey: keys.run(pipelineId, runId) });
      void qc.invalidateQueries({ queryKey: keys.tasks(pipelineId, runId) });
    },
  });
}

export function useDeployVersion(pipelineId: string) {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<unknown, GoferApiError, number>({
    mutationFn: (version) => expectData(client.POST('/api/pipelines/{pipelineId}/deploy', { params: { path: { pipelineId } }, body: { version } })),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: keys.pipeline(pipelineId) }), qc.invalidateQueries({ queryKey: keys.versions(pipelineId) })]),
  });
}

export function useSetPipelineEnabled(pipelineId: string) {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<unknown, GoferApiError, boolean>({
    mutationFn: (enable) =>
      expectData(
        enable
          ? client.POST('/api/pipelines/{pipelineId}/enable', { params: { path: { pipelineId } } })
          : client.POST('/api/pipelines/{pipelineId}/disable', { params: { path: { pipelineId } } }),
      ),
    onSuccess: (info) => {
      qc.setQueryData(keys.pipeline(pipelineId), info);
      return qc.invalidateQueries({ queryKey: keys.pipelinesAll });
    },
  });
}

export function usePutSecret(pipelineId?: string) {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<void, GoferApiError, { key: string; value: string }>({
    // One expectOk per route: their error answers differ (a pipeline's route has no 403).
    mutationFn: ({ key, value }) =>
      pipelineId
        ? expectOk(client.PUT('/api/pipelines/{pipelineId}/secrets/{key}', { params: { path: { pipelineId, key } }, body: { value } }))
        : expectOk(client.PUT('/api/secrets/{key}', { params: { path: { key } }, body: { value } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.secrets(pipelineId) }),
  });
}

export function useDeleteSecret(pipelineId?: string) {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<void, GoferApiError, string>({
    mutationFn: (key) =>
      expectOk(
        pipelineId
          ? client.DELETE('/api/pipelines/{pipelineId}/secrets/{key}', { params: { path: { pipelineId, key } } })
          : client.DELETE('/api/secrets/{key}', { params: { path: { key } } }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.secrets(pipelineId) }),
  });
}

export function useCreateToken() {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<Awaited<ReturnType<typeof create>>, GoferApiError, CreateTokenBody>({
    mutationFn: (body) => create(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  });
  function create(body: CreateTokenBody) {
    return expectData(client.POST('/api/tokens', { body }));
  }
}

export function useDeleteToken() {
  const { client } = useGofer();
  const qc = useQueryClient();
  return useMutation<void, GoferApiError, string>({
    mutationFn: (tokenId) => expectOk(client.DELETE('/api/tokens/{tokenId}', { params: { path: { tokenId } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  });
}
