/**
 * The outputs wrapper and its trailer, without a swarm: the wrapper script run by this machine's
 * shells (dash, bash, busybox ash, each when present), the trailer parser over every chunk
 * split, and the workspace pins' serialisation.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogChunk, Logger, PluginStateStore } from '@gofer/core/api';
import { lastTrailer, OUTPUT_PATH, OutputTrailerParser, withoutTrailers } from '../src/output-trailer.js';
import { wrapperEntrypoint } from '../src/task-wrapper.js';
import { WorkspacePins } from '../src/workspace.js';
import { unmetConstraints } from '../src/placement-check.js';
import { taskSetup } from '../src/task-setup.js';
import { resolveSettings } from '../src/settings.js';

const run = promisify(execFile);
const NONCE = '0123456789abcdef0123456789abcdef';
const SHELLS = [['/bin/dash'], ['/bin/bash'], ['/bin/busybox', 'sh']].filter(([path]) => existsSync(path!));
const dir = mkdtempSync(join(tmpdir(), 'gofer-swarm-outputs-'));

/** The wrapper's script with the output file in the test's folder instead of the container's tmpfs. */
function script(outputFile: string): string {
  return wrapperEntrypoint({ shell: '/bin/sh', outputNonce: NONCE }, ['x'])[2]!.split(OUTPUT_PATH).join(outputFile);
}

async function* chunksOf(parts: Array<string | Buffer>): AsyncGenerator<LogChunk> {
  for (const p of parts) yield { stream: 'stdout', data: typeof p === 'string' ? Buffer.from(p) : p };
}

async function collect(chunks: AsyncIterable<LogChunk>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c.data);
  return Buffer.concat(parts).toString('latin1');
}

/** Runs the wrapper with `shell`; resolves with its stdout and exit code (128 + n for a signal). */
function wrapped(shell: string[], file: string, argv: string[], options: { env?: NodeJS.ProcessEnv; term?: string } = {}) {
  return new Promise<{ stdout: Buffer; code: number }>((resolve, reject) => {
    const child = spawn(shell[0]!, [...shell.slice(1), '-c', script(file), 'gofer-task', ...argv], { env: options.env ?? process.env });
    const out: Buffer[] = [];
    let seen = '';
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      seen += d.toString();
      if (options.term && seen.includes(options.term)) {
        options.term = undefined;
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout: Buffer.concat(out), code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15) }));
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the wrapper under each shell: the exit code stays, the file arrives framed after the output, TERM reaches the task', async () => {
  assert.ok(SHELLS.length > 0, 'no shell to try');
  const value = Buffer.concat([Buffer.from(`A=1\nB=multi\nline\nC=GOFER-OUTPUT-END ${NONCE}\n`), Buffer.from([0, 0xff, 0xfe, 0x80, 0x0a])]);
  for (const shell of SHELLS) {
    const file = join(dir, `out-${shell.join('-').replace(/\//g, '_')}`);
    rmSync(file, { force: true });
    const writer = `printf 'own output, no newline' ; printf '${[...value].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}' > '${file}'; exit 3`;
    const { stdout, code } = await wrapped(shell, file, ['/bin/sh', '-c', writer]);
    assert.is(code, 3, `${shell.join(' ')}: exit code`);
    assert.is(await collect(withoutTrailers(chunksOf([stdout]), NONCE)), 'own output, no newline', `${shell.join(' ')}: logs`);
    assert.equal(Buffer.from((await lastTrailer(chunksOf([stdout]), NONCE, 1000))!), value, `${shell.join(' ')}: outputs`);

    rmSync(file, { force: true });
    const none = await wrapped(shell, file, ['/bin/sh', '-c', 'echo plain']);
    assert.is(none.stdout.toString(), 'plain\n', 'no file: no trailer');
    assert.is(await lastTrailer(chunksOf([none.stdout]), NONCE, 1000), undefined);

    const trapped = await wrapped(
      shell,
      file,
      ['/bin/sh', '-c', `trap 'echo got-term; echo K=v > ${file}; exit 7' TERM; echo ready; while :; do sleep 0.05; done`],
      {
        term: 'ready',
      },
    );
    assert.is(trapped.code, 7, `${shell.join(' ')}: the task's own exit code after TERM`);
    assert.is(await collect(withoutTrailers(chunksOf([trapped.stdout]), NONCE)), 'ready\ngot-term\n');
    assert.is(Buffer.from((await lastTrailer(chunksOf([trapped.stdout]), NONCE, 1000))!).toString(), 'K=v\n');

    rmSync(file, { force: true });
    const killed = await wrapped(shell, file, ['/bin/sh', '-c', 'echo go; exec sleep 30'], { term: 'go' });
    assert.is(killed.code, 143, `${shell.join(' ')}: a task ended by TERM is 128 + 15`);
  }
});

