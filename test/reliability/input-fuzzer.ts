/**
 * Seeded generators of bad input: mutated pipeline configs (wrong types, huge strings, deep
 * nesting, dependency cycles, unicode, missing and unknown fields) and random JSON values for
 * request bodies and webhook payloads. The same seed gives the same sequence.
 */
import { TEST_IMAGE } from '../helpers/docker.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Picks from a list, draws integers and strings from a seeded `random`. */
export class Draw {
  constructor(readonly random: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** Short strings that tend to break things: unicode, control characters, lone surrogates. */
  nastyString(): string {
    return this.pick([
      '',
      ' ',
      'a',
      'ok_id',
      'x'.repeat(33),
      'ab',
      '../../etc/passwd',
      'a/b',
      'a~b',
      'ünïcödé',
      '名前タスク',
      '🚀🚀🚀',
      'مرحبا',
      '\u202eevil',
      '\u0000nul',
      'line\nbreak',
      '\t',
      '\ud800',
      '\udfff',
      '"quoted"',
      "'; DROP TABLE runs; --",
      '${HOME}',
      'pipeline_secret{{NOPE}}',
      'global_secret{{',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      '-1',
      '1e999',
      'NaN',
      'null',
      'true',
    ]);
  }

  /** A string of 10 kB to 300 kB. */
  hugeString(): string {
    return this.pick(['x', 'é', '🙂', 'ab\n']).repeat(this.int(10_000, 300_000) / 2);
  }

  /** Any JSON value, nested up to `depth`. */
  value(depth = 3): Json {
    const kind = this.int(0, depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1, 3.5, -0, 2 ** 53, -(2 ** 63), 1e308, 65536, 32, 33]);
      case 3:
        return this.nastyString();
      case 4:
        return this.chance(0.05) ? this.hugeString() : `s${this.int(0, 999)}`;
      case 5:
        return this.pick([[], {}]);
      case 6:
        return Array.from({ length: this.int(0, 4) }, () => this.value(depth - 1));
      default: {
        const o: Record<string, Json> = {};
        for (let i = this.int(0, 4); i > 0; i--) o[this.nastyString() || `k${i}`] = this.value(depth - 1);
        return o;
      }
    }
  }

  /** An object or array nested `levels` deep. */
  deep(levels: number): Json {
    let v: Json = 'bottom';
    for (let i = 0; i < levels; i++) v = this.chance(0.5) ? [v] : { nest: v };
    return v;
  }
}

/** A valid config to mutate: parallel and dependent tasks using every field (a matrix, `when`, outputs, a workspace too). */
export function baseConfig(id = 'fuzz_base'): Record<string, Json> {
  return {
    id,
    name: 'fuzz base',
    description: 'a valid config the fuzzer mutates',
    parallelism: 2,
    workspace: true,
    tasks: [
      {
        id: 'first',
        image: TEST_IMAGE,
        description: 'd',
        command: ['echo', 'hi'],
        variables: { LEVEL: 'info' },
        timeoutMs: 5000,
        matrix: { NODE: ['18', '20'], OS: ['alpine'], include: [{ NODE: '22', OS: 'alpine' }], exclude: [{ NODE: '20' }], maxParallel: 2, failFast: false },
      },
      {
        id: 'second',
        image: TEST_IMAGE,
        entrypoint: ['sh', '-c'],
        command: ['echo ok'],
        dependsOn: { first: 'success' },
        secrets: { TOKEN: 'loc/token' },
        when: "LEVEL == 'info' && tasks.first.status == 'successful'",
        allowFailure: true,
      },
      {
        id: 'third',
        image: TEST_IMAGE,
        dependsOn: { first: 'any', second: 'failure' },
        alwaysPull: false,
        injectApiToken: true,
        registryAuth: { user: 'u', pass: 'p' },
        variables: { VERSION: '{{tasks.first[NODE=18,OS=alpine].outputs.VERSION}}' },
      },
    ],
  };
}

/** Expressions a `when` may be given: broken syntax, unsafe tricks, references to tasks that are not ancestors, deep nesting. */
const BAD_WHEN = [
  "GIT_BRANCH == 'main",
  "constructor.constructor('return process')()",
  '__proto__.polluted == true',
  "tasks.third.status == 'successful'",
  "tasks[LEVEL].status == 'x'",
  `${'('.repeat(1000)}true${')'.repeat(1000)}`,
  "tasks['first[NODE=99,OS=alpine]'].status == 'failed'",
  '1 +',
  '',
];

/** Broken references to outputs: unknown tasks, a matrix task by its own id, not an ancestor, a malformed combination. */
const BAD_OUTPUT_REFS = [
  '{{tasks.first.outputs.VERSION}}',
  '{{tasks.third.outputs.X}}',
  '{{tasks.nope.outputs.X}}',
  '{{tasks.first[NODE=18.outputs.X}}',
  '{{tasks.first[NODE=19,OS=alpine].outputs.X}}',
];

/** Every path (as key lists) to a value inside `v`. */
function paths(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (prefix.length >= 6) return out; // do not walk into deep-nesting mutations
  // Index loop: a mutation may have replaced an array's prototype (no forEach).
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) paths(v[i]!, [...prefix, i], out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== '__proto__') paths(x, [...prefix, k], out);
  return out;
}

