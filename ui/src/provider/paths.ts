/** Where the views link to. A host app that mounts them under its own routes passes its own. */
export interface GoferPaths {
  pipelines(): string;
  pipeline(pipelineId: string): string;
  run(pipelineId: string, runId: number): string;
  task(pipelineId: string, runId: number, taskId: string): string;
}

const seg = encodeURIComponent;

/** The standalone UI's routes, under an optional prefix (`/ci` gives `/ci/pipelines/...`). */
export function defaultPaths(prefix = ''): GoferPaths {
  const base = prefix.replace(/\/+$/, '');
  return {
    pipelines: () => `${base}/`,
    pipeline: (p) => `${base}/pipelines/${seg(p)}`,
    run: (p, r) => `${base}/pipelines/${seg(p)}/runs/${r}`,
    task: (p, r, t) => `${base}/pipelines/${seg(p)}/runs/${r}/tasks/${seg(t)}`,
  };
}
