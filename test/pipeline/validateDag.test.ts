import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineSource } from '../../pipeline/core/StageType.ts';
import { DEFAULT_BUFFER, DEFAULT_CONCURRENCY } from '../../pipeline/dag/DagSpec.ts';
import { validateDag } from '../../pipeline/dag/validateDag.ts';
import { DagValidationError, UsageError, type DagError } from '../../pipeline/errors/index.ts';
import { testRegistry } from '../helpers/testStages.ts';

const FILE = 'dags/test.yaml';

/**
 * A DAG file from an indented template: the first line break and the common indentation are removed,
 * so line 1 is the template's first non-empty line. Write `\${params.x}` for a literal reference.
 */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').replace(/\n[ \t]*$/, '\n').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

interface Expected {
  line?: number;
  column?: number;
  stage?: string;
  reason: RegExp;
}

/** Validate and return the errors of the DagValidationError it must throw. */
function errorsOf(text: string, options: { overrides?: string[]; registry?: typeof testRegistry } = {}): DagError[] {
  try {
    validateDag({ text, file: FILE, registry: options.registry ?? testRegistry, overrides: options.overrides });
  } catch (error) {
    assert.ok(error instanceof DagValidationError, `expected a DagValidationError, got ${String(error)}`);
    assert.equal(error.code, 'DAG_INVALID');
    return error.errors;
  }
  assert.fail('the DAG was accepted');
}

/** One error's location (all four fields), reason and the `file:line:col (stage "x"): reason` message. */
function assertError(error: DagError, expected: Expected): void {
  const { file, line, column, stage } = error.location;
  assert.deepEqual({ file, line, column, stage }, { file: FILE, line: expected.line, column: expected.column, stage: expected.stage }, error.message);
  assert.match(error.reason, expected.reason);
  let where = FILE;
  if (expected.line !== undefined) where += `:${expected.line}`;
  if (expected.line !== undefined && expected.column !== undefined) where += `:${expected.column}`;
  if (expected.stage !== undefined) where += ` (stage "${expected.stage}")`;
  assert.equal(error.message, `${where}: ${error.reason}`);
}

/** The DAG must fail with exactly these errors, in this order. */
function assertInvalid(text: string, expected: Expected[], options?: Parameters<typeof errorsOf>[1]): DagError[] {
  const errors = errorsOf(text, options);
  assert.equal(errors.length, expected.length, `got:\n${errors.map((e) => e.message).join('\n')}`);
  errors.forEach((error, i) => assertError(error, expected[i]));
  return errors;
}

/** A source of a different item type, for edge-type checks. */
const clipSource = defineSource({
  name: 'clip-source',
  description: 'test: emits no clips',
  version: 1,
  kind: 'source',
  output: 'Clip',
  config: z.strictObject({}),
  *open() {},
});

// ---- the file as a whole ----

test('a YAML syntax error is reported with its line and column', () => {
  const [error] = assertInvalid(
    yaml`
      name: x
      stages:
        a:
          uses: count-source
         bad: 1
    `,
    [{ line: 5, column: 1, reason: /^YAML syntax: All mapping items must start at the same column$/ }],
  );
  assert.doesNotMatch(error.reason, /\n| at line \d/, 'one line, position only in the location');
});