function parentOf(root: Json, path: Array<string | number>): { parent: Json[] | Record<string, Json>; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let parent = root;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
  return { parent: parent as Json[] | Record<string, Json>, key: path[path.length - 1]! };
}

/** One mutation of a config (which stays JSON unless `allowCircular`). The name says which. */
export function mutateConfig(d: Draw, allowCircular = false): { name: string; config: unknown } {
  const config = baseConfig() as Json;
  const steps = d.int(1, 3);
  const names: string[] = [];
  let result: unknown = config;
  for (let s = 0; s < steps; s++) {
    const all = paths(config);
    const path = d.pick(all);
    const at = parentOf(config, path);
    const kind = d.int(0, 14);
    const set = (v: Json) => {
      if (at) Object.defineProperty(at.parent, at.key, { value: v, enumerable: true, writable: true, configurable: true });
    };
    switch (kind) {
      case 0:
        names.push(`wrong type at /${path.join('/')}`);
        if (at) set(d.value(1));
        else result = d.value(2);
        break;
      case 1:
        names.push(`missing /${path.join('/')}`);
        if (at) {
          if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1);
          else delete at.parent[at.key as string];
        }
        break;
      case 2:
        names.push(`huge string at /${path.join('/')}`);
        set(d.hugeString());
        break;
      case 3:
        names.push(`deep nesting at /${path.join('/')}`);
        set(d.deep(d.pick([10, 100, 500, 1500])));
        break;
      case 4:
        names.push(`unicode at /${path.join('/')}`);
        set(d.nastyString());
        break;
      case 5: {
        names.push('dependency cycle');
        const tasks = (config as { tasks?: Json }).tasks;
        if (Array.isArray(tasks) && tasks.length >= 2 && tasks[0] && typeof tasks[0] === 'object' && !Array.isArray(tasks[0])) {
          (tasks[0] as Record<string, Json>).dependsOn = { third: 'any' };
        }
        break;
      }
      case 6:
        names.push('unknown key');
        if (at && typeof at.parent === 'object') {
          const target = (at.parent as Record<string | number, Json>)[at.key];
          if (target && typeof target === 'object' && !Array.isArray(target)) target[d.nastyString() || 'extra'] = d.value(1);
        }
        break;
      case 7:
        names.push('many tasks');
        (config as Record<string, Json>).tasks = Array.from({ length: d.pick([0, 1, 500, 2000]) }, (_, i) => ({
          id: `t_${i}`,
          image: TEST_IMAGE,
          dependsOn: i > 0 && d.chance(0.5) ? { [`t_${d.int(0, 2000)}`]: 'any' } : {},
        }));
        break;
      case 8:
        names.push('duplicate task ids');
        {
          const tasks = (config as { tasks?: Json }).tasks;
          if (Array.isArray(tasks) && tasks[0]) tasks.push(structuredClone(tasks[0]));
        }
        break;
      case 9:
        names.push(`number edge at /${path.join('/')}`);
        set(d.pick([-1, 0.5, 1e308, -(2 ** 63), 2 ** 53 + 1]));
        break;
      case 10:
        names.push('prototype keys');
        {
          const tasks = (config as { tasks?: Json }).tasks;
          if (Array.isArray(tasks) && tasks[1] && typeof tasks[1] === 'object')
            Object.assign(tasks[1] as object, JSON.parse('{"__proto__":{"polluted":true},"dependsOn":{"constructor":"any","__proto__":"success"}}'));
        }
        break;
      case 11:
        names.push('bad when');
        {
          const tasks = (config as { tasks?: Json }).tasks;
          if (Array.isArray(tasks) && tasks[1] && typeof tasks[1] === 'object')
            (tasks[1] as Record<string, Json>).when = d.chance(0.8) ? d.pick(BAD_WHEN) : d.nastyString();
        }
        break;
      case 12:
        names.push('matrix explosion or clash');
        {
          const tasks = (config as { tasks?: Json }).tasks;
          if (Array.isArray(tasks) && tasks[0] && typeof tasks[0] === 'object') {
            const many = Array.from({ length: d.pick([1, 16, 17, 300]) }, (_, i) => `v${i}`);
            (tasks[0] as Record<string, Json>).matrix = d.pick<Json>([
              { A: many, B: many },
              { LEVEL: ['x'] },
              { A: ['1'], exclude: [{ A: '1' }] },
              { A: ['1'], exclude: [{ Z: '1' }] },
              {},
              { include: [] },
              { A: [d.nastyString()] },
              { maxParallel: 0, A: ['1'] },
            ]);
          }
        }
        break;
      case 13:
        names.push('bad output reference');
        {
          const tasks = (config as { tasks?: Json }).tasks;
          const target = Array.isArray(tasks) ? tasks[d.int(0, 2)] : undefined;
          if (target && typeof target === 'object' && !Array.isArray(target)) target.variables = { V: `x${d.pick(BAD_OUTPUT_REFS)}y` };
        }
        break;
      default: {
        if (allowCircular && d.chance(0.5)) {
          names.push('circular object');
          const tasks = (config as { tasks?: Json }).tasks;
          if (Array.isArray(tasks) && tasks[0] && typeof tasks[0] === 'object') (tasks[0] as Record<string, unknown>).variables = config;
        } else {
          names.push('whole config replaced');
          result = d.value(3);
        }
      }
    }
  }
  return { name: names.join(' + '), config: result };
}
