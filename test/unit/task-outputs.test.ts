/**
 * The $GOFER_OUTPUT file format (core/src/tasks/task-outputs.ts): `KEY=value`, heredocs,
 * `::secret`, the last write winning, every limit and every error with what to fix; and the
 * `{{tasks.<id>.outputs.<KEY>}}` references of variable values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OUTPUT_LIMITS, OutputsInvalidError, parseOutputs, type ParsedOutput } from '../../core/src/tasks/task-outputs.js';
import { OUTPUT_REFERENCE, outputReferences } from '../../core/src/pipelines/output-references.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const parse = (text: string, limits?: Parameters<typeof parseOutputs>[1]) => parseOutputs(bytes(text), limits);
const plain = (key: string, value: string): ParsedOutput => ({ key, value, secret: false });

function invalid(fn: () => unknown, message: RegExp, line?: number): OutputsInvalidError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, OutputsInvalidError);
    const e = err as OutputsInvalidError;
    assert.match(e.message, message);
    assert.is(e.line, line, `line of: ${e.message}`);
    if (line !== undefined) assert.ok(e.message.startsWith(`line ${line}: `), e.message);
    return e;
  }
  assert.unreachable('expected an OutputsInvalidError');
  throw new Error('unreachable');
}

test('the limits', () => {
  assert.equal(OUTPUT_LIMITS, { maxBytes: 1024 * 1024, maxKeys: 256, maxValueBytes: 256 * 1024 });
});

test('KEY=value lines: the value is the rest of the line, = and spaces included; empty values', () => {
  assert.equal(parse('A=1\nB=x=y==\nC= spaced  \nD=\n_E9=ok\n'), [
    plain('A', '1'),
    plain('B', 'x=y=='),
    plain('C', ' spaced  '),
    plain('D', ''),
    plain('_E9', 'ok'),
  ]);
  assert.equal(parse('A=a<<b'), [plain('A', 'a<<b')], 'an = before << is a KEY=value line');
  assert.equal(parse('A=1'), [plain('A', '1')], 'no final newline');
});

test('an empty file and blank lines', () => {
  assert.equal(parseOutputs(new Uint8Array()), []);
  assert.equal(parse('\n\n  \n\t\r\n'), []);
  assert.equal(parse('\nA=1\n\n\nB=2\n\n'), [plain('A', '1'), plain('B', '2')]);
});

test('CRLF and LF line ends, mixed', () => {
  assert.equal(parse('A=1\r\nB=2\nC=3\r\n'), [plain('A', '1'), plain('B', '2'), plain('C', '3')]);
  assert.equal(parse('M<<EOF\r\none\r\ntwo\r\nEOF\r\nN=x\r\n'), [plain('M', 'one\ntwo'), plain('N', 'x')]);
  assert.equal(parse('A=a\rb\n'), [plain('A', 'a\rb')], 'a CR inside a line is kept');
});

test('heredocs: the lines between, joined with \\n, without the final newline; blank lines and = kept', () => {
  assert.equal(parse('NOTES<<EOF\nline 1\n\nKEY=not an output\n  indented\nEOF\nNEXT=1\n'), [
    plain('NOTES', 'line 1\n\nKEY=not an output\n  indented'),
    plain('NEXT', '1'),
  ]);
  assert.equal(parse('EMPTY<<END\nEND\n'), [plain('EMPTY', '')]);
  assert.equal(parse('ONE<<END\n\nEND'), [plain('ONE', '')], 'one blank line is the empty string joined');
  assert.equal(parse('TWO<<END\n\n\nEND'), [plain('TWO', '\n')]);
  assert.equal(parse('D<<A=B\nx\nA=B\n'), [plain('D', 'x')], 'the delimiter is the rest of the line, = included');
  assert.equal(parse('D<<ghadelimiter_1f2e\nEOF\nghadelimiter_1f2e\n'), [plain('D', 'EOF')]);
  assert.equal(parse('D<< EOF\nEOF\n EOF\n'), [plain('D', 'EOF')], 'the delimiter is exact: a leading space is part of it');
  assert.equal(parse('D<<EOF\nEOF \nEOF\n'), [plain('D', 'EOF ')], 'a line with more than the delimiter is value');
});

test('secrets: KEY::secret=value and KEY::secret<<DELIM; a key written secret once stays secret', () => {
  assert.equal(parse('TOKEN::secret=abc\nCERT::secret<<EOF\n-----\nxyz\nEOF\nPUBLIC=1\n'), [
    { key: 'TOKEN', value: 'abc', secret: true },
    { key: 'CERT', value: '-----\nxyz', secret: true },
    plain('PUBLIC', '1'),
  ]);
  assert.equal(parse('T::secret=a\nT=b\n'), [{ key: 'T', value: 'b', secret: true }]);
  assert.equal(parse('T=a\nT::secret=b\nT=c\n'), [{ key: 'T', value: 'c', secret: true }]);
  assert.equal(parse('T=a::secret=b'), [plain('T', 'a::secret=b')], 'the flag belongs to the key, not the value');
});

test('the last write of a key wins, in the place of its last write', () => {
  assert.equal(parse('A=1\nB=2\nA=3\nC=4\n'), [plain('B', '2'), plain('A', '3'), plain('C', '4')]);
  assert.equal(parse('A<<X\nold\nX\nB=2\nA=new\n'), [plain('B', '2'), plain('A', 'new')]);
});

test('prototype names are ordinary keys', () => {
  const out = parse('__proto__=p\nconstructor=c\ntoString<<E\nt\nE\nhasOwnProperty=h\n');
  assert.equal(out, [plain('__proto__', 'p'), plain('constructor', 'c'), plain('toString', 't'), plain('hasOwnProperty', 'h')]);
  assert.is(out.find((o) => o.key === '__proto__')?.value, 'p');
  assert.not.ok(Object.hasOwn(Object.prototype, 'p') || Object.hasOwn(Object.prototype, 'h'), 'Object.prototype untouched');
});

test('a line that is neither form names itself and its line', () => {
  invalid(() => parse('A=1\n\nKEY value\n'), /^line 3: "KEY value" is not KEY=value or KEY<<DELIMITER$/, 3);
  invalid(() => parse('just text'), /"just text" is not KEY=value/, 1);
  const long = invalid(() => parse('x'.repeat(500)), /is not KEY=value/, 1);
  assert.ok(long.message.length < 200, 'a long line is cut in the message');
});

test('a key that is not an environment variable name', () => {
  invalid(() => parse('1A=x'), /"1A" is not an environment variable name/, 1);
  invalid(() => parse('A-B=x'), /"A-B" is not an environment variable name/, 1);
  invalid(() => parse('KEY =x'), /"KEY " is not an environment variable name/, 1);
  invalid(() => parse('=x'), /"" is not an environment variable name/, 1);
  invalid(() => parse('A=1\nMY KEY<<EOF\nv\nEOF'), /"MY KEY" is not an environment variable name/, 2);
  invalid(() => parse('K::masked=x'), /"K::masked" is not a key: the only flag is ::secret/, 1);
  invalid(() => parse('::secret=x'), /"::secret" is not a key/, 1);
  invalid(() => parse('K::secret::secret=x'), /the only flag is ::secret/, 1);
});

test('heredocs: a missing delimiter, one that never comes (naming it and its line)', () => {
  invalid(() => parse('A=1\nK<<\nv\n'), /"K<<" has no delimiter after <<: write K<<EOF/, 2);
  invalid(() => parse('A=1\nB=2\nNOTES<<EOF\nline\nEOF2\n'), /the value of NOTES starts a heredoc that ends at a line "EOF", but the file ends before/, 3);
  invalid(() => parse('N<<EOF'), /ends at a line "EOF"/, 1);
  invalid(() => parse('N::secret<<END\nx'), /value of N starts a heredoc that ends at a line "END"/, 1);
});

test('over the size limit: checked before anything else', () => {
  const e = invalid(() => parseOutputs(new Uint8Array(OUTPUT_LIMITS.maxBytes + 1)), /^the output file is 1048577 bytes, over the limit of 1 MiB$/);
  assert.is(e.line, undefined);
  assert.equal(parseOutputs(bytes(`A=${'x'.repeat(1000)}`), { maxBytes: 1002 }), [plain('A', 'x'.repeat(1000))], 'exactly at the limit');
  invalid(() => parse(`A=${'x'.repeat(1001)}`, { maxBytes: 1002 }), /is 1003 bytes, over the limit of 1002 bytes/);
  invalid(() => parse('A=xxxxxx', { maxBytes: 5 }), /over the limit of 5 bytes/);
});

test('too many keys', () => {
  const lines = Array.from({ length: 256 }, (_, i) => `K${i}=${i}`);
  assert.is(parse(lines.join('\n')).length, 256);
  assert.is(parse([...lines, 'K0=again'].join('\n')).length, 256, 'a key written again is not a new key');
  invalid(() => parse([...lines, 'K256=x'].join('\n')), /K256 is key number 257, over the limit of 256 keys/, 257);
  invalid(() => parse('A=1\nB=2\nC=3', { maxKeys: 2 }), /over the limit of 2 keys/, 3);
  const undefinedLimit = { maxKeys: undefined } as unknown as { maxKeys: number };
  invalid(() => parse([...lines, 'K256=x'].join('\n'), undefinedLimit), /over the limit of 256 keys/, 257);
});

test('a value over maxValueBytes, counted in UTF-8 bytes, for both forms', () => {
  assert.equal(parse(`A=${'x'.repeat(256 * 1024)}`)[0]!.value.length, 256 * 1024);
  invalid(() => parse(`A=1\nBIG=${'x'.repeat(256 * 1024 + 1)}`), /the value of BIG is 262145 bytes, over the limit of 256 KiB/, 2);
  invalid(() => parse('E=ééé', { maxValueBytes: 5 }), /the value of E is 6 bytes, over the limit of 5 bytes/, 1);
  invalid(() => parse('H<<EOF\n1234\n5678\nEOF', { maxValueBytes: 8 }), /the value of H is 9 bytes/, 1);
});

test('UTF-8: multi-byte text is kept; invalid UTF-8 is refused', () => {
  assert.equal(parse('GREETING=héllo wörld ✓ 🚀'), [plain('GREETING', 'héllo wörld ✓ 🚀')]);
  invalid(() => parseOutputs(new Uint8Array([0x41, 0x3d, 0xff, 0xfe])), /not valid UTF-8/);
  invalid(() => parseOutputs(new Uint8Array([0x41, 0x3d, 0xc3])), /not valid UTF-8/, undefined);
  invalid(() => parseOutputs(new Uint8Array([0x41, 0x3d, 0xed, 0xa0, 0x80])), /not valid UTF-8/, undefined);
});

test('output references: plain, spaced, matrix ids, several in one value, repeats', () => {
  assert.equal(outputReferences('v{{tasks.build.outputs.VERSION}}-{{ tasks.test[NODE=18,OS=alpine].outputs.REPORT }}'), [
    { taskId: 'build', key: 'VERSION' },
    { taskId: 'test[NODE=18,OS=alpine]', key: 'REPORT' },
  ]);
  assert.equal(outputReferences('{{tasks.a.outputs.K}}{{tasks.a.outputs.K}}'), [
    { taskId: 'a', key: 'K' },
    { taskId: 'a', key: 'K' },
  ]);
  assert.equal(outputReferences('{{tasks.t[V=1.2.3:x/y+z@w-q_r].outputs._K9}}'), [{ taskId: 't[V=1.2.3:x/y+z@w-q_r]', key: '_K9' }]);
  assert.equal(outputReferences('{{tasks.t[V=a.outputs.b].outputs.KEY}}'), [{ taskId: 't[V=a.outputs.b]', key: 'KEY' }], 'the key is after the last .outputs.');
  assert.equal(outputReferences('{{\ttasks.build.outputs.V\t}}'), [{ taskId: 'build', key: 'V' }]);
});

test('not output references', () => {
  for (const value of [
    '',
    'plain text',
    'tasks.build.outputs.V',
    '{tasks.build.outputs.V}',
    '{{tasks.build.outputs.}}',
    '{{tasks..outputs.V}}',
    '{{tasks.build.outputs.1V}}',
    '{{tasks.build.outputs.V-X}}',
    '{{tasks.build.output.V}}',
    '{{tasks.bu ild.outputs.V}}',
    '{{tasks.b"x.outputs.V}}',
    '{{ tasks . build.outputs.V }}',
    'pipeline_secret{{KEY}}',
  ])
    assert.equal(outputReferences(value), [], value);
});

test('OUTPUT_REFERENCE replaces with its groups, and is safe to reuse (global)', () => {
  const value = 'v={{ tasks.build.outputs.V }}, r={{tasks.test[N=1].outputs.R}}';
  const lookup: Record<string, string> = { 'build/V': '1.0', 'test[N=1]/R': 'ok' };
  assert.is(
    value.replace(OUTPUT_REFERENCE, (_m, taskId: string, key: string) => lookup[`${taskId}/${key}`]!),
    'v=1.0, r=ok',
  );
  assert.ok(OUTPUT_REFERENCE.global);
  assert.is(outputReferences(value).length, 2);
  assert.is(outputReferences(value).length, 2, 'the same answer twice');
});

test.run();