test('an unclosed flow map is a YAML syntax error with a line', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source
        b: {uses: slow-sink, from: a}
    `,
    [{ line: 4, column: 3, reason: /^YAML syntax: Flow map .* end with a \}$/ }],
  );
});

test('the top level must be a map', () => {
  assertInvalid('- name: x\n- stages: {}\n', [{ line: 1, column: 1, reason: /a DAG file is a YAML map with `name`, `params` and `stages`/ }]);
  assertInvalid('', [{ reason: /a DAG file is a YAML map/ }]);
});

test('an unknown top-level key is named, with the keys that are allowed', () => {
  assertInvalid(
    yaml`
      name: x
      stagse: {}
      stages:
        a: {uses: count-source, with: {count: 1}}
    `,
    [{ line: 2, column: 1, reason: /^unknown top-level key "stagse" \(expected one of: name, description, params, stages\)$/ }],
  );
});

test('a missing name points at the top of the file; an invalid one at its value', () => {
  assertInvalid('stages:\n  a: {uses: count-source, with: {count: 1}}\n', [{ line: 1, column: 1, reason: /^`name` must be a string of letters, digits/ }]);
  assertInvalid(
    yaml`
      description: a dag
      name: has spaces/and slashes
      stages:
        a: {uses: count-source, with: {count: 1}}
    `,
    [{ line: 2, column: 7, reason: /^`name` must be a string .*\(it names the run folder\)$/ }],
  );
});

test('params must be a map', () => {
  assertInvalid(
    yaml`
      name: x
      params: [count]
      stages:
        a: {uses: count-source, with: {count: 1}}
    `,
    [{ line: 2, column: 9, reason: /^`params` must be a map of name: default value$/ }],
  );
});

test('a param needs a scalar default (a map or an empty value is not one)', () => {
  assertInvalid(
    yaml`
      name: x
      params:
        count: {default: 3}
        label:
        ok: 1
      stages:
        a: {uses: count-source, with: {count: 1}}
    `,
    [
      { line: 3, column: 10, reason: /^param "count" needs a default that is a string, number or boolean$/ },
      { line: 4, column: 9, reason: /^param "label" needs a default/ },
    ],
  );
});

test('stages must be a non-empty map', () => {
  assertInvalid('name: x\nstages: {}\n', [{ line: 2, column: 9, reason: /^`stages` must be a non-empty map of stage id/ }]);
});

// ---- stages ----

test('an unknown stage type points at `uses` and lists the known types', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-sauce, with: {count: 1}}
    `,
    [{ line: 3, column: 13, stage: 'a', reason: /^unknown stage type "count-sauce" \(known types: count-source, delay, slow-sink, split\)$/ }],
  );
});

test('a stage without `uses` points at the stage id', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b:
          from: a
    `,
    [{ line: 4, column: 3, stage: 'b', reason: /^missing `uses:` \(the stage type\)$/ }],
  );
});

test('an unknown key in a stage is named', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}, buffers: 3}
    `,
    [{ line: 3, column: 45, stage: 'a', reason: /^unknown key "buffers" in stage \(expected one of: uses, from, with, concurrency, buffer, onError, description\)$/ }],
  );
});

test('a stage that is not a map', () => {
  assertInvalid('name: x\nstages:\n  a: count-source\n', [{ line: 3, column: 6, stage: 'a', reason: /^a stage is a map with `uses`/ }]);
});

test('`from` naming an unknown stage points at that name and lists the stages', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        src: {uses: count-source, with: {count: 1}}
        out: {uses: slow-sink, from: [src, scr]}
    `,
    [{ line: 4, column: 38, stage: 'out', reason: /^unknown stage "scr" in `from` \(stages: src, out\)$/ }],
  );
});

test('a source takes no `from`', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: count-source, from: a, with: {count: 1}}
    `,
    [{ line: 4, column: 33, stage: 'b', reason: /^"count-source" is a source stage and takes no `from`$/ }],
  );
});

test('a transform or a sink without `from` points at the stage id', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        mid: {uses: delay}
        out: {uses: slow-sink}
    `,
    [
      { line: 4, column: 3, stage: 'mid', reason: /^"delay" needs an input: add `from: <stage id>`$/ },
      { line: 5, column: 3, stage: 'out', reason: /^"slow-sink" needs an input/ },
    ],
  );
});

test('a stage cannot read from itself', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: delay, from: [a, b]}
        c: {uses: slow-sink, from: b}
    `,
    [{ line: 4, column: 30, stage: 'b', reason: /^a stage cannot read from itself$/ }],
  );
});

test('the same upstream twice in `from`', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: slow-sink, from: [a, a]}
    `,
    [{ line: 4, column: 34, stage: 'b', reason: /^stage "a" is listed twice in `from`$/ }],
  );
});

test('a cycle of two stages shows its path, at the edge that closes it', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        src: {uses: count-source, with: {count: 1}}
        a: {uses: delay, from: [src, b]}
        b: {uses: delay, from: a}
        out: {uses: slow-sink, from: b}
    `,
    [{ line: 4, column: 32, stage: 'a', reason: /^cycle: a -> b -> a$/ }],
  );
});

