/**
 * The train-unet stage through `t2v run dags/train-unet-sbmg.yaml` (and the moving-shapes DAG) at a tiny
 * config on the cpu backend: outputs, finite losses in both phases, a run killed after a checkpoint and
 * resumed ends with the same bytes as an uninterrupted one, refusals, and config errors caught before
 * anything runs.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { UnetBundle } from '../../models/unet/UnetBundle.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { messages, show, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { assertKilledRunResumesExactly } from '../helpers/killAndResume.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PREPARE = join(ROOT, 'dags/sbmg-prepare.yaml');
const TRAIN = join(ROOT, 'dags/train-unet-sbmg.yaml');
const SHAPES_PREPARE = join(ROOT, 'dags/shapes-prepare.yaml');
const SHAPES_TRAIN = join(ROOT, 'dags/train-unet-shapes.yaml');

const dir = await tempDir('t2v-train-unet-');
const STEPS = 10;

before(async () => {
  const prepared = await t2v(['run', PREPARE, '--set', 'count=60', '--set', 'size=32', '--set', 'frames=8', '--set', 'out=data', '--progress', 'none'], dir);
  assert.equal(prepared.code, 0, show(prepared));
});

/** Window 3 of 16x16 from the first 6 frames; MSE for 3 steps, then adversarial too. */
const tiny = (out: string, steps: number, extra: string[] = [], dag = TRAIN, data = 'data') => [
  'run', dag, '--progress', 'none', '--backend', 'cpu',
  '--set', `data=${data}`, '--set', `out=${out}`, '--set', `steps=${steps}`, '--set', 'preset=tiny', '--set', 'size=16',
  '--set', 'frames=6', '--set', 'window=3', '--set', 'batch=4', '--set', 'checkpointEvery=2', '--set', 'sampleEvery=2',
  '--set', 'advWeight=0.1', '--set', 'adversarialFrom=3', ...extra,
];


