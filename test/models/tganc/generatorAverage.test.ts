/** TGANs-C with a moving average of the generator's weights: what generates, checkpoints and is saved. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tganPreset } from '../../../models/tganc/tganPresets.ts';
import { TganTrainer } from '../../../models/tganc/TganTrainer.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import { restoreTganCheckpoint, saveTganCheckpoint, warmStartTgan } from '../../../models/tganc/tganCheckpoint.ts';
import { TganBundle, saveTganBundle } from '../../../models/tganc/TganBundle.ts';
import { CheckpointStore } from '../../../models/training/CheckpointStore.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { TINY_CAPTIONS, tinyClips, tinyVocabulary, weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const trainer = (generatorAverage?: number) =>
  new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5, learningRates: { generator: 1e-2 }, ...(generatorAverage !== undefined ? { generatorAverage } : {}) }, vocabulary: tinyVocabulary(), captionLength: 8 });

/** generate() of a model on fixed noise and captions, as numbers. */
function generated(t: TganTrainer): Float32Array {
  return t.generate(TINY_CAPTIONS, { perCaption: 1, seed: 3 }).reduce((all, v) => {
    const joined = new Float32Array(all.length + v.frames.length);
    joined.set(all);
    joined.set(v.frames, all.length);
    return joined;
  }, new Float32Array(0));
}

test('the average starts at the generator, then lags it; generate uses the average', () => {
  const t = trainer(0.9);
  const { generator, averageGenerator } = t.model;
  assert.ok(averageGenerator !== undefined);
  assert.deepEqual(weightBits(averageGenerator), weightBits(generator), 'starts as a copy');
  for (let s = 0; s < 4; s++) t.trainStep(tinyClips(s));
  assert.notDeepEqual(weightBits(averageGenerator), weightBits(generator), 'the average lags the trained weights');

  const noise = t.model.sampleNoise(2, 11);
  const sentences = t.model.encode(tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 9, 10]], undefined, 'int32'));
  const out = t.model.generate(noise, sentences);
  const fromAverage = averageGenerator.apply([noise, sentences], { training: false }) as tf.Tensor;
  const fromRaw = generator.apply([noise, sentences], { training: false }) as tf.Tensor;
  assert.deepEqual(Array.from(out.dataSync()), Array.from(fromAverage.dataSync()));
  assert.notDeepEqual(Array.from(out.dataSync()), Array.from(fromRaw.dataSync()));
  tf.dispose([noise, sentences, out, fromAverage, fromRaw]);
  t.model.dispose();
});

test('without an average, training and generating are those of a model that never had the setting', () => {
  const a = trainer();
  const b = trainer(0);
  assert.equal(a.model.averageGenerator, undefined);
  assert.equal(b.model.averageGenerator, undefined);
  for (let s = 0; s < 2; s++) assert.deepEqual(b.trainStep(tinyClips(s)), a.trainStep(tinyClips(s)));
  assert.deepEqual(generated(b), generated(a));
  a.model.dispose();
  b.model.dispose();
});

test('the average does not change training: the raw weights and losses equal those of a run without it', () => {
  const a = trainer();
  const b = trainer(0.99);
  for (let s = 0; s < 3; s++) assert.deepEqual(b.trainStep(tinyClips(s)), a.trainStep(tinyClips(s)));
  assert.deepEqual(weightBits(b.model.generator), weightBits(a.model.generator));
  a.model.dispose();
  b.model.dispose();
});

test('a checkpoint holds the average exactly: a restored run goes on to the same average and videos', async () => {
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'checkpoints'), 2);
  const a = trainer(0.9);
  a.model.generatorAverageAge = 40;
  a.trainStep(tinyClips(1));
  a.trainStep(tinyClips(2));
  await saveTganCheckpoint(store, a.model, {});
  const b = trainer(0.9);
  await restoreTganCheckpoint(await store.load(2), b.model);
  assert.deepEqual(weightBits(b.model.averageGenerator!), weightBits(a.model.averageGenerator!));
  assert.equal(b.model.generatorAverageAge, 40, 'the age is checkpointed');
  a.trainStep(tinyClips(3));
  b.trainStep(tinyClips(3));
  assert.deepEqual(weightBits(b.model.averageGenerator!), weightBits(a.model.averageGenerator!));
  assert.deepEqual(generated(b), generated(a));
  a.model.dispose();
  b.model.dispose();
});

test('the saved model is the average, not the last weights', async () => {
  const dir = await tempDir();
  const t = trainer(0.9);
  for (let s = 0; s < 3; s++) t.trainStep(tinyClips(s));
  await saveTganBundle(join(dir, 'model'), t, { training: { trainedSteps: 3 } });
  const bundle = await TganBundle.load(join(dir, 'model'));
  assert.deepEqual(weightBits(bundle.generator), weightBits(t.model.averageGenerator!));
  assert.notDeepEqual(weightBits(bundle.generator), weightBits(t.model.generator));
  bundle.dispose();
  t.model.dispose();
});

test('resetGeneratorAverage copies the generator; a bad decay is refused', () => {
  const t = trainer(0.9);
  for (let s = 0; s < 2; s++) t.trainStep(tinyClips(s));
  t.model.resetGeneratorAverage();
  assert.deepEqual(weightBits(t.model.averageGenerator!), weightBits(t.model.generator));
  t.model.dispose();
  assert.throws(() => new TganModel({ ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, generatorAverage: 1 }), /generatorAverage must be in \[0, 1\) \(0: off\), got 1/);
});

test('a warm start from a run without an average starts the average at the loaded generator; from one with an average, loads it', async () => {
  const dir = await tempDir();
  const plain = trainer();
  for (let s = 0; s < 2; s++) plain.trainStep(tinyClips(s));
  await saveTganCheckpoint(new CheckpointStore(join(dir, 'plain', 'checkpoints'), 1), plain.model, {});
  const t = trainer(0.9);
  const warm = await warmStartTgan(join(dir, 'plain'), t.model);
  assert.deepEqual(warm.missing, [], 'the average is not reported as initialised afresh');
  assert.ok(!warm.loaded.includes('generatorAverage'));
  assert.deepEqual(weightBits(t.model.generator), weightBits(plain.model.generator));
  assert.deepEqual(weightBits(t.model.averageGenerator!), weightBits(plain.model.generator), 'the average is the loaded generator');

  for (let s = 0; s < 2; s++) t.trainStep(tinyClips(s + 5));
  await saveTganCheckpoint(new CheckpointStore(join(dir, 'averaged', 'checkpoints'), 1), t.model, {});
  const u = trainer(0.9);
  const again = await warmStartTgan(join(dir, 'averaged'), u.model);
  assert.ok(again.loaded.includes('generatorAverage'));
  assert.equal(u.model.generatorAverageAge, 2, 'a loaded average keeps its age: the checkpoint\'s step');
  assert.equal(t.model.generatorAverageAge, 0, 'an average started at the warm start is newborn');
  assert.deepEqual(weightBits(u.model.averageGenerator!), weightBits(t.model.averageGenerator!));
  assert.notDeepEqual(weightBits(u.model.averageGenerator!), weightBits(u.model.generator));
  for (const m of [plain, t, u]) m.model.dispose();
});