test('a cycle of three stages shows its path from the first declared', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        b: {uses: delay, from: a}
        a:
          uses: delay
          from: c
        c: {uses: delay, from: b}
        out: {uses: slow-sink, from: c}
    `,
    [{ line: 3, column: 26, stage: 'b', reason: /^cycle: b -> c -> a -> b$/ }],
  );
});

test('a duplicate stage id names the line of the first', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: slow-sink, from: a}
        a: {uses: count-source, with: {count: 2}}
    `,
    [{ line: 5, column: 3, stage: 'a', reason: /^duplicate stage id "a" \(first defined on line 3\)$/ }],
  );
});

// ---- config against the stage type's schema ----

test('a value of the wrong type points at that value, also in nested lists', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a:
          uses: count-source
          with:
            count: three
        b:
          uses: slow-sink
          from: a
          with:
            failOn: [1, two]
    `,
    [
      { line: 6, column: 14, stage: 'a', reason: /^invalid config with\.count: .*expected number, received string$/ },
      { line: 11, column: 19, stage: 'b', reason: /^invalid config with\.failOn\.1: .*expected number, received string$/ },
    ],
  );
});

test('a missing required key points at `with`, or at the stage when there is no `with`', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a:
          uses: count-source
          with:
            delayMs: 1
        b: {uses: count-source}
        c: {uses: slow-sink, from: [a, b]}
    `,
    [
      { line: 6, column: 7, stage: 'a', reason: /^invalid config with\.count: missing required key \(expected number\)$/ },
      { line: 7, column: 3, stage: 'b', reason: /^invalid config with\.count: missing required key/ },
    ],
  );
});

test('an unknown key in `with` points at that key and lists the known ones', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a:
          uses: count-source
          with:
            count: 1
            delayMS: 5
        b: {uses: slow-sink, from: a}
    `,
    [{ line: 7, column: 7, stage: 'a', reason: /^invalid config with: unknown key "delayMS" \(known keys: count, delayMs, failAt\)$/ }],
  );
});

test('`with` must be a map, reported once', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: [1]}
    `,
    [{ line: 3, column: 33, stage: 'a', reason: /^`with` is a map of config values$/ }],
  );
});

// ---- edges ----

test('an edge whose item types differ names both types', () => {
  const registry = testRegistry.with(clipSource);
  assertInvalid(
    yaml`
      name: x
      stages:
        clips: {uses: clip-source}
        mid: {uses: delay, from: clips}
        out: {uses: slow-sink, from: mid}
    `,
    [{ line: 4, column: 28, stage: 'mid', reason: /^"delay" takes Record items but stage "clips" \(clip-source\) emits Clip$/ }],
    { registry },
  );
  // The same source is fine where nothing reads it with the wrong type.
  const dag = validateDag({ text: 'name: x\nstages:\n  clips: {uses: clip-source}\n', file: FILE, registry });
  assert.deepEqual(dag.stages.map((s) => s.id), ['clips']);
});

test('reading from a sink', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: slow-sink, from: a}
        c: {uses: slow-sink, from: [a, b]}
    `,
    [{ line: 5, column: 34, stage: 'c', reason: /^stage "b" \(slow-sink\) is a sink and emits nothing to read$/ }],
  );
});

// ---- params ----

test('an unknown `${params.x}` points at the scalar, with no second schema error there', () => {
  assertInvalid(
    yaml`
      name: x
      params:
        count: 3
      stages:
        a:
          uses: count-source
          with:
            count: \${params.cuont}
        b: {uses: delay, from: a, with: {tag: "run-\${params.label}"}}
        c: {uses: slow-sink, from: b}
    `,
    [
      { line: 8, column: 14, stage: 'a', reason: /^unknown param "\$\{params\.cuont\}" \(known params: count\)$/ },
      { line: 9, column: 41, stage: 'b', reason: /^unknown param "\$\{params\.label\}" \(known params: count\)$/ },
    ],
  );
});

const withCount = yaml`
  name: x
  params:
    count: 3
  stages:
    a:
      uses: count-source
      with:
        count: \${params.count}
    b: {uses: slow-sink, from: a}