test('without base64 the file comes as od hex, without od too as raw text; the parser reads each', async () => {
  const shell = SHELLS[0]!;
  for (const [tools, encoding] of [
    [['od', 'wc', 'cat'], 'hex'],
    [['wc', 'cat'], 'raw'],
  ] as const) {
    const bin = join(dir, `bin-${encoding}`);
    mkdirSync(bin, { recursive: true });
    for (const tool of tools)
      if (!existsSync(join(bin, tool))) symlinkSync((await run('/bin/sh', ['-c', `command -v ${tool}`])).stdout.trim(), join(bin, tool));
    const file = join(dir, `out-${encoding}`);
    rmSync(file, { force: true });
    const { stdout, code } = await wrapped(shell, file, ['/bin/sh', '-c', `printf 'A=1\\nB=2' > ${file}; echo done`], { env: { PATH: bin } });
    assert.is(code, 0);
    assert.match(stdout.toString(), `GOFER-OUTPUT-BEGIN ${NONCE} ${encoding} 7\n`);
    assert.is(Buffer.from((await lastTrailer(chunksOf([stdout]), NONCE, 100))!).toString(), 'A=1\nB=2');
    assert.is(await collect(withoutTrailers(chunksOf([stdout]), NONCE)), 'done\n');
  }
});

test('the parser: any chunk split, look-alike text, the last well-formed trailer, a bound of maxBytes + 1', async () => {
  const trailer = (payload: string, nonce = NONCE) =>
    `GOFER-OUTPUT-BEGIN ${nonce} base64 ${Buffer.byteLength(payload)}\n${Buffer.from(payload).toString('base64')}\nGOFER-OUTPUT-END ${nonce}\n`;
  const own = `line GOFER-OUTPUT-BEGIN\nGOFER-OUTPUT-BEGIN ffff base64 1\nGOFER-OUTPUT-END ${NONCE.slice(0, 10)}\nG`;
  const stream = `${own}${trailer('FIRST=1\n')}${trailer('OTHER=1\n', 'ffff')}more${trailer('LAST=2\n')}`;
  const bytes = Buffer.from(stream);
  for (let size = 1; size <= bytes.length; size += size < 8 ? 1 : 7) {
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
    const shown = await collect(withoutTrailers(chunksOf(parts), NONCE));
    assert.is(shown, `${own}${trailer('OTHER=1\n', 'ffff')}more`, `chunks of ${size}`);
    assert.is(Buffer.from((await lastTrailer(chunksOf(parts), NONCE, 100))!).toString(), 'LAST=2\n', `chunks of ${size}`);
  }
  const bad = `${trailer('GOOD=1\n')}GOFER-OUTPUT-BEGIN ${NONCE} base64 99\nQT0x\nGOFER-OUTPUT-END ${NONCE}\n`;
  assert.is(Buffer.from((await lastTrailer(chunksOf([bad]), NONCE, 100))!).toString(), 'GOOD=1\n', 'a trailer whose length is wrong is skipped');
  const cut = `${trailer('GOOD=1\n')}GOFER-OUTPUT-BEGIN ${NONCE} base64 4\nQT0x`;
  assert.is(Buffer.from((await lastTrailer(chunksOf([cut]), NONCE, 100))!).toString(), 'GOOD=1\n', 'a trailer cut short is skipped');
  assert.is(await collect(withoutTrailers(chunksOf([cut]), NONCE)), '', '... and not shown');

  const big = 'K='.padEnd(5000, 'x');
  const bounded = await lastTrailer(chunksOf([trailer(big)]), NONCE, 100);
  assert.is(bounded?.length, 101);
  assert.is(Buffer.from(bounded!).toString(), big.slice(0, 101));
  const parser = new OutputTrailerParser(NONCE);
  assert.is(parser.push(Buffer.from('abc GOFER-OUT')).toString(), 'abc ', 'a possible marker start is held back');
  assert.is(parser.flush().toString(), 'GOFER-OUT', '... and handed on at the end');
});

