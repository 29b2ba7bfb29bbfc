import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { validateDag } from '../../pipeline/dag/validateDag.ts';
import { runDag, type RunDagArgs } from '../../pipeline/run/runDag.ts';
import { StageError, RunAbortedError } from '../../pipeline/errors/index.ts';
import { resetProbe, testRegistry } from '../helpers/testStages.ts';
import { tempDir } from '../helpers/tmp.ts';

async function setup() {
  const dir = await tempDir();
  const run = (yaml: string, extra: Partial<RunDagArgs> & { overrides?: string[] } = {}) => {
    const dag = validateDag({ text: yaml, file: 'test.yaml', registry: testRegistry, overrides: extra.overrides });
    return runDag({ dag, registry: testRegistry, runsDir: join(dir, 'runs'), cwd: dir, progress: 'none', write: () => undefined, ...extra });
  };
  return { dir, run };
}

const readJsonl = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('onError: skip records each rejected item with its reason and goes on', async () => {
  const { run } = await setup();
  const probe = resetProbe();
  const result = await run(`
name: skip
stages:
  src: {uses: count-source, with: {count: 20}}
  mid: {uses: delay, from: src, onError: skip, with: {failOn: [3, 11]}}
  out: {uses: slow-sink, from: mid}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.equal(probe.consumed, 18);
  assert.equal(result.stats.get('mid')!.rejected, 2);
  const rejects = await readJsonl(join(result.runDir!, 'rejects.jsonl'));
  assert.deepEqual(rejects.map((r) => [r.stage, r.item, r.reason]), [
    ['mid', 'item-3', 'cannot handle n=3'],
    ['mid', 'item-11', 'cannot handle n=11'],
  ]);
  const manifest = JSON.parse(await readFile(join(result.runDir!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.rejected, 2);
  assert.deepEqual([manifest.stages.mid.in, manifest.stages.mid.out, manifest.stages.mid.rejected], [20, 18, 2]);
});

test('onError: fail stops the run with a StageError naming stage and item; sinks are aborted, not finished', async () => {
  const { run } = await setup();
  const probe = resetProbe();
  const result = await run(`
name: fail
stages:
  src: {uses: count-source, with: {count: 1000}}
  mid: {uses: delay, from: src, with: {failOn: [5]}}
  out: {uses: slow-sink, from: mid, with: {delayMs: 1}}
`);
  assert.equal(result.status, 'failed');
  assert.ok(result.error instanceof StageError);
  assert.equal(result.error.message, 'stage "mid" failed on item item-5: cannot handle n=5');
  assert.deepEqual(probe.aborted, ['out']);
  assert.deepEqual(probe.finished, []);
  assert.ok(probe.produced < 100, `the source stopped early (produced ${probe.produced})`);
  const manifest = JSON.parse(await readFile(join(result.runDir!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'failed');
  assert.match(manifest.error, /item-5/);
});

test('a sink failure with onError: fail also fails the run', async () => {
  const { run } = await setup();
  resetProbe();
  const result = await run(`
name: sinkfail
stages:
  src: {uses: count-source, with: {count: 10}}
  out: {uses: slow-sink, from: src, with: {failOn: [7]}}
`);
  assert.equal(result.status, 'failed');
  assert.match(String((result.error as Error).message), /stage "out" failed on item item-7: sink refuses n=7/);
});

test('an error thrown by a source fails the run', async () => {
  const { run } = await setup();
  const probe = resetProbe();
  const result = await run(`
name: srcfail
stages:
  src: {uses: count-source, with: {count: 10, failAt: 4}}
  out: {uses: slow-sink, from: src}
`);
  assert.equal(result.status, 'failed');
  assert.match(String((result.error as Error).message), /source broke at 4/);
  assert.deepEqual(probe.aborted, ['out']);
});

test('aborting the signal stops the run cleanly with status aborted', async () => {
  const { run } = await setup();
  const probe = resetProbe();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const result = await run(
    `
name: abort
stages:
  src: {uses: count-source, with: {count: 100000}}
  out: {uses: slow-sink, from: src, with: {delayMs: 2}}
`,
    { signal: controller.signal },
  );
  assert.equal(result.status, 'aborted');
  assert.ok(result.error instanceof RunAbortedError);
  assert.deepEqual(probe.aborted, ['out']);
  assert.ok(probe.produced < 1000);
  const manifest = JSON.parse(await readFile(join(result.runDir!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'aborted');
});

test('an unchanged stage with outputs is skipped on re-run; --force and changed params re-run it', async () => {
  const { dir, run } = await setup();
  const yaml = `
name: cache
params: {count: 5}
stages:
  src:
    uses: count-source
    with:
      count: \${params.count}
  out:
    uses: slow-sink
    from: src
    with:
      out: result.txt
`;
  resetProbe();
  const first = await run(yaml);
  assert.equal(first.status, 'succeeded');
  assert.equal(await readFile(join(dir, 'result.txt'), 'utf8'), '5');

  const probe = resetProbe();
  const second = await run(yaml);
  assert.equal(second.status, 'succeeded');
  assert.deepEqual([...second.plan.values()].map((p) => p.action), ['skip', 'skip']);
  assert.equal(probe.produced, 0, 'nothing ran');

  resetProbe();
  const forced = await run(yaml, { force: ['out'] });
  assert.deepEqual([...forced.plan.values()].map((p) => [p.id, p.action, p.reason]), [
    ['src', 'run', 'feeds "out"'],
    ['out', 'run', 'forced'],
  ]);

  resetProbe();
  const changed = await run(yaml, { overrides: ['count=7'] });
  assert.equal(changed.plan.get('out')!.action, 'run');
  assert.equal(await readFile(join(dir, 'result.txt'), 'utf8'), '7');

  // An output changed behind t2v's back makes the stage run again.
  await writeFile(join(dir, 'result.txt'), 'edited by hand');
  resetProbe();
  const edited = await run(yaml, { overrides: ['count=7'], dryRun: true });
  assert.equal(edited.status, 'planned');
  assert.equal(edited.plan.get('out')!.action, 'run');
});

test('switching a param back to an earlier value whose outputs still exist is a cache hit', async () => {
  const { run } = await setup();
  const yaml = `
name: switch
params: {out: a.txt}
stages:
  src: {uses: count-source, with: {count: 3}}
  out:
    uses: slow-sink
    from: src
    with:
      out: \${params.out}
`;
  resetProbe();
  assert.equal((await run(yaml)).plan.get('out')!.action, 'run');
  resetProbe();
  assert.equal((await run(yaml, { overrides: ['out=b.txt'] })).plan.get('out')!.action, 'run');
  resetProbe();
  const back = await run(yaml, { overrides: ['out=a.txt'] });
  assert.equal(back.plan.get('out')!.action, 'skip', 'a.txt is still what that config wrote');
});

test('every run writes manifest.json, dag.resolved.yaml and run.log in its own folder', async () => {
  const { dir, run } = await setup();
  resetProbe();
  const result = await run(`
name: record
params: {count: 3}
stages:
  src:
    uses: count-source
    with:
      count: \${params.count}
  out: {uses: slow-sink, from: src}
`);
  assert.equal(result.status, 'succeeded');
  assert.ok(result.runDir!.startsWith(join(dir, 'runs', 'record')));
  assert.deepEqual((await readdir(result.runDir!)).sort(), ['dag.resolved.yaml', 'manifest.json', 'run.log'], 'no rejects.jsonl when nothing was rejected');
  const manifest = JSON.parse(await readFile(join(result.runDir!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'succeeded');
  assert.deepEqual(manifest.params, { count: 3 });
  assert.equal(manifest.versions.node, process.versions.node);
  assert.equal(manifest.stages.src.out, 3);
  assert.equal(manifest.stages.out.in, 3);
  assert.deepEqual(manifest.stages.out.result, { consumed: 3 });
  assert.match(await readFile(join(result.runDir!, 'dag.resolved.yaml'), 'utf8'), /count: 3/);
  assert.match(await readFile(join(result.runDir!, 'run.log'), 'utf8'), /succeeded/);
});