`;

test('`--set` of an unknown param is a usage error listing the params', () => {
  assert.throws(
    () => validateDag({ text: withCount, file: FILE, registry: testRegistry, overrides: ['cuont=5'] }),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.code, 'USAGE');
      assert.equal(error.message, `unknown param "cuont" in --set for ${FILE} (known params: count)`);
      return true;
    },
  );
  assert.throws(() => validateDag({ text: withCount, file: FILE, registry: testRegistry, overrides: ['count'] }), {
    name: 'UsageError',
    message: '--set takes name=value, got "count"',
  });
});

test('`--set` of a number param with a non-number is a usage error', () => {
  for (const value of ['five', '', ' ', '1e999']) {
    assert.throws(() => validateDag({ text: withCount, file: FILE, registry: testRegistry, overrides: [`count=${value}`] }), {
      name: 'UsageError',
      message: `param "count" takes a number, got "${value}"`,
    });
  }
});

// ---- concurrency, buffer, onError ----

test('concurrency 0, non-integer, above the buffer; onError: maybe', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: delay, from: a, concurrency: 0}
        c: {uses: delay, from: b, concurrency: 1.5}
        d: {uses: delay, from: c, concurrency: 4, buffer: 2}
        e: {uses: slow-sink, from: d, onError: maybe}
    `,
    [
      { line: 4, column: 42, stage: 'b', reason: /^`concurrency` must be a whole number from 1 to 4096$/ },
      { line: 5, column: 42, stage: 'c', reason: /^`concurrency` must be a whole number from 1 to 4096$/ },
      { line: 6, column: 42, stage: 'd', reason: /^`concurrency` \(4\) cannot exceed `buffer` \(2\)/ },
      { line: 7, column: 42, stage: 'e', reason: /^`onError` is `fail` or `skip`$/ },
    ],
  );
});

test('concurrency above the default buffer, and buffer out of range', () => {
  assertInvalid(
    yaml`
      name: x
      stages:
        a: {uses: count-source, with: {count: 1}}
        b: {uses: delay, from: a, concurrency: ${DEFAULT_BUFFER + 1}}
        c: {uses: slow-sink, from: b, buffer: 5000}
    `,
    [
      { line: 4, column: 42, stage: 'b', reason: new RegExp(`^\`concurrency\` \\(${DEFAULT_BUFFER + 1}\\) cannot exceed \`buffer\` \\(${DEFAULT_BUFFER}\\)`) },
      { line: 5, column: 41, stage: 'c', reason: /^`buffer` must be a whole number from 1 to 4096$/ },
    ],
  );
});

// ---- many at once ----

