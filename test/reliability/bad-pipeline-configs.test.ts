/**
 * Bad input, pipeline configs: 10,000 generated and mutated configs through the SDK
 * (`gofer.pipelines.register`, including circular objects) and 10,000 through the real
 * service's HTTP API. No crash, no 500; every rejection is ERR_PIPELINE_INVALID or
 * ERR_INVALID_ARGUMENT naming a JSON path. The seed is printed; GOFER_TEST_SEED replays it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError } from '@gofer/core/api';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { Draw, mutateConfig } from './input-fuzzer.js';
import { figure, prng, testSeed } from './reliability-helpers.js';

const COUNT = Number(process.env.GOFER_FUZZ_COUNT ?? 10_000);
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
const REJECT_CODES = new Set(['ERR_PIPELINE_INVALID', 'ERR_INVALID_ARGUMENT']);

/** The JSON paths an error names: `details.problems` (`{ path, message }` objects, the one shape) or `details.path`. */
export function jsonPaths(details: unknown): string[] {
  const d = (details ?? {}) as { problems?: unknown[]; path?: unknown };
  const out: string[] = [];
  if (typeof d.path === 'string') out.push(d.path);
  for (const p of d.problems ?? []) {
    const { path, message } = (p ?? {}) as { path?: unknown; message?: unknown };
    if (typeof path === 'string' && typeof message === 'string') out.push(path);
  }
  return out.filter((p) => p.length > 0 && (p.startsWith('/') || p.startsWith('body')));
}

test('10,000 mutated configs through the SDK: each accepted or rejected with a coded error and a JSON path', async () => {
  const { gofer } = await goferWithFake();
  const d = new Draw(prng(seed));
  let accepted = 0;
  let rejected = 0;
  const bad: string[] = [];
  try {
    for (let i = 0; i < COUNT; i++) {
      const { name, config } = mutateConfig(d, true);
      try {
        await gofer.pipelines.register(config as never);
        accepted++;
      } catch (err) {
        rejected++;
        if (!isGoferError(err) || !REJECT_CODES.has(err.code))
          bad.push(`#${i} (${name}): ${isGoferError(err) ? err.code : 'uncoded'} ${String((err as Error)?.message ?? err).slice(0, 300)}`);
        else if (jsonPaths(err.details).length === 0) bad.push(`#${i} (${name}): ${err.code} without a JSON path: ${err.message.slice(0, 300)}`);
      }
    }
  } finally {
    await gofer.close();
  }
  figure(
    `bad pipeline configs (SDK): ${COUNT} generated (seed ${seed}), ${rejected} rejected with a coded error and a JSON path, ${accepted} valid, ${bad.length} bad answers`,
  );
  assert.equal(bad.slice(0, 20), [], `seed ${seed}`);
});

test('10,000 mutated configs through the HTTP API: no 500, every rejection 400 with a code and a JSON path', async () => {
  const svc: RunningService = await startServiceProcess();
  const d = new Draw(prng(seed + 1));
  const counts = new Map<number, number>();
  const bad: string[] = [];
  try {
    const m = api(svc.url, svc.token);
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const i = next++;
        const { name, config } = mutateConfig(d);
        const body = d.chance(0.1) ? config : { config, ...(d.chance(0.1) ? { namespace: d.nastyString() } : {}) };
        const res = await m('POST', '/api/pipelines', body);
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        if (res.status === 201) continue;
        const error = res.json?.error as { code?: string; details?: unknown } | undefined;
        if (res.status >= 500 || !error?.code) bad.push(`#${i} (${name}): ${res.status} ${res.text.slice(0, 300)}`);
        else if (res.status === 400 && (!REJECT_CODES.has(error.code) || jsonPaths(error.details).length === 0))
          bad.push(`#${i} (${name}): 400 ${error.code} without a JSON path: ${res.text.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const health = await api(svc.url)('GET', '/api/health');
    assert.is(health.status, 200, 'the service still answers');
    assert.is(svc.child.exitCode, null, 'the service did not crash');
  } finally {
    await svc.stop();
  }
  const summary = [...counts]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${n}x${s}`)
    .join(', ');
  figure(`bad pipeline configs (HTTP): ${COUNT} generated (seed ${seed}): ${summary}; ${bad.length} bad answers (500s or uncoded)`);
  assert.equal(bad.slice(0, 20), [], `seed ${seed}`);
});

test.run();
