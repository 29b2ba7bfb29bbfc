/**
 * The train-tganc stage through `t2v run dags/train-tganc-sbmg.yaml` at a tiny config on the cpu backend:
 * outputs, a run killed after a checkpoint and resumed ends with the same bytes as an uninterrupted one,
 * and shape errors caught before anything runs.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messages, show, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { assertKilledRunResumesExactly } from '../helpers/killAndResume.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PREPARE = join(ROOT, 'dags/sbmg-prepare.yaml');
const TRAIN = join(ROOT, 'dags/train-tganc-sbmg.yaml');
const EVALUATOR = join(ROOT, 'models/pretrained/digit-evaluator');

const dir = await tempDir('t2v-train-');

before(async () => {
  const prepared = await t2v(['run', PREPARE, '--set', 'count=60', '--set', 'size=32', '--set', 'frames=8', '--set', 'out=data', '--progress', 'none'], dir);
  assert.equal(prepared.code, 0, show(prepared));
});

const tiny = (out: string, steps: number, extra: string[] = []) => [
  'run', TRAIN, '--progress', 'none', '--backend', 'cpu',
  '--set', 'data=data', '--set', `out=${out}`, '--set', `steps=${steps}`, '--set', 'preset=tiny', '--set', 'size=16',
  '--set', 'frames=4', '--set', 'batch=4', '--set', 'checkpointEvery=2', '--set', 'sampleEvery=2', '--set', 'evalEvery=4',
  '--set', `evaluator=${EVALUATOR}`, '--set', 'realLabel=0.9', ...extra,
];


test('a tiny run: finite losses every step, checkpoints, samples, loss plot, evaluation, a loadable model', async () => {
  const result = await t2v([...tiny('A', 6), '--progress', 'lines'], dir);
  assert.equal(result.code, 0, show(result));
  const out = join(dir, 'A');
  const [header, ...rows] = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
  assert.equal(rows.length, 6);
  const columns = header!.split(',');
  assert.deepEqual(columns.slice(0, 1), ['step']);
  for (const name of ['dLoss', 'gLoss', 'dVideoWrong', 'dFrame', 'dMotion', 'gMotion']) assert.ok(columns.includes(name), name);
  rows.forEach((row, i) => {
    const values = row.split(',').map(Number);
    assert.equal(values[0], i + 1);
    assert.ok(values.every(Number.isFinite), `row ${i + 1}: ${row}`);
  });
  assert.deepEqual(await readdir(join(out, 'checkpoints')), ['step-00000002', 'step-00000004', 'step-00000006']);
  for (const file of ['loss.png', 'samples/step-00000002.gif', 'samples/step-00000006.gif', 'samples/rows.txt', 'eval.csv', 'eval/step-00000004.json', 'best/t2v-model.json', 'model/t2v-model.json', 'model/generator/model.json', 'model/encoder/weights.bin']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.match(await readFile(join(out, 'samples/rows.txt'), 'utf8'), /\tunseen\t/);
  assert.equal((await readFile(join(out, 'eval.csv'), 'utf8')).trim().split('\n').length, 3, 'evaluated at steps 4 and 6');
  const info = JSON.parse(await readFile(join(out, 'model/t2v-model.json'), 'utf8'));
  assert.equal(info.kind, 'tganc');
  assert.equal(info.training.trainedSteps, 6);
  assert.equal(info.args.realLabel, 0.9, 'the config reaches the model');
  assert.match(result.stderr, /finished: train 6\/6 .*\(steps {2}dLoss [\d.]+ {2}gLoss [\d.]+\)/);
  assert.match(result.stderr, /step 6\/6 +dLoss [\d.]+ +gLoss [\d.]+/);

  const manifest = JSON.parse(await readFile(join(dir, 'outputs/train-tganc-sbmg', (await readdir(join(dir, 'outputs/train-tganc-sbmg'))).filter((d) => /^\d/.test(d)).sort().at(-1)!, 'manifest.json'), 'utf8'));
  assert.equal(JSON.stringify(manifest).includes('"backend":"cpu"'), true, 'the manifest records the backend');

  // The same command again: up to date, nothing runs.
  const again = await t2v(tiny('A', 6), dir);
  assert.equal(again.code, 0, show(again));
  assert.match(again.stderr + again.stdout, /0 stage\(s\) ran|up to date/);
});

test('killed after a checkpoint, resumed with --resume: the same files, byte for byte, as the run never interrupted', async () => {
  await assertKilledRunResumesExactly({ dir, args: (out, extra) => tiny(out, 6, extra), reference: 'A', killed: 'B', killAfter: 'step-00000002', timeoutMs: 120_000 });
});

test('word warm-up: the classifiers learn on real clips before step 1; the setting needs wordLoss', async () => {
  const words = ['--set', 'wordLoss=1', '--set', 'wordClassifiers=video,frame'];
  const run = await t2v([...tiny('W', 2, [...words, '--set', 'wordWarmup=6', '--set', 'wordWarmupBatch=4']), '--progress', 'lines'], dir);
  assert.equal(run.code, 0, show(run));
  assert.match(run.stderr, /word warm-up 6\/6 +word loss [\d.]+/);
  assert.match(run.stderr, /word warm-up done: word loss [\d.]+/);
  // The first step's word losses come from warmed-up classifiers: lower than a cold start's.
  const cold = await t2v(tiny('W0', 2, words), dir);
  assert.equal(cold.code, 0, show(cold));
  const firstRow = async (run: string) => {
    const [header, row] = (await readFile(join(dir, run, 'metrics.csv'), 'utf8')).trim().split('\n');
    const columns = header!.split(',');
    const values = row!.split(',').map(Number);
    return (name: string) => values[columns.indexOf(name)]!;
  };
  const [warm, coldRow] = [await firstRow('W'), await firstRow('W0')];
  assert.ok(warm('dWords') < coldRow('dWords'), `dWords ${warm('dWords')} (warm) vs ${coldRow('dWords')} (cold)`);
  assert.ok(warm('dFrameWords') < coldRow('dFrameWords'), `dFrameWords ${warm('dFrameWords')} (warm) vs ${coldRow('dFrameWords')} (cold)`);
  const refused = await t2v(tiny('W1', 2, ['--set', 'wordWarmup=6']), dir);
  assert.notEqual(refused.code, 0);
  assert.match(messages(refused).join('\n'), /\(stage "train"\): invalid config with\.wordWarmup: wordWarmup teaches the word classifiers: set wordLoss above 0 too/);
});

test('a wrong tensor shape or size fails validation, naming file, line and stage, before anything runs', async () => {
  const frames = await t2v([...tiny('C', 2), '--set', 'frames=16'], dir);
  assert.notEqual(frames.code, 0);
  const message = messages(frames).join('\n');
  assert.match(message, /train-tganc-sbmg\.yaml:\d+:\d+ \(stage "train"\): invalid config with\.frames: the model takes 16 frames but clips have 8/);
  const size = await t2v([...tiny('C', 2), '--set', 'size=20'], dir);
  assert.match(messages(size).join('\n'), /\(stage "train"\): invalid config with\.size: size must be a multiple of 8/);
  const hinge = await t2v([...tiny('C', 2), '--set', 'adversarialLoss=hinge'], dir);
  assert.match(messages(hinge).join('\n'), /\(stage "train"\): invalid config with\.realLabel: realLabel 0\.9 is for the bce loss; the hinge loss has its margin instead/);
  const decay = await t2v([...tiny('C', 2), '--set', 'learningRateDecay=cosine'], dir);
  assert.match(messages(decay).join('\n'), /\(stage "train"\): invalid config with\.learningRateDecay: Invalid option: expected one of "none"\|"linear"/);
  const resumeMismatch = await t2v([...tiny('A', 8, ['--resume']), '--set', 'seed=3'], dir);
  assert.match(messages(resumeMismatch).join('\n'), /trained with another config/);
  assert.ok(!existsSync(join(dir, 'C')), 'nothing written');
});

test('initFrom: a new run starts from another run\'s weights under other loss settings; another architecture is refused', async () => {
  if (!existsSync(join(dir, 'A', 'model'))) assert.equal((await t2v(tiny('A', 6), dir)).code, 0);
  // With a generator average, which A did not keep: it starts at A's generator, not reported as initialised afresh.
  const warm = await t2v([...tiny('I', 2, ['--set', 'initFrom=A', '--set', 'modeSeeking=0.5', '--set', 'generatorAverage=0.9']), '--progress', 'lines'], dir);
  assert.equal(warm.code, 0, show(warm));
  assert.match(warm.stderr, /weights from .*A\/checkpoints\/step-00000006 \(step 6\): generator, encoder, video, frame, motion\n/);
  assert.ok(existsSync(join(dir, 'I', 'checkpoints', 'step-00000002', 'generatorAverage', 'model.json')), 'checkpoints hold the average');
  // Its first losses are those of the trained networks, not of a fresh start.
  const firstG = async (run: string) => {
    const [header, row] = (await readFile(join(dir, run, 'metrics.csv'), 'utf8')).trim().split('\n');
    return Number(row!.split(',')[header!.split(',').indexOf('gLoss')]);
  };
  const cold = await t2v(tiny('I0', 2, ['--set', 'modeSeeking=0.5', '--set', 'generatorAverage=0.9']), dir);
  assert.equal(cold.code, 0, show(cold));
  assert.notEqual(await firstG('I'), await firstG('I0'));
  const mismatch = await t2v(tiny('I2', 2, ['--set', 'initFrom=A', '--set', 'minibatchStd=true']), dir);
  assert.notEqual(mismatch.code, 0);
  assert.match(messages(mismatch).join('\n'), /has other weights than this run's .*same architecture/);
});

test('generator=sprite: trains through the DAG into a model folder that loads and generates; a sprite too large is refused', async () => {
  // The digits the 60 test clips' captions use (a word outside the vocabulary is refused, below).
  const { words } = JSON.parse(await readFile(join(dir, 'data', 'vocabulary.json'), 'utf8')) as { words: string[] };
  const digits = words.filter((t) => /^\d$/.test(t)).join(',');
  const run = await t2v(tiny('S', 2, ['--set', 'generator=sprite', '--set', 'spriteSize=8', '--set', 'encoder=bow', '--set', `spriteWords=${digits}`, '--set', 'pathWords=down,up,left,right']), dir);
  assert.equal(run.code, 0, show(run));
  const info = JSON.parse(await readFile(join(dir, 'S', 'model/t2v-model.json'), 'utf8'));
  assert.equal(info.args.generator, 'sprite');
  assert.equal(info.args.spriteSize, 8);
  assert.equal(info.args.spriteWordIds.length, digits.split(',').length, 'the sprite reads the digits');
  assert.equal(info.args.pathWordIds.length, 4);
  const { TganBundle } = await import('../../models/tganc/TganBundle.ts');
  const bundle = await TganBundle.load(join(dir, 'S', 'model'));
  assert.ok(bundle.generator.layers.some((l) => l.getClassName() === 'TganPlaceSprite'));
  const videos = await bundle.videos(['digit 3 is moving left and right'], { perCaption: 2, seed: 1 });
  assert.equal(videos.length, 2);
  bundle.dispose();
  const large = await t2v(tiny('S2', 2, ['--set', 'generator=sprite', '--set', 'spriteSize=16']), dir);
  assert.notEqual(large.code, 0);
  assert.match(messages(large).join('\n'), /\(stage "train"\): invalid config with\.spriteSize: spriteSize must be even and smaller than size \(16\)/);
  const unknown = await t2v(tiny('S4', 2, ['--set', 'generator=sprite', '--set', 'spriteSize=8', '--set', 'encoder=bow', '--set', 'spriteWords=zebra']), dir);
  assert.notEqual(unknown.code, 0);
  assert.match(messages(unknown).join('\n'), /stage "train" failed: spriteWords not in the vocabulary: "zebra"/);
  const conv = await t2v(tiny('S3', 2, ['--set', 'spriteWords=0,1,2,3,4,5,6,7,8,9']), dir);
  assert.notEqual(conv.code, 0);
  assert.match(messages(conv).join('\n'), /invalid config with\.spriteWords: spriteWords is for generator: sprite with encoder: bow/);
});