test('a tiny run: finite losses in both phases, checkpoints, samples, loss plot, a model folder that rolls out', async () => {
  const result = await t2v([...tiny('A', STEPS), '--progress', 'lines'], dir);
  assert.equal(result.code, 0, show(result));
  const out = join(dir, 'A');
  const [header, ...rows] = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
  assert.equal(rows.length, STEPS);
  const columns = header!.split(',');
  assert.equal(columns[0], 'step');
  for (const name of ['loss', 'mse', 'adversarial', 'dLoss', 'dReal', 'dFake']) assert.ok(columns.includes(name), name);
  const at = (row: string, name: string) => Number(row.split(',')[columns.indexOf(name)]);
  rows.forEach((row, i) => {
    assert.equal(at(row, 'step'), i + 1);
    for (const name of ['loss', 'mse']) assert.ok(Number.isFinite(at(row, name)) && at(row, name) > 0, `row ${i + 1} ${name}: ${row}`);
    const adversarial = i + 1 > 3;
    for (const name of ['adversarial', 'dLoss', 'dReal', 'dFake']) {
      assert.equal(Number.isFinite(at(row, name)), adversarial, `row ${i + 1} ${name} (${adversarial ? 'adversarial' : 'MSE'} phase): ${row}`);
    }
    if (adversarial) assert.ok(Math.abs(at(row, 'loss') - (at(row, 'mse') + 0.1 * at(row, 'adversarial'))) < 1e-4, `loss = mse + 0.1·adversarial: ${row}`);
    else assert.equal(at(row, 'loss'), at(row, 'mse'));
  });
  assert.deepEqual(await readdir(join(out, 'checkpoints')), ['step-00000006', 'step-00000008', 'step-00000010'], 'every 2 steps, the last 3 kept');
  const state = JSON.parse(await readFile(join(out, 'checkpoints/step-00000010/state.json'), 'utf8'));
  assert.equal(state.step, 10);
  assert.deepEqual([...state.models].sort(), ['discriminator', 'encoder', 'predictor']);
  assert.equal(state.config.window, 3);
  for (const file of ['loss.png', 'samples/step-00000002.gif', 'samples/step-00000010.gif', 'samples/latest.gif', 'samples/rows.txt', 'model/t2v-model.json', 'model/predictor/model.json', 'model/predictor/weights.bin', 'model/encoder/model.json', 'model/vocabulary.json']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.equal((await readdir(join(out, 'samples'))).filter((f) => /^step-\d{8}\.gif$/.test(f)).length, STEPS / 2);
  const sampleRows = (await readFile(join(out, 'samples/rows.txt'), 'utf8')).trim().split('\n').filter((l) => !l.startsWith('#'));
  assert.ok(sampleRows.some((l) => l.includes('\tseen\t')) && sampleRows.some((l) => l.includes('\tunseen\t')), 'seen and unseen rows');
  const sampleCaptions = sampleRows.map((l) => l.split('\t')[3]);
  assert.equal(new Set(sampleCaptions).size, sampleCaptions.length, 'each row another caption');
  const gif = await readFile(join(out, 'samples/latest.gif'));
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');

  const info = JSON.parse(await readFile(join(out, 'model/t2v-model.json'), 'utf8'));
  assert.equal(info.format, 't2v-model');
  assert.equal(info.kind, 'unet');
  assert.equal(info.window, 3);
  assert.equal(info.args.size, 16);
  assert.equal(info.training.trainedSteps, STEPS);
  const vocabulary = JSON.parse(await readFile(join(dir, 'data/vocabulary.json'), 'utf8'));
  assert.equal(info.args.sentenceDim, vocabulary.words.length, 'a bag of words over the vocabulary');

  // The model folder loads and rolls out from a dataset clip's first frames.
  await selectBackend('cpu');
  const bundle = await UnetBundle.load(join(out, 'model'));
  const clip = await (await Dataset.open(join(dir, 'data'))).clip(0);
  const [video] = bundle.videos([clip.caption], [clip], 3);
  assert.deepEqual(video!.shape, [6, 16, 16, 1]);
  bundle.dispose();

  assert.match(result.stderr, /step 10\/10 +loss [\d.]+ +mse [\d.]+ +adv [\d.]+ +dLoss [\d.]+/);
  assert.match(result.stderr, /finished: train 10\/10 /);
  const runs = join(dir, 'outputs/train-unet-sbmg');
  const manifest = JSON.parse(await readFile(join(runs, (await readdir(runs)).filter((d) => /^\d/.test(d)).sort().at(-1)!, 'manifest.json'), 'utf8'));
  assert.ok(JSON.stringify(manifest).includes('"backend":"cpu"'), 'the manifest records the backend');

  // The same command again: up to date, nothing runs.
  const again = await t2v(tiny('A', STEPS), dir);
  assert.equal(again.code, 0, show(again));
  assert.match(again.stderr + again.stdout, /0 stage\(s\) ran|up to date/);
});

test('killed after a checkpoint, resumed with --resume: the same files, byte for byte, as the run never interrupted', async () => {
  // Another seed against these checkpoints is refused, and nothing is overwritten.
  await assertKilledRunResumesExactly({ dir, args: (out, extra) => tiny(out, STEPS, extra), reference: 'A', killed: 'B', killAfter: 'step-00000002', minFiles: 20, mismatch: [...tiny('B', STEPS + 2, ['--resume']), '--set', 'seed=3'] });
});

test('config errors fail validation, naming file, line and stage, before anything runs', async () => {
  const window = await t2v([...tiny('C', 2), '--set', 'window=6'], dir);
  assert.equal(window.code, 2, show(window));
  assert.match(messages(window).join('\n'), /train-unet-sbmg\.yaml:\d+:\d+ \(stage "train"\): invalid config with\.frames: frames must be at least window \+ 1 \(7/);
  const frames = await t2v([...tiny('C', 2), '--set', 'frames=12'], dir);
  assert.match(messages(frames).join('\n'), /\(stage "train"\): invalid config with\.frames: the model takes 12 frames but clips have 8/);
  const size = await t2v([...tiny('C', 2), '--set', 'size=20'], dir);
  assert.match(messages(size).join('\n'), /\(stage "train"\): invalid config with\.size: size must be a multiple of 8/);
  const weights = await t2v([...tiny('C', 2), '--set', 'mseWeight=0', '--set', 'advWeight=0'], dir);
  assert.match(messages(weights).join('\n'), /mseWeight and advWeight cannot both be 0/);
  assert.ok(!existsSync(join(dir, 'C')), 'nothing written');
});

test('moving shapes (RGB): the shapes DAG trains and writes colour samples and a 3-channel model', async () => {
  const prepared = await t2v(['run', SHAPES_PREPARE, '--set', 'count=30', '--set', 'size=32', '--set', 'frames=6', '--set', 'out=shapes', '--progress', 'none'], dir);
  assert.equal(prepared.code, 0, show(prepared));
  const result = await t2v([...tiny('S', 4, ['--set', 'adversarialFrom=2'], SHAPES_TRAIN, 'shapes')], dir);
  assert.equal(result.code, 0, show(result));
  const info = JSON.parse(await readFile(join(dir, 'S/model/t2v-model.json'), 'utf8'));
  assert.equal(info.args.channels, 3);
  assert.ok(existsSync(join(dir, 'S/samples/step-00000004.gif')));
  const rows = (await readFile(join(dir, 'S/metrics.csv'), 'utf8')).trim().split('\n');
  assert.equal(rows.length, 5);
  assert.ok(rows.slice(1).every((r) => r.split(',').slice(-2).every((v) => Number.isFinite(Number(v)))), 'loss and mse finite');
});