test('workspace pins: parallel first starts wait for the first one, which chooses the node; a failed first start leaves the choice to the next', async () => {
  const values = new Map<string, string>();
  const store: PluginStateStore = {
    get: async (k) => values.get(k),
    set: async (k, v) => void values.set(k, v),
    delete: async (k) => void values.delete(k),
  };
  const pins = new WorkspacePins(store, async () => undefined);
  const given: Array<string | undefined> = [];
  let landed = 0;
  const start = (fail = false) =>
    pins.start('ws1', async (node) => {
      given.push(node);
      await new Promise((r) => setTimeout(r, 20));
      if (fail) throw new Error('no such image');
      return node ?? `node-${++landed}`;
    });
  const results = await Promise.allSettled([start(true), start(), start(), start()]);
  assert.equal(
    results.map((r) => r.status),
    ['rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.equal(given, [undefined, undefined, 'node-1', 'node-1']);
  assert.is(values.get('workspace/ws1'), 'node-1', 'kept in the state store');
  assert.is(await new WorkspacePins(store, async () => undefined).nodeOf('ws1'), 'node-1', 'a new instance reads it');
  assert.is(await new WorkspacePins(undefined, async (id) => `from-services-${id}`).nodeOf('ws2'), 'from-services-ws2');
  await pins.forget('ws1');
  assert.is(values.get('workspace/ws1'), undefined);
});

test('workspace pins: a pin naming a node that left the swarm is dropped with a warning (the swarm places the task, the new node is pinned)', async () => {
  const values = new Map<string, string>([['workspace/ws1', 'gone-node']]);
  const store: PluginStateStore = {
    get: async (k) => values.get(k),
    set: async (k, v) => void values.set(k, v),
    delete: async (k) => void values.delete(k),
  };
  const warnings: string[] = [];
  const logger = { warn: (m: string) => void warnings.push(m), info: () => {}, debug: () => {}, error: () => {} } as unknown as Logger;
  const pins = new WorkspacePins(store, async () => 'gone-node', { inSwarm: async (n) => n !== 'gone-node', logger });
  const given: Array<string | undefined> = [];
  await pins.start('ws1', async (node) => (given.push(node), node ?? 'new-node'));
  await pins.start('ws1', async (node) => (given.push(node), node));
  assert.equal(given, [undefined, 'new-node']);
  assert.is(values.get('workspace/ws1'), 'new-node');
  assert.ok(warnings.length > 0 && warnings.every((w) => /no longer in the swarm/.test(w)), warnings.join('; '));
});

test('placement check: the constraints a node fails, as swarm reads them; keys it cannot read are left to the swarm', () => {
  const node = { id: 'abc', hostname: 'vm1', role: 'manager', labels: { zone: 'a' }, engineLabels: {} };
  assert.equal(
    unmetConstraints(node, [
      'node.role==worker',
      'node.role==Manager',
      'node.id==abc',
      'node.id!=abc',
      'node.labels.zone==a',
      'node.labels.gpu==true',
      'node.labels.gpu!=true',
      'node.platform.os==windows',
      'nonsense',
    ]),
    ['node.role==worker', 'node.id!=abc', 'node.labels.gpu==true'],
  );
});

test('task setup: the wrapper for outputs and env secrets alike (one), none with outputs off and file secrets; the workspace mount and variable', async () => {
  const req = { id: 'p_1_t', image: 'img', variables: { GOFER_OUTPUT: 'mine' }, secrets: { TOKEN: 'tok' }, labels: {}, command: ['echo', 'hi'] };
  const argv = async () => ['/bin/echo', 'hi'];
  const both = await taskSetup(req, resolveSettings({}), true, argv);
  assert.is(both.env.GOFER_OUTPUT, OUTPUT_PATH, "the scheduler's path wins");
  assert.ok(both.wrapped && both.secretsAsEnv);
  assert.equal(both.entrypoint?.slice(3), ['gofer-task', '/bin/echo', 'hi']);
  assert.match(both.entrypoint![2]!, 'TOKEN="$(cat');
  assert.match(both.entrypoint![2]!, `GOFER-OUTPUT-END %s\\n' ${both.labels['gofer.output-nonce']}`);
  assert.is(both.args, undefined);
  const plain = await taskSetup({ ...req, workspace: { id: 'p_1_x' } }, resolveSettings({ outputs: false, secretDelivery: 'file' }), true, argv);
  assert.ok(!plain.wrapped);
  assert.is(plain.entrypoint, undefined);
  assert.equal(plain.args, ['echo', 'hi']);
  assert.equal(plain.env, { GOFER_OUTPUT: 'mine', TOKEN_FILE: '/run/secrets/tok', GOFER_WORKSPACE: '/workspace' });
  assert.equal(plain.labels, { 'gofer.workspace': 'p_1_x' });
  assert.equal(
    plain.mounts.map((m) => [m.Type, m.Source, m.Target]),
    [['volume', 'gofer-workspace-p_1_x', '/workspace']],
  );
});

test.run();