test('several problems are reported together in one DagValidationError', () => {
  const text = yaml`
    name: x
    stages:
      src: {uses: count-source, with: {count: -1}}
      mid: {uses: dealy, from: src}
      out: {uses: slow-sink, from: [src, nowhere], onError: maybe}
      extra: {uses: split, from: src, concurrency: 0}
  `;
  const errors = assertInvalid(text, [
    { line: 3, column: 43, stage: 'src', reason: /^invalid config with\.count: .*>=0/ },
    { line: 4, column: 15, stage: 'mid', reason: /^unknown stage type "dealy"/ },
    { line: 5, column: 38, stage: 'out', reason: /^unknown stage "nowhere" in `from`/ },
    { line: 5, column: 57, stage: 'out', reason: /^`onError` is `fail` or `skip`$/ },
    { line: 6, column: 48, stage: 'extra', reason: /^`concurrency` must be a whole number/ },
    { line: 6, column: 3, stage: 'extra', reason: /^invalid config with\.copies: missing required key/ },
  ]);
  const thrown = (() => {
    try {
      validateDag({ text, file: FILE, registry: testRegistry });
    } catch (error) {
      return error as DagValidationError;
    }
  })()!;
  assert.match(thrown.message, /^dags\/test\.yaml:3:43 \(stage "src"\): invalid config with\.count: .* \(and 5 more: dags\/test\.yaml:4:15 \(stage "mid"\): unknown stage type "dealy"/);
  assert.equal(thrown.message.split('; ').length, errors.length - 1);
});

// ---- valid DAGs ----

test('a valid DAG gives its stages in topological order even when declared out of order', () => {
  const dag = validateDag({
    text: yaml`
      name: order.test-1
      description: fan-out and fan-in, declared backwards
      stages:
        out: {uses: slow-sink, from: [left, right]}
        right: {uses: split, from: src, with: {copies: 2}}
        left: {uses: delay, from: src}
        src: {uses: count-source, with: {count: 4}}
    `,
    file: FILE,
    registry: testRegistry,
  });
  assert.equal(dag.name, 'order.test-1');
  assert.equal(dag.description, 'fan-out and fan-in, declared backwards');
  assert.equal(dag.file, FILE);
  const ids = dag.stages.map((s) => s.id);
  assert.deepEqual(ids, ['src', 'right', 'left', 'out']);
  for (const stage of dag.stages) {
    for (const upstream of stage.from) assert.ok(ids.indexOf(upstream) < ids.indexOf(stage.id), `${upstream} before ${stage.id}`);
  }
  assert.deepEqual(dag.stages.find((s) => s.id === 'out')!.from, ['left', 'right']);
  assert.deepEqual(Object.fromEntries(dag.stages.map((s) => [s.id, s.line])), { out: 4, right: 5, left: 6, src: 7 });
});

const paramsDag = yaml`
  name: p
  params:
    count: 3
    label: run
    loud: false
  stages:
    src:
      uses: count-source
      with:
        count: \${params.count}
    mid:
      uses: delay
      from: src
      concurrency: \${params.count}
      with:
        tag: \${params.label}-\${params.count}-\${params.loud}
    out: {uses: slow-sink, from: mid}
`;

test('`${params.x}` alone keeps the param type; embedded references are spliced into the string', () => {
  const dag = validateDag({ text: paramsDag, file: FILE, registry: testRegistry });
  assert.deepEqual(dag.params, { count: 3, label: 'run', loud: false });
  const [src, mid] = dag.stages;
  assert.deepEqual(src.config, { count: 3, delayMs: 0 });
  assert.deepEqual(src.rawConfig, { count: 3 });
  assert.equal(typeof src.rawConfig.count, 'number');
  assert.equal((mid.config as { tag: string }).tag, 'run-3-false');
  assert.equal(mid.concurrency, 3);
});

test('`--set count=5` overrides the default, typed like it', () => {
  const dag = validateDag({ text: paramsDag, file: FILE, registry: testRegistry, overrides: ['count=5', 'label=a=b', 'loud=true'] });
  assert.deepEqual(dag.params, { count: 5, label: 'a=b', loud: true });
  assert.deepEqual(dag.stages[0].config, { count: 5, delayMs: 0 });
  assert.equal((dag.stages[1].config as { tag: string }).tag, 'a=b-5-true');
  assert.equal(dag.stages[1].concurrency, 5);
});

test('defaults: buffer, concurrency, onError and the schema defaults of the config', () => {
  const dag = validateDag({
    text: yaml`
      name: d
      stages:
        src: {uses: count-source, with: {count: 2}}
        out: {uses: slow-sink, from: src, onError: skip, buffer: 1}
    `,
    file: FILE,
    registry: testRegistry,
  });
  const [src, out] = dag.stages;
  assert.equal(src.buffer, DEFAULT_BUFFER);
  assert.equal(src.concurrency, DEFAULT_CONCURRENCY);
  assert.equal(src.onError, 'fail');
  assert.deepEqual(src.from, []);
  assert.deepEqual(src.config, { count: 2, delayMs: 0 });
  assert.equal(out.onError, 'skip');
  assert.equal(out.buffer, 1);
  assert.equal(out.concurrency, 1);
  assert.deepEqual(out.config, { delayMs: 0, failOn: [] });
  assert.deepEqual(out.rawConfig, {});
  assert.deepEqual(dag.params, {});
  assert.equal(dag.description, undefined);
});
